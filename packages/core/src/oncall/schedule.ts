// On-call schedules: layers of rotations hand over at a local time in a time zone; higher layers win
// over lower ones where they have someone; overrides win over every layer. "Who is on call now, and
// next" is a pure function of the schedule and an instant.
import { addDays, checkTimeZone, fromLocal, type LocalDateTime } from './zoned.js';

export interface Rotation {
  readonly name: string;
  /** In hand-off order; the first is on call from `start`. */
  readonly users: readonly string[];
  /** The first hand-off, as local wall time in the schedule's zone. */
  readonly start: LocalDateTime;
  /** Whole days (a day or a week keep their local hand-off hour across DST) … */
  readonly everyDays?: number;
  /** … or fixed hours (shifts that follow the clock, e.g. 12 h). */
  readonly everyHours?: number;
  /** Optional end: no one from this layer after it. */
  readonly end?: number;
}

export interface Override {
  readonly user: string;
  readonly from: number;
  readonly to: number;
  readonly reason?: string;
}

export interface Schedule {
  readonly name: string;
  readonly timeZone: string;
  /** Lowest first: a later layer covers an earlier one where it has someone. */
  readonly layers: readonly Rotation[];
  readonly overrides: readonly Override[];
}

export interface Shift {
  readonly user: string;
  readonly from: number;
  readonly to: number;
  /** The layer name, or `override`. */
  readonly source: string;
}

const HOUR = 3_600_000;

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

export function checkSchedule(s: Schedule): void {
  try {
    checkTimeZone(s.timeZone);
  } catch {
    throw new ScheduleError(`schedule ${s.name}: unknown time zone ${JSON.stringify(s.timeZone)}`);
  }
  for (const l of s.layers) {
    if (l.users.length === 0) throw new ScheduleError(`schedule ${s.name}, layer ${l.name}: no users`);
    const n = (l.everyDays ? 1 : 0) + (l.everyHours ? 1 : 0);
    if (n !== 1) throw new ScheduleError(`schedule ${s.name}, layer ${l.name}: give exactly one of everyDays or everyHours`);
    if ((l.everyDays !== undefined && (!Number.isInteger(l.everyDays) || l.everyDays < 1)) || (l.everyHours !== undefined && !(l.everyHours > 0)))
      throw new ScheduleError(`schedule ${s.name}, layer ${l.name}: the rotation length must be positive`);
  }
  for (const o of s.overrides) if (!(o.to > o.from)) throw new ScheduleError(`schedule ${s.name}: override for ${o.user} ends before it starts`);
}

/** The k-th hand-off instant of a rotation (k may be negative: before the start no one is on). */
function handoff(l: Rotation, k: number, tz: string): number {
  if (l.everyHours) return fromLocal(l.start, tz) + k * l.everyHours * HOUR;
  return fromLocal(addDays(l.start, k * l.everyDays!), tz);
}

/** The layer's shift covering `t`, or undefined (before its start, after its end). */
export function layerShiftAt(l: Rotation, tz: string, t: number): Shift | undefined {
  const start = fromLocal(l.start, tz);
  if (t < start || (l.end !== undefined && t >= l.end)) return undefined;
  const approx = l.everyHours ?? l.everyDays! * 24;
  let k = Math.floor((t - start) / (approx * HOUR));
  // DST moves day-based hand-offs by an hour: step to the shift that really covers t.
  while (k > 0 && handoff(l, k, tz) > t) k--;
  while (handoff(l, k + 1, tz) <= t) k++;
  const from = handoff(l, k, tz);
  const next = handoff(l, k + 1, tz);
  return {
    user: l.users[((k % l.users.length) + l.users.length) % l.users.length]!,
    from,
    to: l.end !== undefined ? Math.min(next, l.end) : next,
    source: l.name,
  };
}

/** Who is on call at `t`: the newest covering override, else the highest layer with someone. */
export function onCallAt(s: Schedule, t: number): Shift | undefined {
  for (let i = s.overrides.length - 1; i >= 0; i--) {
    const o = s.overrides[i]!;
    if (o.from <= t && t < o.to) return { user: o.user, from: o.from, to: o.to, source: 'override' };
  }
  for (let i = s.layers.length - 1; i >= 0; i--) {
    const sh = layerShiftAt(s.layers[i]!, s.timeZone, t);
    if (sh) return clip(s, sh, t, i);
  }
  return undefined;
}

/** A layer's shift ends early where an override or a higher layer starts. */
function clip(s: Schedule, sh: Shift, t: number, layer: number): Shift {
  let to = sh.to;
  for (const o of s.overrides) if (o.from > t && o.from < to) to = o.from;
  for (const l of s.layers.slice(layer + 1)) {
    const st = fromLocal(l.start, s.timeZone);
    if (st > t && st < to) to = st;
  }
  return { ...sh, to };
}

/** Now and the next different person (walking shift boundaries; bounded so a gap cannot loop forever). */
export function nowAndNext(s: Schedule, t: number, maxSteps = 1000): { readonly now?: Shift; readonly next?: Shift } {
  const now = onCallAt(s, t);
  let at = now ? now.to : t;
  for (let i = 0; i < maxSteps; i++) {
    const sh = onCallAt(s, at);
    if (sh && sh.user !== now?.user) return { ...(now ? { now } : {}), next: { ...sh, from: at } };
    at = sh ? sh.to : nextBoundary(s, at);
    if (!Number.isFinite(at)) break;
  }
  return now ? { now } : {};
}

/** With no one on call at `t`, the next instant someone might be. */
function nextBoundary(s: Schedule, t: number): number {
  let best = Infinity;
  for (const o of s.overrides) if (o.from > t) best = Math.min(best, o.from);
  for (const l of s.layers) {
    const st = fromLocal(l.start, s.timeZone);
    if (st > t) best = Math.min(best, st);
  }
  return best;
}
