// The continuous-health scheduler: every check runs at its interval, at its own fixed phase inside it.
//
// - Ticks sit on the grid `phase + k·interval` counted from the epoch, so a slow run never makes a
//   check drift; a tick that finds the previous run still going is skipped and reported (overrun).
// - One timer serves every check: a min-heap of due times (ticks, rechecks, run deadlines) with the
//   timer armed for the earliest. 5,000 checks are 5,000 heap entries, not 5,000 setTimeouts.
// - Starts obey a global and a per-host concurrency limit. What cannot start waits in line, oldest
//   first; a start still waiting when its check's next tick comes is dropped and reported ('limits').
// - Each run has a deadline (its timeoutMs): its signal aborts then and its concurrency slot is freed
//   even if run() has not settled, so a probe that ignores its signal cannot starve the others. The
//   same check still never starts again until that run settles (its ticks report 'still_running').
// - A recheck (a confirming probe after a failure) runs soon instead of a whole interval later, at
//   most one pending per check, after any running run of it, without moving the regular ticks.
//
// Time and timers are injected, so tests drive it with a fake clock. No I/O here: a run is a closure.
import { MinHeap } from './heap.js';
import { LatenessWindow, type LatenessSummary } from './lateness.js';
import { nextTickAtOrAfter, phaseOf } from './phase.js';

export interface CheckJob {
  /** Stable identity: the phase, "one run at a time" and recheck coalescing all key on it. */
  readonly id: string;
  readonly intervalMs: number;
  /** Deadline of one run, from its start: its signal aborts and its concurrency slot is freed. */
  readonly timeoutMs: number;
  /** What the per-host limit counts against (e.g. the target's host:port). */
  readonly hostKey: string;
  /** One probe. It records its own result; the scheduler only starts, times and limits it. */
  readonly run: (signal: AbortSignal) => Promise<void>;
}

export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type StartKind = 'interval' | 'recheck';

export interface StartEvent {
  readonly id: string;
  readonly kind: StartKind;
  readonly scheduledAt: number;
  readonly startedAt: number;
  /** startedAt − scheduledAt: timer lateness plus any wait for a concurrency slot. */
  readonly latenessMs: number;
}

/**
 * Why a start did not happen: the previous run of the check was still going; it waited for a slot
 * until its next tick; the waiting line was full; or the scheduler's own timer came whole intervals
 * late (event loop stalled, machine asleep) and the missed ticks were skipped rather than replayed.
 */
export type OverrunReason = 'still_running' | 'limits' | 'queue_full' | 'late';

export interface OverrunEvent {
  readonly id: string;
  readonly kind: StartKind;
  readonly scheduledAt: number;
  readonly reason: OverrunReason;
  /** Ticks this event stands for: 1, or the number skipped for 'late'. */
  readonly count: number;
}

export interface SchedulerOptions {
  /** Milliseconds since the epoch (the phase grid is anchored there). Default Date.now. */
  readonly now?: () => number;
  readonly timers?: SchedulerTimers;
  /** Runs holding a slot at once, all hosts together. Default 64. */
  readonly maxConcurrent?: number;
  /** Runs holding a slot at once against one hostKey. Default 4. */
  readonly maxPerHost?: number;
  /**
   * Starts waiting for a slot at most; beyond it a start is dropped ('queue_full'). Default unlimited:
   * the line is bounded anyway by one waiting tick and one waiting recheck per check.
   */
  readonly maxQueued?: number;
  readonly onStart?: (ev: StartEvent) => void;
  readonly onOverrun?: (ev: OverrunEvent) => void;
  /** A run that rejected (not one aborted by stop() or removal), or a hook that threw. */
  readonly onError?: (id: string, err: unknown) => void;
}

export interface SchedulerStats {
  readonly jobs: number;
  /** Runs holding a concurrency slot. */
  readonly running: number;
  /** Runs past their deadline that have not settled: no slot, but their check cannot start again yet. */
  readonly overdue: number;
  readonly queued: number;
  readonly started: number;
  /** Ticks not run (see OverrunReason), counted per tick. */
  readonly overruns: number;
  readonly timedOut: number;
  readonly errors: number;
  /** Over the most recent starts. */
  readonly lateness: LatenessSummary;
}

export const DEFAULT_CHECK_MAX_CONCURRENT = 64;
export const DEFAULT_CHECK_MAX_PER_HOST = 4;
/** setTimeout's largest delay; a longer wait is armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

interface JobState {
  job: CheckJob;
  phase: number;
  /** Bumped when the tick grid changes or the job goes: older tick entries in the heap are stale. */
  gen: number;
  removed: boolean;
  /** This check's regular start waiting for a slot, if any. */
  queuedTick: Waiting | undefined;
  recheck: Recheck | undefined;
}

/** A pending recheck: on its timer, waiting for a slot, or waiting for the check's current run to end. */
interface Recheck {
  at: number;
  stage: 'timer' | 'queued' | 'after_run';
  waiting: Waiting | undefined;
}

/** A start waiting for a slot. Cancelled entries stay in their heap and are skipped when popped. */
interface Waiting {
  readonly seq: number;
  readonly state: JobState;
  readonly kind: StartKind;
  readonly scheduledAt: number;
  /** The host it counts against, fixed when it joined the line (the accounting must match). */
  readonly host: string;
  cancelled: boolean;
  /** In #ready (its host slot is spoken for) rather than in its host's line. */
  inReady: boolean;
}

interface Run {
  readonly id: string;
  readonly state: JobState;
  readonly host: string;
  readonly controller: AbortController;
  readonly deadlineAt: number;
  settled: Promise<void>;
  slotHeld: boolean;
  done: boolean;
  /** Aborted on purpose (stop, removal): a rejection then is not a check error. */
  quiet: boolean;
}

type Due =
  | { readonly kind: 'tick'; readonly at: number; readonly seq: number; readonly state: JobState; readonly gen: number }
  | { readonly kind: 'recheck'; readonly at: number; readonly seq: number; readonly state: JobState; readonly recheck: Recheck }
  | { readonly kind: 'deadline'; readonly at: number; readonly seq: number; readonly run: Run };

const realTimers: SchedulerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class CheckScheduler {
  readonly #now: () => number;
  readonly #timers: SchedulerTimers;
  readonly #maxConcurrent: number;
  readonly #maxPerHost: number;
  readonly #maxQueued: number;
  readonly #onStart: ((ev: StartEvent) => void) | undefined;
  readonly #onOverrun: ((ev: OverrunEvent) => void) | undefined;
  readonly #onError: ((id: string, err: unknown) => void) | undefined;

  #states = new Map<string, JobState>();
  /** The run of each check id in flight (settled or not yet): at most one per id, ever. */
  readonly #inflight = new Map<string, Run>();
  readonly #due = new MinHeap<Due>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));

  // Waiting starts. #ready holds those whose host has room (a host slot is spoken for each), oldest
  // first, waiting only for a global slot; #hostLines holds those whose host is full. A host slot
  // that frees moves the oldest of its line into #ready, so neither a busy host blocks the others
  // nor a later start overtakes an earlier one.
  readonly #ready = new MinHeap<Waiting>((a, b) => a.seq < b.seq);
  #readyLive = 0;
  readonly #hostLines = new Map<string, MinHeap<Waiting>>();
  readonly #hostRunning = new Map<string, number>();
  readonly #hostReady = new Map<string, number>();
  #running = 0;
  #queued = 0;
  #seq = 0;

  #started = false;
  #timer: unknown;
  #armedAt: number | undefined;
  #dispatching = false;

  #startedCount = 0;
  #overruns = 0;
  #timedOut = 0;
  #errors = 0;
  readonly #lateness = new LatenessWindow();

  constructor(opts: SchedulerOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#timers = opts.timers ?? realTimers;
    this.#maxConcurrent = positive('maxConcurrent', opts.maxConcurrent ?? DEFAULT_CHECK_MAX_CONCURRENT);
    this.#maxPerHost = positive('maxPerHost', opts.maxPerHost ?? DEFAULT_CHECK_MAX_PER_HOST);
    this.#maxQueued = opts.maxQueued === undefined ? Infinity : positive('maxQueued', opts.maxQueued, true);
    this.#onStart = opts.onStart;
    this.#onOverrun = opts.onOverrun;
    this.#onError = opts.onError;
  }

  /**
   * Replaces the set of checks. An id already present keeps its place on its grid (a new interval
   * moves it to the new grid); a new id gets its phase; a removed id stops: its waiting starts and
   * recheck are dropped and its run in flight is aborted through its signal (its result is no longer
   * wanted). A run of an id removed and added again still blocks the new one until it settles.
   */
  set(jobs: readonly CheckJob[]): void {
    const seen = new Set<string>();
    for (const job of jobs) {
      if (seen.has(job.id)) throw new Error(`check ${job.id} is listed twice`);
      seen.add(job.id);
      if (!(job.intervalMs > 0) || !Number.isFinite(job.intervalMs)) throw new Error(`check ${job.id}: intervalMs must be a positive number`);
      if (!(job.timeoutMs > 0) || !Number.isFinite(job.timeoutMs)) throw new Error(`check ${job.id}: timeoutMs must be a positive number`);
    }
    const t = this.#now();
    const next = new Map<string, JobState>();
    for (const job of jobs) {
      let s = this.#states.get(job.id);
      if (s === undefined) {
        s = { job, phase: phaseOf(job.id, job.intervalMs), gen: 0, removed: false, queuedTick: undefined, recheck: undefined };
        if (this.#started) this.#schedule(s, t);
      } else {
        const regrid = s.job.intervalMs !== job.intervalMs;
        s.job = job; // timeout, host and run apply from the next start
        if (regrid) {
          s.phase = phaseOf(job.id, job.intervalMs);
          if (this.#started) this.#schedule(s, t);
        }
      }
      next.set(job.id, s);
    }
    for (const [id, s] of this.#states) if (!next.has(id)) this.#remove(s);
    this.#states = next;
    this.#pump();
    this.#arm();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    const t = this.#now();
    for (const s of this.#states.values()) this.#schedule(s, t);
    // Runs left from before a stop() still hold slots until they settle or pass their deadline.
    for (const run of this.#inflight.values()) if (run.slotHeld) this.#push({ kind: 'deadline', at: run.deadlineAt, seq: 0, run });
    this.#arm();
  }

  /**
   * No start after this. Waiting starts and rechecks are dropped, runs in flight are aborted through
   * their signal, and it resolves once they have settled; with `waitMs`, after at most that long.
   * Resolves to the number of runs still unsettled (0 unless waitMs ran out).
   */
  async stop(opts: { readonly waitMs?: number } = {}): Promise<number> {
    if (this.#started) {
      this.#started = false;
      if (this.#armedAt !== undefined) this.#timers.clearTimeout(this.#timer);
      this.#armedAt = undefined;
      this.#due.clear();
      this.#ready.clear();
      this.#hostLines.clear();
      this.#hostReady.clear();
      this.#readyLive = 0;
      this.#queued = 0;
      for (const s of this.#states.values()) {
        s.queuedTick = undefined;
        s.recheck = undefined;
      }
      for (const run of this.#inflight.values()) this.#abort(run, new DOMException('the check scheduler stopped', 'AbortError'));
    }
    const runs = [...this.#inflight.values()];
    const all = Promise.all(runs.map((r) => r.settled));
    if (opts.waitMs === undefined) {
      await all;
      return 0;
    }
    let handle: unknown;
    const timeUp = new Promise<void>((resolve) => {
      handle = this.#timers.setTimeout(resolve, opts.waitMs ?? 0);
    });
    await Promise.race([all, timeUp]);
    this.#timers.clearTimeout(handle);
    return runs.filter((r) => !r.done).length;
  }

  /**
   * Asks for a confirming run of `id` in `afterMs` (0: now). Coalesced: while one is pending, another
   * request only moves it earlier. If the check is running then, the recheck runs right after. The
   * regular ticks do not move. Returns false when coalesced, or when the id is unknown or the
   * scheduler is not started.
   */
  recheck(id: string, afterMs = 0): boolean {
    const s = this.#states.get(id);
    if (!this.#started || s === undefined) return false;
    const t = this.#now();
    const at = t + Math.max(0, afterMs);
    const pending = s.recheck;
    if (pending !== undefined) {
      if (pending.stage === 'timer' && at < pending.at) {
        pending.at = at;
        this.#recheckAt(s, pending, t);
      }
      return false;
    }
    const r: Recheck = { at, stage: 'timer', waiting: undefined };
    s.recheck = r;
    this.#recheckAt(s, r, t);
    return true;
  }

  stats(): SchedulerStats {
    let overdue = 0;
    for (const run of this.#inflight.values()) if (!run.slotHeld) overdue++;
    return {
      jobs: this.#states.size,
      running: this.#running,
      overdue,
      queued: this.#queued,
      started: this.#startedCount,
      overruns: this.#overruns,
      timedOut: this.#timedOut,
      errors: this.#errors,
      lateness: this.#lateness.summary(),
    };
  }

  // ---- the timer -------------------------------------------------------------------------------

  #schedule(s: JobState, t: number): void {
    s.gen++;
    this.#push({ kind: 'tick', at: nextTickAtOrAfter(t, s.phase, s.job.intervalMs), seq: 0, state: s, gen: s.gen });
  }

  #push(entry: Due): void {
    // seq keeps equal due times in the order they were asked for.
    this.#due.push({ ...entry, seq: ++this.#seq });
  }

  /** Arms the one timer for the earliest due entry, unless it already fires no later than that. */
  #arm(): void {
    if (!this.#started || this.#dispatching) return;
    const next = this.#due.peek();
    if (next === undefined) return;
    if (this.#armedAt !== undefined) {
      if (this.#armedAt <= next.at) return;
      this.#timers.clearTimeout(this.#timer);
    }
    const t = this.#now();
    const delay = Math.min(Math.max(0, next.at - t), MAX_TIMER_MS);
    this.#armedAt = t + delay;
    this.#timer = this.#timers.setTimeout(this.#fire, delay);
  }

  readonly #fire = (): void => {
    this.#armedAt = undefined;
    this.#timer = undefined;
    this.#dispatching = true;
    try {
      const t = this.#now();
      for (let e = this.#due.peek(); this.#started && e !== undefined && e.at <= t; e = this.#due.peek()) {
        this.#due.pop();
        if (e.kind === 'tick') this.#tick(e.state, e.gen, e.at, t);
        else if (e.kind === 'recheck') {
          const r = e.recheck;
          if (e.state.recheck === r && r.stage === 'timer' && r.at === e.at) this.#recheckDue(e.state, r);
        } else this.#deadline(e.run);
      }
    } finally {
      this.#dispatching = false;
    }
    this.#arm();
  };

  #tick(s: JobState, gen: number, at: number, t: number): void {
    if (s.removed || gen !== s.gen) return;
    const interval = s.job.intervalMs;
    // Never replay a backlog: if the timer itself came whole intervals late, run the newest tick only.
    const behind = Math.floor((t - at) / interval);
    const tickAt = at + Math.max(0, behind) * interval;
    this.#push({ kind: 'tick', at: tickAt + interval, seq: 0, state: s, gen });
    if (behind >= 1) this.#overrun(s, 'interval', at, 'late', behind);
    const stale = s.queuedTick;
    if (stale !== undefined) {
      s.queuedTick = undefined;
      this.#cancel(stale);
      this.#overrun(s, 'interval', stale.scheduledAt, 'limits', 1);
    }
    if (s.removed || !this.#started) return; // a hook may have changed things
    if (this.#inflight.has(s.job.id)) this.#overrun(s, 'interval', tickAt, 'still_running', 1);
    else this.#offer(s, 'interval', tickAt);
  }

  #recheckAt(s: JobState, r: Recheck, t: number): void {
    if (r.at <= t) this.#recheckDue(s, r);
    else this.#push({ kind: 'recheck', at: r.at, seq: 0, state: s, recheck: r });
    this.#arm();
  }

  #recheckDue(s: JobState, r: Recheck): void {
    if (this.#inflight.has(s.job.id)) {
      r.stage = 'after_run';
      return;
    }
    r.stage = 'queued';
    this.#offer(s, 'recheck', r.at);
  }

  #deadline(run: Run): void {
    if (run.done) return;
    if (!run.controller.signal.aborted) {
      this.#timedOut++;
      run.controller.abort(new DOMException(`check ${run.id} passed its ${run.state.job.timeoutMs}ms deadline`, 'TimeoutError'));
    }
    // The slot goes back now, even if run() ignores its signal: the limits count live probes.
    if (run.slotHeld) {
      this.#release(run);
      this.#pump();
    }
  }

  // ---- slots and the waiting line --------------------------------------------------------------

  /** Starts now if a slot is free and nobody older waits for it; otherwise joins the line. */
  #offer(s: JobState, kind: StartKind, scheduledAt: number): void {
    if (!this.#started) return;
    const host = s.job.hostKey;
    const hostRoom = this.#hostBusy(host) < this.#maxPerHost;
    if (hostRoom && this.#readyLive === 0 && this.#running < this.#maxConcurrent) {
      this.#start(s, kind, scheduledAt, host);
      return;
    }
    if (this.#queued >= this.#maxQueued) {
      if (kind === 'recheck') s.recheck = undefined;
      this.#overrun(s, kind, scheduledAt, 'queue_full', 1);
      return;
    }
    const w: Waiting = { seq: ++this.#seq, state: s, kind, scheduledAt, host, cancelled: false, inReady: false };
    if (kind === 'interval') s.queuedTick = w;
    else if (s.recheck !== undefined) s.recheck.waiting = w;
    this.#queued++;
    if (hostRoom) this.#toReady(w);
    else this.#hostLine(host).push(w);
    this.#pump();
  }

  /** Starts the oldest ready starts while global slots are free. */
  #pump(): void {
    while (this.#started && this.#running < this.#maxConcurrent) {
      const w = this.#ready.pop();
      if (w === undefined) break;
      if (w.cancelled) continue;
      w.inReady = false;
      this.#readyLive--;
      this.#queued--;
      this.#count(this.#hostReady, w.host, -1);
      const s = w.state;
      if (w.kind === 'interval') s.queuedTick = undefined;
      else if (s.recheck !== undefined) s.recheck.waiting = undefined;
      if (this.#inflight.has(s.job.id)) {
        // Its other start (tick or recheck) got there first: a tick is an overrun, a recheck follows.
        if (w.kind === 'interval') this.#overrun(s, 'interval', w.scheduledAt, 'still_running', 1);
        else if (s.recheck !== undefined) s.recheck.stage = 'after_run';
        this.#promote(w.host);
        continue;
      }
      this.#start(s, w.kind, w.scheduledAt, w.host);
    }
  }

  #toReady(w: Waiting): void {
    w.inReady = true;
    this.#readyLive++;
    this.#count(this.#hostReady, w.host, 1);
    this.#ready.push(w);
  }

  /** Moves the oldest starts of a host's line into #ready while the host has room for them. */
  #promote(host: string): void {
    const line = this.#hostLines.get(host);
    if (line === undefined) return;
    while (this.#hostBusy(host) < this.#maxPerHost) {
      const w = line.pop();
      if (w === undefined) break;
      if (!w.cancelled) this.#toReady(w);
    }
    if (line.size === 0) this.#hostLines.delete(host);
  }

  #cancel(w: Waiting): void {
    if (w.cancelled) return;
    w.cancelled = true;
    this.#queued--;
    if (w.inReady) {
      w.inReady = false;
      this.#readyLive--;
      this.#count(this.#hostReady, w.host, -1);
      this.#promote(w.host);
    }
  }

  #hostBusy(host: string): number {
    return (this.#hostRunning.get(host) ?? 0) + (this.#hostReady.get(host) ?? 0);
  }

  #hostLine(host: string): MinHeap<Waiting> {
    let line = this.#hostLines.get(host);
    if (line === undefined) {
      line = new MinHeap<Waiting>((a, b) => a.seq < b.seq);
      this.#hostLines.set(host, line);
    }
    return line;
  }

  #count(map: Map<string, number>, key: string, by: number): void {
    const n = (map.get(key) ?? 0) + by;
    if (n === 0) map.delete(key);
    else map.set(key, n);
  }

  // ---- runs ------------------------------------------------------------------------------------

  #start(s: JobState, kind: StartKind, scheduledAt: number, host: string): void {
    const job = s.job;
    if (kind === 'recheck') s.recheck = undefined;
    const startedAt = this.#now();
    const controller = new AbortController();
    const run: Run = {
      id: job.id,
      state: s,
      host,
      controller,
      deadlineAt: startedAt + job.timeoutMs,
      settled: Promise.resolve(),
      slotHeld: true,
      done: false,
      quiet: false,
    };
    this.#inflight.set(job.id, run);
    this.#running++;
    this.#count(this.#hostRunning, host, 1);
    this.#startedCount++;
    const latenessMs = Math.max(0, startedAt - scheduledAt);
    this.#lateness.record(latenessMs);
    this.#push({ kind: 'deadline', at: run.deadlineAt, seq: 0, run });
    let p: Promise<void>;
    try {
      p = Promise.resolve(job.run(controller.signal));
    } catch (err) {
      p = Promise.reject(err);
    }
    run.settled = p.then(
      () => this.#finish(run, false, undefined),
      (err: unknown) => this.#finish(run, true, err),
    );
    this.#hook(job.id, () => this.#onStart?.({ id: job.id, kind, scheduledAt, startedAt, latenessMs }));
  }

  #finish(run: Run, failed: boolean, err: unknown): void {
    run.done = true;
    if (this.#inflight.get(run.id) === run) this.#inflight.delete(run.id);
    if (run.slotHeld) this.#release(run);
    if (failed && !run.quiet) {
      this.#errors++;
      this.#hook(run.id, () => this.#onError?.(run.id, err));
    }
    // A recheck asked for while this ran goes now (behind anyone already waiting for a slot).
    const s = this.#states.get(run.id);
    const r = s?.recheck;
    if (s !== undefined && r?.stage === 'after_run') {
      r.stage = 'queued';
      this.#offer(s, 'recheck', Math.max(r.at, this.#now()));
    }
    this.#pump();
    this.#arm();
  }

  #release(run: Run): void {
    run.slotHeld = false;
    this.#running--;
    this.#count(this.#hostRunning, run.host, -1);
    this.#promote(run.host);
  }

  #abort(run: Run, reason: DOMException): void {
    if (run.done || run.controller.signal.aborted) return;
    run.quiet = true;
    run.controller.abort(reason);
  }

  #remove(s: JobState): void {
    s.removed = true;
    s.gen++;
    if (s.queuedTick !== undefined) this.#cancel(s.queuedTick);
    if (s.recheck?.waiting !== undefined) this.#cancel(s.recheck.waiting);
    s.queuedTick = undefined;
    s.recheck = undefined;
    const run = this.#inflight.get(s.job.id);
    if (run !== undefined && run.state === s) this.#abort(run, new DOMException(`check ${s.job.id} was removed`, 'AbortError'));
  }

  #overrun(s: JobState, kind: StartKind, scheduledAt: number, reason: OverrunReason, count: number): void {
    this.#overruns += count;
    this.#hook(s.job.id, () => this.#onOverrun?.({ id: s.job.id, kind, scheduledAt, reason, count }));
  }

  /** A hook that throws must not break the scheduler's bookkeeping: its error goes to onError. */
  #hook(id: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      try {
        this.#onError?.(id, err);
      } catch {
        // An error hook that throws has nowhere left to report to.
      }
    }
  }
}

function positive(name: string, n: number, allowInfinity = false): number {
  if (!(n >= 1) || !(Number.isInteger(n) || (allowInfinity && n === Infinity))) throw new Error(`${name} must be a positive integer`);
  return n;
}
