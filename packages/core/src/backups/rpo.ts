// RPO measured, not promised: the age of the newest verified backup against a target.

export interface RpoStatus {
  /** Seconds since the newest verified backup was taken; null when there is none. */
  readonly ageSeconds: number | null;
  readonly targetSeconds: number;
  /** True when a verified backup exists and is no older than the target. */
  readonly ok: boolean;
  /** How far past the target (0 when within it; null when there is no backup at all). */
  readonly breachSeconds: number | null;
  readonly newest: string | null;
}

/** `backups` lists the creation times (ISO) of backups that verified; unverified ones do not count. */
export function rpoStatus(backups: readonly string[], now: Date, targetSeconds: number): RpoStatus {
  if (!(targetSeconds > 0)) throw new RangeError('the RPO target must be a positive number of seconds');
  const times = backups.map((b) => Date.parse(b)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return { ageSeconds: null, targetSeconds, ok: false, breachSeconds: null, newest: null };
  const newest = Math.max(...times);
  // A clock behind the backup's own time counts as age 0, not negative.
  const age = Math.max(0, (now.getTime() - newest) / 1000);
  return { ageSeconds: age, targetSeconds, ok: age <= targetSeconds, breachSeconds: Math.max(0, age - targetSeconds), newest: new Date(newest).toISOString() };
}
