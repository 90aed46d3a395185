// The job scheduler: one timer for every schedule, armed for the earliest next slot (or the poll
// interval, whichever comes first). At each wake, every schedule with a slot due is decided in one
// store transaction holding its row (core's planSlots: missed slots, the start and its overrun
// policy), the slot rows and their ledger drafts committed together; then the jobs start.
//
// - A slot fires once across processes: the store orders decisions per schedule and a slot row's key
//   refuses a second one. Each slot ends as exactly one ledger entry (fired, failed, skipped, missed).
// - Missed runs are found from the newest slot dealt with, kept in the store: after downtime the slots
//   since then are recorded missed, or (catchUp: once) the newest runs once.
// - A running slot holds a lease its process renews at every wake. One whose lease ran out (its process
//   died) is recorded failed by whichever process notices, and a start queued behind it then runs.
// - Time and timers are injected (a fake clock in tests); the jobs are an injected map.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { compileCron, planSlots, type CronClock, type JobSchedule } from '@runledger/core';
import type { OutboxDraft, ScheduleStore, ScheduleTx, SlotState } from '@runledger/store';
import { describeError, RuntimeError } from '../errors.js';
import type { SchedulerTimers } from '../health/scheduler.js';
import { finishedDraft, missedDraft, skippedDraft } from './drafts.js';
import { SCHEDULER_ACTOR, type JobContext, type JobHandler, type JobHandlers, type JobResult } from './types.js';

/** setTimeout's largest delay; a longer wait is armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** Details and errors recorded at most this long (a ledger entry has a size limit). */
const MAX_DETAIL = 2000;

export interface ScheduleOutcome {
  readonly schedule: string;
  readonly slotMs: number;
  readonly outcome: Exclude<SlotState, 'running' | 'queued'>;
  /** A missed range: how many slots it stands for when known (else 1). */
  readonly count: number;
  readonly ref?: string;
  readonly atMs: number;
}

export interface JobSchedulerOptions {
  readonly store: ScheduleStore;
  readonly schedules: readonly JobSchedule[];
  readonly jobs: JobHandlers;
  /** Appends the queued ledger drafts (pumpOutbox over the store's outbox). */
  readonly pump: () => Promise<unknown>;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
  readonly timers?: SchedulerTimers;
  /** This process, as recorded on the slots it runs. Default host/pid/random. */
  readonly owner?: string;
  /** Longest sleep between wakes: how soon another process's dead run or queued start is noticed. Default 30 s. */
  readonly pollMs?: number;
  /** A running slot's lease, renewed at every wake. Default 2 min (several polls). */
  readonly leaseMs?: number;
  /** A slot this late still starts. Default 60 s. */
  readonly graceMs?: number;
  /** Slot rows kept this long after their slot (the ledger keeps the record). Default 90 days. */
  readonly keepSlotsMs?: number;
  /** Applied to every detail and error before it is stored or recorded (secrets by value). */
  readonly redact?: (text: string) => string;
  readonly onOutcome?: (o: ScheduleOutcome) => void;
  readonly onError?: (what: string, err: unknown) => void;
}

interface Entry {
  readonly schedule: JobSchedule;
  readonly clock: CronClock;
  /** The newest slot dealt with, as this process last saw it. */
  lastSlotMs: number;
}

interface Start {
  readonly slotMs: number;
  readonly trigger: JobContext['trigger'];
}

export interface ScheduleStatus {
  readonly schedule: JobSchedule;
  /** The next slot, or null when disabled (or the expression has no more). */
  readonly nextMs: number | null;
  /** Slots this process is running now. */
  readonly runningHere: readonly number[];
}

export class JobScheduler {
  readonly owner: string;
  private readonly o: JobSchedulerOptions;
  private readonly now: () => number;
  private readonly timers: SchedulerTimers;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private entries = new Map<string, Entry>();
  /** `name@slot` → the job's promise (its finish included). */
  private readonly running = new Map<string, Promise<void>>();
  /** Finishes being recorded (a job that has returned). */
  private readonly finishing = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: unknown;
  private wakeAt: number | undefined;
  private waking: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  /** Schedules not decided since start: their missed slots were missed while down. */
  private fresh = new Set<string>();
  private lastPruneMs = 0;

  constructor(o: JobSchedulerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.pollMs = o.pollMs ?? 30_000;
    this.leaseMs = o.leaseMs ?? 120_000;
    this.owner = o.owner ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
    this.setSchedules(o.schedules);
  }

  private setSchedules(list: readonly JobSchedule[]): void {
    const next = new Map<string, Entry>();
    for (const s of list) {
      const c = compileCron(s.cron, s.timezone);
      if (!c.ok) throw new RuntimeError('SCHEDULES_INVALID', `schedule ${s.name}: ${c.message}`);
      next.set(s.name, { schedule: s, clock: c.clock, lastSlotMs: this.entries.get(s.name)?.lastSlotMs ?? this.now() });
    }
    this.entries = next;
  }

  /** Reads each schedule's place from the store (new ones start now), then decides what is due. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.sync();
    this.fresh = new Set([...this.entries.keys()]);
    await this.wake();
  }

  /** Replaces the schedules (a reloaded file); in-flight runs go on. */
  async reload(list: readonly JobSchedule[]): Promise<void> {
    this.setSchedules(list);
    if (!this.started) return;
    await this.sync();
    await this.wake();
  }

  private async sync(): Promise<void> {
    const rows = await this.o.store.ensure(
      [...this.entries.values()].map((e) => ({ name: e.schedule.name, enabled: e.schedule.enabled, spec: `${e.schedule.cron} ${e.schedule.timezone}` })),
      this.now(),
    );
    for (const r of rows) {
      const e = this.entries.get(r.name);
      if (e) e.lastSlotMs = r.lastSlotMs;
    }
  }

  /** No more wakes, so nothing new starts; running jobs go on (a server draining its runs). */
  async pause(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = undefined;
    await this.waking;
  }

  /** Stops the timer, tells running jobs to stop waiting, and waits for them (at most waitMs, real time). */
  async stop(waitMs = 30_000): Promise<number> {
    await this.pause();
    this.abort.abort(new RuntimeError('USAGE', 'the scheduler stopped'));
    await this.waking;
    const all = Promise.allSettled([...this.running.values()]);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (t = setTimeout(r, waitMs)))]);
    clearTimeout(t);
    return this.running.size;
  }

  /** Resolves once no wake is in progress and every job started so far has finished and been recorded (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.waking;
      await Promise.allSettled([...this.running.values()]);
      if (this.waking === undefined && this.running.size === 0) return;
    }
  }

  /** Resolves once no wake is in progress and no run's end is being recorded (jobs may still run). */
  async settled(): Promise<void> {
    while (this.waking || this.finishing.size > 0) {
      await this.waking;
      await Promise.allSettled([...this.finishing]);
    }
  }

  /** When the timer is armed for (tests step a fake clock to it). */
  get nextWakeAt(): number | undefined {
    return this.wakeAt;
  }

  status(): ScheduleStatus[] {
    const now = this.now();
    return [...this.entries.values()].map((e) => ({
      schedule: e.schedule,
      nextMs: e.schedule.enabled ? (e.clock.next(Math.max(now, e.lastSlotMs)) ?? null) : null,
      runningHere: [...this.running.keys()].filter((k) => k.startsWith(`${e.schedule.name}@`)).map((k) => Number(k.slice(e.schedule.name.length + 1))),
    }));
  }

  /** Decides every schedule that has a slot due or needs attention; serialised (a wake during one runs once after it). */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.waking) {
      this.again = true;
      return this.waking;
    }
    this.waking = (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again && !this.stopped);
      } catch (e) {
        this.o.onError?.('deciding schedules', e);
      } finally {
        this.waking = undefined;
        this.arm();
      }
    })();
    return this.waking;
  }

  private async round(): Promise<void> {
    const now = this.now();
    if (this.running.size > 0) await this.o.store.renew(this.owner, now + this.leaseMs);
    const names = new Set<string>();
    for (const e of this.entries.values()) {
      if (!e.schedule.enabled) continue;
      const due = e.clock.next(e.lastSlotMs);
      if (this.fresh.has(e.schedule.name) || (due !== undefined && due <= now)) names.add(e.schedule.name);
    }
    for (const n of await this.o.store.needingAttention(now, this.owner)) if (this.entries.get(n)?.schedule.enabled) names.add(n);
    let drafts = false;
    for (const name of [...names].sort()) {
      if (this.stopped) break;
      try {
        drafts = (await this.decide(this.entries.get(name)!, now)) || drafts;
      } catch (e) {
        this.o.onError?.(`deciding schedule ${name}`, e);
      }
    }
    if (drafts) await this.pump();
    if (now - this.lastPruneMs > 86_400_000) {
      this.lastPruneMs = now;
      await this.o.store.prune(now - (this.o.keepSlotsMs ?? 90 * 86_400_000));
    }
  }

  private async pump(): Promise<void> {
    try {
      await this.o.pump();
    } catch (e) {
      // The drafts stay queued: the next pump (here or the operations loop) appends them.
      this.o.onError?.('appending schedule entries to the ledger', e);
    }
  }

  /** One schedule's decision in one transaction; the jobs it starts are launched after the commit. Returns whether it queued drafts. */
  private async decide(e: Entry, now: number): Promise<boolean> {
    const s = e.schedule;
    const startup = this.fresh.delete(s.name);
    const outcomes: ScheduleOutcome[] = [];
    const r = await this.o.store.withSchedule(s.name, async (tx) => {
      const drafts: OutboxDraft[] = [];
      const starts: Start[] = [];
      const active = await tx.active();
      // Runs whose process stopped renewing their lease: ended, as far as anyone can tell.
      for (const a of active) {
        if (a.state !== 'running' || (a.leaseUntilMs ?? 0) >= now || (a.owner === this.owner && this.running.has(`${s.name}@${a.slotMs}`))) continue;
        const detail = `interrupted: ${a.owner ?? 'its process'} stopped renewing the lease of this run (the process stopped or died)`;
        if (await tx.update(a.slotMs, { state: 'running', ...(a.owner ? { owner: a.owner } : {}) }, { state: 'failed', finishedMs: now, detail })) {
          drafts.push(
            finishedDraft(s, a.slotMs, {
              ok: false,
              trigger: a.trigger ?? 'cron',
              detail,
              finishedMs: now,
              ...(a.startedMs !== null ? { startedMs: a.startedMs } : {}),
              ...(a.ref ? { ref: a.ref } : {}),
            }),
          );
          await tx.setState({ lastOutcome: 'failed', lastOutcomeSlotMs: a.slotMs, lastOutcomeMs: now, lastDetail: detail, lastRef: a.ref }, now);
          outcomes.push({ schedule: s.name, slotMs: a.slotMs, outcome: 'failed', count: 1, atMs: now });
        }
      }
      const live = (await tx.active()).filter((a) => a.state === 'running');
      const queued = active.filter((a) => a.state === 'queued');
      const plan = planSlots({
        clock: e.clock,
        catchUp: s.catchUp,
        overrun: s.overrun,
        lastSlotMs: Math.max(tx.state.lastSlotMs, 0),
        nowMs: now,
        running: live.map((a) => a.slotMs),
        queued: queued.length > 0,
        startup,
        ...(this.o.graceMs !== undefined ? { graceMs: this.o.graceMs } : {}),
      });
      for (const m of plan.missed) {
        if (
          (await tx.insert([{ slotMs: m.slot, state: 'missed', decidedMs: now, ...(m.until !== undefined ? { untilMs: m.until } : {}), detail: m.reason }])) ===
          0
        )
          continue;
        drafts.push(missedDraft(s, m));
        outcomes.push({ schedule: s.name, slotMs: m.slot, outcome: 'missed', count: m.until !== undefined ? (m.count ?? 1) : 1, atMs: now });
      }
      let lastOutcome: { state: SlotState; slot: number; detail?: string } | undefined =
        plan.missed.length > 0 ? { state: 'missed', slot: plan.missed[plan.missed.length - 1]!.slot } : undefined;
      const st = plan.start;
      if (st) {
        const trigger = st.trigger;
        if (st.action === 'start') {
          if (
            (await tx.insert([
              { slotMs: st.slot, state: 'running', trigger, owner: this.owner, leaseUntilMs: now + this.leaseMs, decidedMs: now, startedMs: now },
            ])) === 1
          )
            starts.push({ slotMs: st.slot, trigger });
        } else if (st.action === 'queue') {
          await tx.insert([{ slotMs: st.slot, state: 'queued', trigger, decidedMs: now, detail: st.reason ?? null }]);
        } else if ((await tx.insert([{ slotMs: st.slot, state: 'skipped', trigger, decidedMs: now, finishedMs: now, detail: st.reason ?? null }])) === 1) {
          drafts.push(skippedDraft(s, st.slot, st.reason ?? 'the previous run is still going'));
          outcomes.push({ schedule: s.name, slotMs: st.slot, outcome: 'skipped', count: 1, atMs: now });
          lastOutcome = { state: 'skipped', slot: st.slot, ...(st.reason ? { detail: st.reason } : {}) };
        }
      }
      // A queued start runs once nothing of its schedule is running any more.
      if (live.length === 0 && starts.length === 0 && queued.length > 0) starts.push(...(await this.promote(tx, queued[0]!.slotMs, now)));
      await tx.setState(
        {
          lastSlotMs: Math.max(plan.through, tx.state.lastSlotMs),
          ...(lastOutcome
            ? { lastOutcome: lastOutcome.state, lastOutcomeSlotMs: lastOutcome.slot, lastOutcomeMs: now, lastDetail: lastOutcome.detail ?? null, lastRef: null }
            : {}),
        },
        now,
      );
      await tx.queue(drafts);
      return { starts, through: Math.max(plan.through, tx.state.lastSlotMs), drafts: drafts.length > 0 };
    });
    if (!r) return false;
    e.lastSlotMs = r.through;
    for (const o of outcomes) this.o.onOutcome?.(o);
    for (const st of r.starts) this.launch(e, st);
    return r.drafts;
  }

  private async promote(tx: ScheduleTx, slotMs: number, now: number): Promise<Start[]> {
    const ok = await tx.update(slotMs, { state: 'queued' }, { state: 'running', owner: this.owner, leaseUntilMs: now + this.leaseMs, startedMs: now });
    return ok ? [{ slotMs, trigger: 'queued' }] : [];
  }

  private launch(e: Entry, st: Start): void {
    const s = e.schedule;
    const key = `${s.name}@${st.slotMs}`;
    const startedMs = this.now();
    const ctx: JobContext = {
      schedule: s.name,
      slotMs: st.slotMs,
      trigger: st.trigger,
      actor: SCHEDULER_ACTOR,
      signal: this.abort.signal,
      now: () => new Date(this.now()),
    };
    const run = async (): Promise<void> => {
      let result: JobResult & { code?: string };
      try {
        const handler = this.o.jobs[s.job.kind] as JobHandler<typeof s.job> | undefined;
        if (!handler)
          throw new RuntimeError(
            'SCHEDULE_JOB_NOT_WIRED',
            s.job.kind === 'drill'
              ? 'drill jobs are not wired in this server: the drill runner has not registered a handler for scheduled drills'
              : `${s.job.kind} jobs are not wired in this server`,
          );
        result = await handler(s.job, ctx);
      } catch (err) {
        const d = describeError(err);
        result = { ok: false, detail: `${d.code}: ${d.message}`, code: d.code };
      }
      const f = this.finish(e, st, startedMs, result);
      this.finishing.add(f);
      try {
        await f;
      } finally {
        this.finishing.delete(f);
      }
    };
    const p = run()
      .catch((err: unknown) => this.o.onError?.(`recording the end of schedule ${s.name}'s run`, err))
      .finally(() => this.running.delete(key));
    this.running.set(key, p);
  }

  private clean(text: string): string {
    const t = this.o.redact ? this.o.redact(text) : text;
    return t.length > MAX_DETAIL ? `${t.slice(0, MAX_DETAIL - 1)}…` : t;
  }

  /** Records how a run ended (only if this process still holds it) and starts a start queued behind it. */
  private async finish(e: Entry, st: Start, startedMs: number, result: JobResult & { code?: string }): Promise<void> {
    const s = e.schedule;
    const now = this.now();
    const detail = this.clean(result.detail);
    const ref = result.ref !== undefined ? this.clean(result.ref) : undefined;
    const outcome = result.ok ? 'fired' : 'failed';
    const r = await this.o.store.withSchedule(s.name, async (tx) => {
      const mine = await tx.update(
        st.slotMs,
        { state: 'running', owner: this.owner },
        { state: outcome, finishedMs: now, detail, ...(ref !== undefined ? { ref } : {}) },
      );
      if (!mine) return { recorded: false, starts: [] as Start[] };
      await tx.setState(
        {
          lastOutcome: outcome,
          lastOutcomeSlotMs: st.slotMs,
          lastOutcomeMs: now,
          lastDetail: detail,
          lastRef: ref ?? null,
          ...(result.ok ? { lastSuccessMs: now } : {}),
        },
        now,
      );
      await tx.queue([
        finishedDraft(s, st.slotMs, {
          ok: result.ok,
          trigger: st.trigger,
          detail,
          startedMs,
          finishedMs: now,
          ...(ref !== undefined ? { ref } : {}),
          ...(result.code !== undefined ? { code: result.code } : {}),
        }),
      ]);
      const active = await tx.active();
      const queued = active.filter((a) => a.state === 'queued');
      const starts = !this.stopped && queued.length > 0 && !active.some((a) => a.state === 'running') ? await this.promote(tx, queued[0]!.slotMs, now) : [];
      return { recorded: true, starts };
    });
    if (!r?.recorded) {
      this.o.onError?.(
        `schedule ${s.name}`,
        new Error(`the run of slot ${new Date(st.slotMs).toISOString()} ended after another process had recorded it as interrupted`),
      );
      return;
    }
    this.o.onOutcome?.({ schedule: s.name, slotMs: st.slotMs, outcome, count: 1, atMs: now, ...(ref !== undefined ? { ref } : {}) });
    await this.pump();
    for (const q of r.starts) this.launch(e, q);
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const now = this.now();
    let at = now + this.pollMs;
    for (const e of this.entries.values()) {
      if (!e.schedule.enabled) continue;
      const due = e.clock.next(e.lastSlotMs);
      if (due !== undefined) at = Math.min(at, due);
    }
    this.wakeAt = at;
    this.timer = this.timers.setTimeout(
      () => {
        this.timer = undefined;
        void this.wake();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - now)),
    );
  }
}
