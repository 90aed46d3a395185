// Wall-clock time in an IANA time zone, from the platform's Intl data (no I/O): hand-offs happen at a
// local time ("Monday 09:00 Europe/Berlin"), so a weekly rotation keeps its local hour across DST.

export interface LocalDateTime {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when the platform does not know it. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The local wall time of an instant in a zone. */
export function toLocal(ms: number, timeZone: string): LocalDateTime & { readonly second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']!, minute: parts['minute']!, second: parts['second']! };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, timeZone: string): number {
  const l = toLocal(ms, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a local wall time. In a gap (spring forward) the time does not exist: it is moved
 * forward by the gap (02:30 → 03:30, as Temporal's "compatible"); in an overlap (fall back) the first of the two.
 */
export function fromLocal(t: LocalDateTime, timeZone: string): number {
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  // Two refinements settle on the offset in force at the answer (offsets change at most once nearby).
  let guess = naive - offsetAt(naive, timeZone);
  guess = naive - offsetAt(guess, timeZone);
  const l = toLocal(guess, timeZone);
  if (l.hour !== t.hour || l.minute !== t.minute) {
    // In a gap: the wall time was skipped; take the first instant after it.
    const after = naive - offsetAt(guess + 3 * 3_600_000, timeZone);
    return Math.max(guess, after);
  }
  const earlier = guess - 3_600_000;
  const le = toLocal(earlier, timeZone);
  return le.hour === t.hour && le.minute === t.minute && le.day === t.day ? earlier : guess;
}

/** A local date plus days (calendar arithmetic, no zone involved). */
export function addDays(t: LocalDateTime, days: number): LocalDateTime {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: t.hour, minute: t.minute };
}
