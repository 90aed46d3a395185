// Drills in the server: an operator's POST starts one in the background (one at a time: a chaos drill
// would fail any other), the request is answered once drill.started is recorded, and its log lines are
// kept while it runs so the UI can follow it. The finished record is the ledger's drill.finished entry.
import type { DrillKind } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import { defaultDrillDir, DRILL_DEFAULT_ENV, runDrill, RuntimeError, type DrillOptions, type DrillResult, type ReleaseDriver } from '@runledger/runtime';
import type { DrillTargets } from '@runledger/core';
import type { RouteContext } from '../context.js';
import type { DrillsDeps } from './deps.js';

export interface RunningDrill {
  readonly id: string;
  readonly kind: DrillKind;
  readonly env: string | null;
  readonly actor: string;
  readonly startedAt: string;
  readonly log: string[];
}

export interface StartDrill {
  readonly kind: string;
  readonly env?: string;
  readonly options?: DrillOptions;
  readonly targets?: DrillTargets;
  readonly actor: Actor;
}

const LOG_CAP = 2000;

export class DrillsHost {
  readonly dir: string;
  private current: { readonly drill: RunningDrill; readonly done: Promise<DrillResult | undefined> } | undefined;
  private readonly abort = new AbortController();
  /** The newest result of this process (tests and the log line). */
  last: DrillResult | undefined;

  constructor(
    private readonly rc: RouteContext,
    private readonly releases: ReleaseDriver,
    private readonly deps: DrillsDeps,
    private readonly log: { error(o: object, msg: string): void; info(o: object, msg: string): void },
  ) {
    this.dir = deps.dir ?? defaultDrillDir(rc.ctx.ledger.home, this.settings());
  }

  private settings(): Readonly<Record<string, string | undefined>> {
    return this.deps.settings ?? this.rc.deps.operations?.env ?? process.env;
  }

  running(): RunningDrill | undefined {
    return this.current?.drill;
  }

  /** Starts a drill; resolves with its id once drill.started is recorded, rejects on bad input (nothing recorded). */
  start(s: StartDrill): Promise<RunningDrill> {
    if (this.current)
      return Promise.reject(new RuntimeError('DRILL_BUSY', `drill ${this.current.drill.id} (${this.current.drill.kind}) is running; one drill at a time`));
    return new Promise<RunningDrill>((resolve, reject) => {
      const lines: string[] = [];
      let drill: RunningDrill | undefined;
      const done = runDrill({
        kind: s.kind,
        ...(s.env !== undefined ? { env: s.env } : {}),
        actor: s.actor,
        ledgerCtx: this.rc.ctx.ledger,
        ...(s.targets ? { targets: s.targets } : {}),
        evidenceDir: this.dir,
        ...(s.options ? { options: s.options } : {}),
        settings: this.settings(),
        releases: this.releases,
        operations: this.rc.operations,
        ...(this.deps.runledger ? { runledger: this.deps.runledger } : {}),
        now: this.rc.now,
        signal: this.abort.signal,
        log: (line) => {
          if (lines.length < LOG_CAP) lines.push(`${this.rc.now().toISOString()} ${line}`);
        },
        onStarted: (id) => {
          drill = {
            id,
            kind: s.kind as DrillKind,
            env: s.env ?? DRILL_DEFAULT_ENV[s.kind as DrillKind] ?? null,
            actor: s.actor.id,
            startedAt: this.rc.now().toISOString(),
            log: lines,
          };
          this.current = { drill, done };
          resolve(drill);
        },
      }).then(
        (r) => {
          this.last = r;
          this.log.info({ drill: r.id, kind: r.kind, passed: r.passed }, `drill ${r.id} (${r.kind}) ${r.passed ? 'passed' : 'failed'}`);
          return r;
        },
        (err: unknown) => {
          // Before drill.started: bad input, answered to the request. After it: the evidence could not be written.
          if (!drill) reject(err);
          else this.log.error({ err, drill: drill.id }, `drill ${drill.id} could not be finished`);
          return undefined;
        },
      );
      void done.finally(() => {
        if (this.current?.done === done) this.current = undefined;
      });
    });
  }

  /** Starts a drill and waits for its result (scheduled drills); undefined when its evidence could not be written. */
  async run(s: StartDrill): Promise<DrillResult | undefined> {
    const drill = await this.start(s);
    const cur = this.current;
    return cur && cur.drill.id === drill.id ? cur.done : this.last?.id === drill.id ? this.last : undefined;
  }

  /** Waits for a running drill to finish (server shutdown: waits still, but rollback waits stop at once). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.current?.done;
  }
}
