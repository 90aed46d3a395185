// Appends the operations layer's queued ledger drafts in order, then removes them. Idempotency keys
// make a repeat (after a crash between append and delete, or two processes pumping) a duplicate.
import type { EntryDraft } from '@runledger/ledger';
import type { OpsOutbox } from '@runledger/store';

export async function pumpOutbox(outbox: OpsOutbox, append: (d: EntryDraft) => Promise<unknown>, batch = 256): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await outbox.next(batch);
    if (rows.length === 0) return n;
    // Queued in order, group-committed by the writer; all must land before the rows go.
    await Promise.all(rows.map((r) => append(r.draft as EntryDraft)));
    await outbox.done(rows.map((r) => r.n));
    n += rows.length;
    if (rows.length < batch) return n;
  }
}
