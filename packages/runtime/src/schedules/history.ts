// A schedule's recent slots as the ledger recorded them (one entry per slot), newest first.
import { SCHEDULE_ENTRY_TYPES, type ScheduleEntryType } from '@runledger/core';
import type { LedgerReader } from '@runledger/store';

export interface ScheduleHistoryItem {
  readonly index: number;
  readonly type: ScheduleEntryType;
  /** fired, failed, skipped, missed. */
  readonly outcome: string;
  readonly slot: string;
  readonly until?: string;
  readonly ts: string;
  readonly ref?: string;
  /** What was done (fired), the error (failed), why not (skipped, missed). */
  readonly detail?: string;
}

export async function scheduleHistory(reader: LedgerReader, name: string, limit = 20): Promise<ScheduleHistoryItem[]> {
  const page = await reader.search({ types: SCHEDULE_ENTRY_TYPES, idemPrefix: `schedule:${name}:`, limit });
  return page.entries.map((s) => {
    const e = s.entry;
    const d = e.data as Record<string, unknown>;
    const text = (k: string): string | undefined => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
    const detail = text('detail') ?? text('error') ?? text('reason') ?? text('why');
    const until = text('until');
    const ref = text('ref');
    return {
      index: s.seq,
      type: e.type as ScheduleEntryType,
      outcome: e.type.slice('schedule.'.length),
      slot: text('slot') ?? '',
      ...(until !== undefined ? { until } : {}),
      ts: e.ts,
      ...(ref !== undefined ? { ref } : {}),
      ...(detail !== undefined ? { detail: e.type === 'schedule.missed' ? (text('why') ?? detail) : detail } : {}),
    };
  });
}
