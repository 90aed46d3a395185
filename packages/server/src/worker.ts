// The engine worker: operator decisions made through the API drive their run on in this process,
// in the background, after the decision itself is durable. The worker tracks every drive so a
// shutdown can stop taking work and wait for what is in flight.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { TERMINAL_STATES, type RunEvent, type RunModel } from '@runledger/core';
import type { EngineObserver, RunOutcome } from '@runledger/runtime';

export interface OutputChunk {
  readonly step: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

const LIVE_OUTPUT_KEEP = 256 * 1024;

/** Fans engine progress out to the worker, the metrics and (later) the event stream. */
export class EngineEvents implements EngineObserver {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** The running step's output so far, per run: a stream opened mid-step starts with it. */
  private readonly current = new Map<string, { step: string; chunks: OutputChunk[]; bytes: number }>();

  onEvent(runId: string, model: RunModel, event: RunEvent): void {
    if (event.type === 'step.started' || event.type === 'step.finished' || TERMINAL_STATES.includes(model.state)) this.current.delete(runId);
    this.emitter.emit('event', runId, model, event);
  }

  /** Live step output, already redacted by the engine; for the event stream only, never stored from here. */
  onOutput(runId: string, stepId: string, stream: 'stdout' | 'stderr', text: string): void {
    let cur = this.current.get(runId);
    if (!cur || cur.step !== stepId) this.current.set(runId, (cur = { step: stepId, chunks: [], bytes: 0 }));
    cur.chunks.push({ step: stepId, stream, text });
    cur.bytes += text.length;
    // Kept to the newest ~256 KiB: the stored output (capped the same way) is the record.
    while (cur.bytes > LIVE_OUTPUT_KEEP && cur.chunks.length > 1) cur.bytes -= cur.chunks.shift()!.text.length;
    this.emitter.emit('output', runId, stepId, stream, text);
  }

  /** The running step's output so far (empty between steps). */
  outputSoFar(runId: string): readonly OutputChunk[] {
    return [...(this.current.get(runId)?.chunks ?? [])];
  }

  on(fn: (runId: string, model: RunModel, event: RunEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  onOutputOf(fn: (runId: string, stepId: string, stream: 'stdout' | 'stderr', text: string) => void): () => void {
    this.emitter.on('output', fn);
    return () => this.emitter.off('output', fn);
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

  /**
   * Stops taking work and waits for drives in flight, at most `timeoutMs`. Returns how many were
   * still going: they are left to the next start's recovery (their steps become `unknown`, the run
   * `interrupted`), which is safer than a shutdown that never ends.
   */
  async drain(timeoutMs = Infinity): Promise<number> {
    this.accepting = false;
    if (timeoutMs === Infinity) {
      await this.idle();
      return 0;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    return this.inflight.size;
  }
}
