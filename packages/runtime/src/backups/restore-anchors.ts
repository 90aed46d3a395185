// The restored ledger against anchors held elsewhere: the newest of each anchor directory (restore.ts) and
// `restore --anchor NOTE` (a checkpoint note file, a .anchor shipment, or the note's text). One rule for
// both: it must extend each. Behind one is a rollback (RESTORE_ROLLBACK unless allowed with a reason);
// another history, or a note no trusted key signed, is BACKUP_LEDGER_MISMATCH.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ANCHOR_FORMAT, compareWithAnchorNote, parseShipment, parseSignedCheckpoint, type AnchorCheck, type VerifierKey } from '@runledger/ledger';
import { LedgerReader, openStore, type StoreConfig } from '@runledger/store';
import { RuntimeError } from '../errors.js';

export interface AnchorNote {
  /** Where it came from, for messages: the file's path, or `the note given`. */
  readonly source: string;
  /** The signed checkpoint note, byte-exact. */
  readonly note: string;
}

/** Reads one `--anchor` argument: text holding a line break is the note itself; anything else is a file. */
export async function readAnchorNote(arg: string, cwd: string): Promise<AnchorNote> {
  let text = arg;
  let source = 'the note given';
  if (!arg.includes('\n')) {
    const path = resolve(cwd, arg);
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new RuntimeError(
        'USAGE',
        `--anchor ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (give a signed checkpoint note file, a .anchor shipment, or the note's text)`,
      );
    }
    source = path;
  }
  if (text.startsWith(`${ANCHOR_FORMAT}\n`)) {
    const s = parseShipment(text);
    if (typeof s === 'string') throw new RuntimeError('USAGE', `--anchor ${source}: not a shipment: ${s}`);
    text = s.checkpoint.text;
  }
  try {
    parseSignedCheckpoint(text);
  } catch (e) {
    throw new RuntimeError('USAGE', `--anchor ${source}: not a signed checkpoint note: ${(e as Error).message}`);
  }
  return { source, note: text };
}

export async function checkRestoredNotes(
  config: StoreConfig,
  notes: readonly AnchorNote[],
  trusted: readonly VerifierKey[],
  allow: { readonly reason: string } | undefined,
  checks: string[],
): Promise<void> {
  if (notes.length === 0) return;
  const store = await openStore(config, { create: false });
  try {
    const reader = new LedgerReader(store);
    const latest = await reader.latestCheckpoint();
    if (!latest) throw new RuntimeError('BACKUP_LEDGER_MISMATCH', 'the restored ledger has no checkpoint to compare with the anchors');
    for (const n of notes) {
      const r = await compareWithAnchorNote(n.note, trusted, { checkpointNote: latest.note, consistencyProof: (m, k) => reader.consistencyProof(m, k) });
      judgeRestoredAnchor(r, `the anchor ${n.source}`, allow, checks);
    }
  } finally {
    await store.close();
  }
}

/** What one comparison means for a restore (`where`: "the newest anchor in DIR", "the anchor FILE"). */
export function judgeRestoredAnchor(r: AnchorCheck, where: string, allow: { readonly reason: string } | undefined, checks: string[]): void {
  if (r.status === 'CONSISTENT') {
    checks.push(`anchors: the restored ledger extends ${where}${r.anchorSize !== undefined ? ` (size ${r.anchorSize})` : ''}`);
    return;
  }
  if (r.status === 'ROLLED_BACK' && allow?.reason.trim()) {
    checks.push(`anchors: BEHIND ${where} (${r.detail}); allowed: ${allow.reason}`);
    return;
  }
  if (r.status === 'ROLLED_BACK')
    throw new RuntimeError(
      'RESTORE_ROLLBACK',
      `the restored ledger is behind ${where}: ${r.detail}; restoring it would lose entries the anchor proves existed (allow it with a reason, which is recorded)`,
    );
  throw new RuntimeError('BACKUP_LEDGER_MISMATCH', `the restored ledger does not match ${where}: ${r.status} ${r.reason}: ${r.detail}`);
}
