// What the evidence writer needs of the ledger: an append and receipts. A callback pair, so the
// server's request-scoped append and a CLI's own writer both fit.
import type { EntryDraft } from '@runledger/ledger';
import type { LedgerReader, LedgerWriter } from '@runledger/store';
import { receiptFor } from '../ledger/service.js';

export interface EvidenceLedger {
  /**
   * Appends an entry and resolves once it is committed. `checkpointSize`: the signed checkpoint that
   * covers it (the ledger writer signs one in the same transaction as each commit).
   */
  append(draft: EntryDraft): Promise<{ readonly seq: number; readonly checkpointSize?: number }>;
  /** The C2SP tlog-proof receipt of entry `index` under the checkpoint of `size` (default: the latest). */
  receipt(index: number, size?: number): Promise<string>;
}

/** The evidence writer's view of an opened ledger. */
export function evidenceLedgerOf(writer: LedgerWriter, reader: LedgerReader): EvidenceLedger {
  return {
    append: (draft) => writer.append(draft),
    receipt: (index, size) => receiptFor(reader, index, size),
  };
}
