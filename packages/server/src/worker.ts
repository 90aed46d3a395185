// The engine worker: operator decisions made through the API drive their run on in this process,
// in the background, after the decision itself is durable. The worker tracks every drive so a
// shutdown can stop taking work and wait for what is in flight.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { RunEvent, RunModel } from '@runledger/core';
import type { EngineObserver, RunOutcome } from '@runledger/runtime';

/** Fans engine progress out to the worker, the metrics and (later) the event stream. */
export class EngineEvents implements EngineObserver {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  onEvent(runId: string, model: RunModel, event: RunEvent): void {
    this.emitter.emit('event', runId, model, event);
  }

  on(fn: (runId: string, model: RunModel, event: RunEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}

const startContext = new AsyncLocalStorage<object>();

export type Dispatch = { readonly settled: true; readonly outcome: RunOutcome } | { readonly settled: false; readonly runId: string; readonly model: RunModel };

export class RunWorker {
  private readonly inflight = new Set<Promise<unknown>>();
  private accepting = true;
  /** Last failure of a background drive, for /ready's detail. */
  lastError: { runId: string; message: string; at: string } | undefined;

  constructor(
    private readonly events: EngineEvents | undefined,
    private readonly onBackgroundError: (runId: string, e: unknown) => void,
  ) {}

  get busy(): number {
    return this.inflight.size;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /**
   * Runs an operator action. Resolves when the action has settled, or — when the run goes on to
   * further steps — at the first event after the decision's own (`decision`, e.g. approval.granted):
   * the engine stores that event and awaits its ledger entry before it drives on, so the decision is
   * durable by then, and the drive continues here. Rejections before that point (a wrong state, a
   * self-approval) reach the caller.
   */
  dispatch(runId: string, decision: RunEvent['type'], act: () => Promise<RunOutcome>): Promise<Dispatch> {
    return new Promise<Dispatch>((resolve, reject) => {
      let decided = false;
      let done = false;
      const off = this.events?.on((id, model, ev) => {
        if (id !== runId || done) return;
        if (!decided) {
          // Events before the decision (recovery marking the run interrupted) do not count.
          decided = ev.type === decision;
          return;
        }
        done = true;
        off?.();
        resolve({ settled: false, runId, model });
      });
      const p = act().then(
        (outcome) => {
          off?.();
          if (!done) {
            done = true;
            resolve({ settled: true, outcome });
          }
        },
        (e: unknown) => {
          off?.();
          if (!done) {
            done = true;
            reject(e);
          } else {
            this.lastError = { runId, message: e instanceof Error ? e.message : String(e), at: new Date().toISOString() };
            this.onBackgroundError(runId, e);
          }
        },
      );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    });
  }

  /**
   * Starts a run. The run's id is learnt from its `run.created` event, told apart from concurrent
   * starts by the async context the engine emits it in. Resolves settled when the run rests within
   * `waitMs` of its creation, else with the run as it is then while the drive goes on here.
   * Refusals before the run exists (policy, inputs) reach the caller.
   */
  start(act: () => Promise<RunOutcome>, waitMs: number): Promise<Dispatch> {
    return new Promise<Dispatch>((resolve, reject) => {
      const mark = {};
      let runId: string | undefined;
      let latest: RunModel | undefined;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const off = this.events?.on((id, model, ev) => {
        if (done) return;
        if (runId === undefined) {
          if (ev.type !== 'run.created' || startContext.getStore() !== mark) return;
          runId = id;
          timer = setTimeout(() => {
            if (done || runId === undefined || latest === undefined) return;
            done = true;
            off?.();
            resolve({ settled: false, runId, model: latest });
          }, waitMs);
        }
        if (id === runId) latest = model;
      });
      const finish = (): void => {
        off?.();
        if (timer) clearTimeout(timer);
      };
      const p = startContext.run(mark, act).then(
        (outcome) => {
          finish();
          if (!done) {
            done = true;
            resolve({ settled: true, outcome });
          }
        },
        (e: unknown) => {
          finish();
          if (!done) {
            done = true;
            reject(e);
          } else {
            this.lastError = { runId: runId ?? '?', message: e instanceof Error ? e.message : String(e), at: new Date().toISOString() };
            this.onBackgroundError(runId ?? '?', e);
          }
        },
      );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    });
  }

  /** Resolves when no drive is in flight (work may still be taken). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stops taking work and waits for every drive in flight. */
  async drain(): Promise<void> {
    this.accepting = false;
    await this.idle();
  }
}
