// One shipment from the live ledger: the latest signed checkpoint, the entries since `from` and the
// consistency proof from `from`, all read in one snapshot so they belong together.
import { formatShipment, parseCheckpointText, parseNote, type Hash } from '@runledger/ledger';
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
    const latest = await snap.latestCheckpoint();
    if (!latest || latest.size <= from) return undefined;
    const proof = from === 0 ? [] : await snap.consistencyProof(from, latest.size);
    const withEntries = (opts.entries ?? true) && latest.size - from <= (opts.maxEntries ?? 10_000);
    const entries: Uint8Array[] = [];
    if (withEntries) for await (const e of snap.iterateEntries(from, latest.size)) entries.push(e.bytes);
    const root = parseCheckpointText(parseNote(latest.note).text).root;
    return {
      from,
      to: latest.size,
      root,
      entries: entries.length,
      text: formatShipment({ from, entries, proof, checkpointNote: latest.note }),
    };
  });
}
