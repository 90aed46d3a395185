// Seed 003's rollback log, read from the ledger (not the release tables): every `release.rollback`
// entry as `<time> | rollback | <outcome> | from=… | to=… | actor=… | reason=…`, oldest first.
import { formatRollbackLine, type RollbackLogEntry } from '@runledger/core';
import { LedgerReader, type Store } from '@runledger/store';

/** Lines of the entries whose release (their subject) passes `only`; all when it is undefined. */
export async function rollbackLogLines(store: Store, only?: ReadonlySet<string>, limit = 100_000): Promise<string[]> {
  const reader = new LedgerReader(store);
  const lines: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await reader.search({ types: ['release.rollback'], limit: 1000, scanLimit: 1_000_000, ...(before !== undefined ? { before } : {}) });
    for (const e of page.entries) {
      if (only && !only.has(e.entry.subject?.id ?? '')) continue;
      lines.push(formatRollbackLine(e.entry.data as unknown as RollbackLogEntry));
    }
    if (page.next === null || lines.length >= limit) break;
    before = page.next;
  }
  return lines.reverse().slice(-limit);
}
