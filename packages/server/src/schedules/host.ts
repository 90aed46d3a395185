// Job schedules in the server: the schedules file in force (`serve --schedules FILE`, RUNLEDGER_SCHEDULES;
// reloaded on SIGHUP, each content recorded once as schedules.loaded), the scheduler with the backup
// and runbook jobs (runs go through the run worker, requested by the scheduler), and /metrics.
import { dirname } from 'node:path';
import { nextSlots, compileCron, type JobSchedule } from '@runledger/core';
import {
  backupJob,
  defaultBackupDir,
  jobRedactor,
  JobScheduler,
  loadSchedulesFile,
  pumpOutbox,
  runbookJob,
  storeSecrets,
  type JobHandlers,
  type LoadedSchedules,
} from '@runledger/runtime';
import { OpsOutbox, ScheduleStore } from '@runledger/store';
import type { Registry } from 'prom-client';
import type { RouteContext } from '../context.js';
import type { SchedulesDeps } from './deps.js';
import { registerScheduleMetrics } from './metrics.js';

export type { SchedulesDeps };

export class SchedulesHost {
  loaded: LoadedSchedules | undefined;
  readonly store: ScheduleStore;
  private scheduler: JobScheduler | undefined;
  private readonly jobs: JobHandlers;

  constructor(
    private readonly rc: RouteContext,
    private readonly deps: SchedulesDeps,
    registry: Registry,
    private readonly log: { error(o: object, msg: string): void; info(o: object, msg: string): void },
  ) {
    const { ctx } = rc;
    this.store = new ScheduleStore(ctx.ledger.store);
    const baseDir = deps.path ? dirname(deps.path) : ctx.ledger.home;
    this.jobs = {
      backup: backupJob({ ctx: ctx.ledger, defaultDir: deps.backupDir ?? defaultBackupDir(ctx.ledger.home), baseDir }),
      runbook: runbookJob({
        runs: ctx.runs,
        runbooksDir: rc.runbooksDir,
        baseDir,
        // Driven by the run worker like any API run (drained on shutdown); answered as soon as it exists.
        start: async (req) => {
          const d = await rc.worker.start(() => ctx.engine.start(req), 0);
          return { runId: d.settled ? d.outcome.runId : d.runId };
        },
        ...(deps.runbookPollMs !== undefined ? { pollMs: deps.runbookPollMs } : {}),
      }),
      ...deps.jobs,
    };
    const metrics = registerScheduleMetrics(
      registry,
      () => this.store.states(),
      () => new Set((this.loaded?.schedules ?? []).map((s) => s.name)),
    );
    this.onOutcome = (o) => metrics.outcome(o);
  }

  private readonly onOutcome: NonNullable<ConstructorParameters<typeof JobScheduler>[0]['onOutcome']>;

  get path(): string | undefined {
    return this.deps.path;
  }

  /** Whether this server can run the job kind (drill jobs only once the drill runner registers them). */
  wired(kind: JobSchedule['job']['kind']): boolean {
    return this.jobs[kind] !== undefined;
  }

  /** Loads the file and starts the scheduler; an invalid file throws SCHEDULES_INVALID (the server does not start). */
  async start(): Promise<void> {
    if (!this.deps.path) return;
    const loaded = await loadSchedulesFile(this.deps.path);
    const { ctx } = this.rc;
    const outbox = new OpsOutbox(ctx.ledger.store);
    this.scheduler = new JobScheduler({
      store: this.store,
      schedules: loaded.schedules,
      jobs: this.jobs,
      pump: () => pumpOutbox(outbox, (d) => this.rc.append(d)),
      redact: jobRedactor(storeSecrets(ctx.ledger.store.config)),
      onOutcome: this.onOutcome,
      onError: (what, err) => this.log.error({ err }, `schedules: ${what} failed`),
      ...(this.deps.now ? { now: this.deps.now } : {}),
      ...(this.deps.timers ? { timers: this.deps.timers } : {}),
      ...(this.deps.pollMs !== undefined ? { pollMs: this.deps.pollMs } : {}),
      ...(this.deps.leaseMs !== undefined ? { leaseMs: this.deps.leaseMs } : {}),
      ...(this.deps.graceMs !== undefined ? { graceMs: this.deps.graceMs } : {}),
    });
    await this.record(loaded);
    this.loaded = loaded;
    for (const s of loaded.schedules)
      if (!this.wired(s.job.kind))
        this.log.error({ schedule: s.name }, `schedules: ${s.job.kind} jobs are not wired in this server: schedule ${s.name} will fail`);
    await this.scheduler.start();
  }

  /** Reads the file again; an invalid one throws and the one in force stays. */
  async reload(): Promise<LoadedSchedules | undefined> {
    if (!this.deps.path || !this.scheduler) return undefined;
    const loaded = await loadSchedulesFile(this.deps.path);
    if (loaded.digest === this.loaded?.digest) return loaded;
    await this.scheduler.reload(loaded.schedules);
    await this.record(loaded);
    this.loaded = loaded;
    return loaded;
  }

  /** The schedules file's content in the ledger, once per content. */
  private async record(l: LoadedSchedules): Promise<void> {
    await this.rc.append({
      type: 'schedules.loaded',
      actor: { kind: 'system', id: 'scheduler' },
      idem: `schedules:loaded:${l.digest}`,
      data: {
        sha256: l.digest,
        schedules: l.schedules.map((s) => ({ name: s.name, cron: s.cron, timezone: s.timezone, job: s.job.kind, enabled: s.enabled })),
      },
    });
  }

  /** Resolves once no wake is in progress and no run's end is being recorded (tests on a fake clock). */
  async settled(): Promise<void> {
    await this.scheduler?.settled();
  }

  /** Resolves once every job started so far has ended and been recorded (tests). */
  async idle(): Promise<void> {
    await this.scheduler?.idle();
  }

  /** Nothing new starts (a draining server); running jobs go on. */
  async pause(): Promise<void> {
    await this.scheduler?.pause();
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop(5000);
  }

  /** Next slots by schedule, from the scheduler (or computed, when none runs). */
  next(s: JobSchedule, n: number, nowMs: number): number[] {
    const st = this.scheduler?.status().find((x) => x.schedule.name === s.name);
    if (!s.enabled) return [];
    const c = compileCron(s.cron, s.timezone);
    if (!c.ok) return [];
    const from = st?.nextMs !== undefined && st.nextMs !== null ? st.nextMs - 1 : nowMs;
    return nextSlots(c.clock, from, n);
  }
}
