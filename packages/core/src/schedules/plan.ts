// What a scheduler does with a schedule when it wakes: which slots since the last one dealt with are
// missed, which one (if any) starts, and what the overrun policy makes of a start that finds the
// previous run still going. Pure: the store runs it with the schedule's row locked, so two processes
// agree on one plan per slot.
import type { CronClock } from './cron.js';
import type { CatchUpPolicy, OverrunPolicy } from './types.js';

/** Missed slots listed one by one at most; older ones are summarised as one range. */
export const MAX_LISTED_MISSED = 100;
/** A slot this late at most still starts (timer lateness, a quick restart); older ones are missed. */
export const DEFAULT_GRACE_MS = 60_000;

export type MissedReason = 'down' | 'late';

export interface MissedSlot {
  readonly slot: number;
  readonly reason: MissedReason;
  /** A summary of more slots than are listed: the last slot it covers, and how many when counted. */
  readonly until?: number;
  readonly count?: number;
}

export type StartAction =
  /** Start now. */
  | 'start'
  /** Start when the running one ends (overrun: queue, nothing queued yet). */
  | 'queue'
  /** Not started: the previous run is still going (overrun: skip, or queue with one already queued). */
  | 'skip';

export interface SlotPlan {
  readonly missed: readonly MissedSlot[];
  readonly start?: {
    readonly slot: number;
    readonly action: StartAction;
    /** 'catch-up': the newest missed slot, run once on start-up (catchUp: once). */
    readonly trigger: 'cron' | 'catch-up';
    /** Why a start is skipped or queued. */
    readonly reason?: string;
  };
  /** The newest slot dealt with: the next plan starts after it. */
  readonly through: number;
}

export interface PlanInput {
  readonly clock: CronClock;
  readonly catchUp: CatchUpPolicy;
  readonly overrun: OverrunPolicy;
  /** The newest slot already dealt with (by any process). */
  readonly lastSlotMs: number;
  readonly nowMs: number;
  /** The slots of this schedule running now (any process, lease still valid), oldest first. */
  readonly running: readonly number[];
  /** Whether a start is already queued behind them. */
  readonly queued: boolean;
  /** The scheduler has just started: missed slots were missed because it was not running ('down'). */
  readonly startup: boolean;
  readonly graceMs?: number;
  readonly maxListed?: number;
}

/**
 * Slots in (lastSlotMs, nowMs]. The newest starts when it is at most graceMs old, or, with catchUp
 * `once`, whatever its age; every other one is missed. With more than maxListed, the oldest are listed
 * and the rest summarised as one range (counting them all could take long: a seconds cron after a week).
 */
export function planSlots(p: PlanInput): SlotPlan {
  const grace = p.graceMs ?? DEFAULT_GRACE_MS;
  const max = p.maxListed ?? MAX_LISTED_MISSED;
  const slots: number[] = [];
  let t = p.clock.next(p.lastSlotMs);
  while (t !== undefined && t <= p.nowMs && slots.length <= max) {
    slots.push(t);
    t = p.clock.next(t);
  }
  if (slots.length === 0) return { missed: [], through: p.lastSlotMs };
  const overflow = t !== undefined && t <= p.nowMs;
  const newest = overflow ? (p.clock.previous(p.nowMs) ?? slots[slots.length - 1]!) : slots[slots.length - 1]!;
  const reason: MissedReason = p.startup ? 'down' : 'late';
  const fresh = p.nowMs - newest <= grace;
  const runs = fresh || p.catchUp === 'once';
  const older = overflow ? slots : slots.slice(0, -1);
  const missed: MissedSlot[] = older.slice(0, max).map((slot) => ({ slot, reason }));
  if (overflow) {
    // Listed: the oldest `max`; the range runs from the next one to the slot before the newest.
    const from = slots[max]!;
    const to = p.clock.previous(newest - 1);
    if (to !== undefined && to >= from) missed.push({ slot: from, until: to, reason });
  }
  if (!runs) missed.push({ slot: newest, reason });
  const start = runs ? { slot: newest, trigger: fresh ? ('cron' as const) : ('catch-up' as const), ...overrunOf(p) } : undefined;
  return { missed, ...(start ? { start } : {}), through: newest };
}

function overrunOf(p: PlanInput): { action: StartAction; reason?: string } {
  if (p.running.length === 0 && !p.queued) return { action: 'start' };
  const since = p.running.length > 0 ? `the run of slot ${new Date(p.running[0]!).toISOString()} is still going` : 'a start is queued';
  switch (p.overrun) {
    case 'allow':
      return { action: 'start' };
    case 'queue':
      return p.queued ? { action: 'skip', reason: `${since} and one start is already queued` } : { action: 'queue', reason: since };
    case 'skip':
      return { action: 'skip', reason: since };
  }
}

/** The next `n` slots after `afterMs` (for `schedules check` and the API's next run). */
export function nextSlots(clock: CronClock, afterMs: number, n: number): number[] {
  const out: number[] = [];
  let t = clock.next(afterMs);
  while (t !== undefined && out.length < n) {
    out.push(t);
    t = clock.next(t);
  }
  return out;
}
