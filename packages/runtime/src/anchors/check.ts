// `runledger anchors check` and the shipper's guard: the live ledger against a directory's anchors.
import { compareWithAnchors, type AnchorCheck, type VerifierKey } from '@runledger/ledger';
import type { LedgerReader } from '@runledger/store';
import { readAnchorDir } from './files.js';

export async function checkAnchors(reader: LedgerReader, dir: string, trusted: readonly VerifierKey[]): Promise<AnchorCheck> {
  const files = await readAnchorDir(dir);
  const latest = await reader.latestCheckpoint();
  if (!latest) return { status: 'ANCHORS_INVALID', reason: 'LIVE_CHECKPOINT_INVALID', detail: 'the live ledger has no checkpoint yet' };
  return compareWithAnchors(files, trusted, {
    checkpointNote: latest.note,
    consistencyProof: (m, n) => reader.consistencyProof(m, n),
  });
}
