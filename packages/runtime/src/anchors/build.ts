// One shipment from the live ledger: the latest signed checkpoint, the entries since `from` and the
// consistency proof from `from`, all read in one snapshot so they belong together.
import { formatShipment, parseCheckpointText, parseNote, ROTATE_TYPE, type Hash } from '@runledger/ledger';
import type { LedgerReader } from '@runledger/store';

export interface BuiltShipment {
  readonly from: number;
  readonly to: number;
  readonly root: Hash;
  readonly entries: number;
  readonly text: string;
}

export interface BuildOptions {
  /** Ship entries with the checkpoint (default true). */
  readonly entries?: boolean;
  /**
   * Most entries in one shipment (default 10,000). A larger gap (a first shipment of an old ledger,
   * a destination that was down) ships the checkpoint and proof only: the rollback and fork checks
   * need nothing more, and one shipment stays small enough to write every few seconds.
   */
  readonly maxEntries?: number;
}

/** Undefined when the ledger has no checkpoint beyond `from`. */
export async function buildShipment(reader: LedgerReader, from: number, opts: BuildOptions = {}): Promise<BuiltShipment | undefined> {
  return reader.exportSnapshot(async (snap) => {
    let target = await snap.latestCheckpoint();
    if (!target || target.size <= from) return undefined;
    const withEntries = (opts.entries ?? true) && target.size - from <= (opts.maxEntries ?? 10_000);
    const entries: Uint8Array[] = [];
    if (withEntries) {
      for await (const e of snap.iterateEntries(from, target.size)) {
        entries.push(e.bytes);
        // A key rotation: stop at its dual-signed handover checkpoint, so a verifier holding only the
        // old keys follows the rotation entry to the new ones (verifyAnchorChain).
        if (e.entry.type === ROTATE_TYPE) {
          const handover = await snap.checkpointCovering(e.seq);
          if (handover && handover.size < target.size) target = handover;
        }
        if (from + entries.length >= target.size) break;
      }
    }
    const proof = from === 0 ? [] : await snap.consistencyProof(from, target.size);
    const root = parseCheckpointText(parseNote(target.note).text).root;
    return {
      from,
      to: target.size,
      root,
      entries: entries.length,
      text: formatShipment({ from, entries, proof, checkpointNote: target.note }),
    };
  });
}
