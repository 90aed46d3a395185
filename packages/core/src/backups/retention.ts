// Retention: which backups to delete under "keep the last N, the newest per day for D days and the
// newest per ISO week for W weeks" (restic's rule: days and weeks that hold a backup count, so a gap
// in backups never deletes the last good one). Times are UTC.

export interface RetentionPolicy {
  /** The newest N backups. */
  readonly keepLast: number;
  /** The newest backup of each of the D newest days that hold one. */
  readonly daily?: number;
  /** The newest backup of each of the W newest ISO weeks that hold one. */
  readonly weekly?: number;
}

export interface RetentionItem {
  readonly id: string;
  readonly createdAt: string;
}

export type KeepReason = 'last' | 'daily' | 'weekly';

export interface RetentionPlan {
  /** Kept, newest first, with why. */
  readonly keep: readonly { readonly id: string; readonly reasons: readonly KeepReason[] }[];
  /** To delete, newest first. */
  readonly remove: readonly string[];
}

/** ISO 8601 week of a UTC time, as YYYY-Www (the week-year may differ from the calendar year). */
export function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function count(n: number | undefined, name: string): number {
  const v = n ?? 0;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return v;
}

/** Plans a prune. With every count 0 the plan keeps nothing: callers refuse such a policy. */
export function selectRetention(items: readonly RetentionItem[], policy: RetentionPolicy): RetentionPlan {
  const last = count(policy.keepLast, 'keepLast');
  const daily = count(policy.daily, 'daily');
  const weekly = count(policy.weekly, 'weekly');
  const sorted = [...items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const reasons = new Map<string, KeepReason[]>();
  const mark = (id: string, r: KeepReason): void => {
    const list = reasons.get(id) ?? [];
    list.push(r);
    reasons.set(id, list);
  };
  sorted.slice(0, last).forEach((b) => mark(b.id, 'last'));
  const bucketed = (n: number, key: (t: Date) => string, r: KeepReason): void => {
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= n) break;
      const k = key(new Date(b.createdAt));
      if (seen.has(k)) continue;
      seen.add(k);
      mark(b.id, r);
    }
  };
  bucketed(daily, (t) => t.toISOString().slice(0, 10), 'daily');
  bucketed(weekly, isoWeek, 'weekly');
  return {
    keep: sorted.filter((b) => reasons.has(b.id)).map((b) => ({ id: b.id, reasons: reasons.get(b.id)! })),
    remove: sorted.filter((b) => !reasons.has(b.id)).map((b) => b.id),
  };
}
