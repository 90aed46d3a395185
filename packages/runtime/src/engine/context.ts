// What every part of the driver shares: the dependencies, the clock, and the two durable writes —
// a run event (stored before anything acts on it) and a ledger entry (joined into group commits).
import { decide, type PolicyDecision, type RunCommand, type RunEvent } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { StepOutput } from '@runledger/store';
import { EngineError } from '../errors.js';
import { policyDecisionEntry, type Draft } from './drafts.js';
import type { Live, PendingEvent } from './live.js';
import type { EngineDeps } from './types.js';

export const DEFAULT_OUTPUT_CAP = 256 * 1024;
export const LEASE_TTL_MS = 30_000;

export class RunContext {
  readonly clock: () => Date;
  readonly cap: number;

  constructor(readonly d: EngineDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.cap = d.outputCap ?? DEFAULT_OUTPUT_CAP;
  }

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * Persists an event (the state machine must accept it), in one transaction with any events still
   * pending, then returns the commands it produced.
   */
  async apply(live: Live, ev: RunEvent, outputs: readonly StepOutput[] = []): Promise<RunCommand[]> {
    const d = decide(live.model, ev);
    if (!d.ok) throw new EngineError(d.code, d.message);
    await this.store(live, [...live.pendingEvents, { ev, outputs, model: d.model }]);
    return [...d.commands];
  }

  /**
   * Applies an event now and stores it with the run's next one: a step's result shares the next
   * step's start commit. Its ledger entry follows once it is stored. Callers must `flushEvents`
   * before the driver waits or leaves.
   */
  defer(live: Live, ev: RunEvent, outputs: readonly StepOutput[], draft: Draft): RunCommand[] {
    const d = decide(live.model, ev);
    if (!d.ok) throw new EngineError(d.code, d.message);
    live.model = d.model;
    live.pendingEvents.push({ ev, outputs, model: d.model, draft });
    return [...d.commands];
  }

  /** Stores the pending events, if any (one commit). */
  async flushEvents(live: Live): Promise<void> {
    if (live.pendingEvents.length > 0) await this.store(live, [...live.pendingEvents]);
  }

  private async store(live: Live, items: readonly PendingEvent[]): Promise<void> {
    const last = items[items.length - 1]!;
    await this.d.runs.appendEvents(
      live.rec.id,
      live.seq,
      items.map((i) => ({ at: i.ev.at, type: i.ev.type, event: i.ev })),
      { state: last.model.state, reason: last.model.reason ?? null },
      items.flatMap((i) => i.outputs),
    );
    live.seq += items.length;
    live.model = last.model;
    live.pendingEvents.splice(0);
    for (const i of items) {
      if (i.draft) live.pendingLedger.push(i.draft);
      this.d.observer?.onEvent?.(live.rec.id, i.model, i.ev);
    }
  }

  /** Appends now, in the same group commit as the entries still pending for this run (appended in the same tick). */
  async ledgerNow(live: Live, draft: Draft): Promise<void> {
    await Promise.all([...live.pendingLedger.splice(0), draft].map((x) => this.d.ledger.append(x)));
  }

  /** Stores pending events, then appends pending ledger entries (one commit each at most). */
  async flushLedger(live: Live): Promise<void> {
    await this.flushEvents(live);
    await Promise.all(live.pendingLedger.splice(0).map((x) => this.d.ledger.append(x)));
  }

  async recordDecision(
    runId: string,
    actor: Actor,
    decision: PolicyDecision,
    runbook: string,
    environment: string,
    step?: string,
    command?: string,
  ): Promise<void> {
    this.d.observer?.onDecision?.(runId, decision, step);
    await this.d.ledger.append(policyDecisionEntry(runId, actor, decision, runbook, environment, step, command));
  }

  /** Takes the right to drive a run, or throws RUN_BUSY naming who holds it. */
  async lease(runId: string): Promise<void> {
    const lease = await this.d.runs.acquireLease(runId, LEASE_TTL_MS);
    if (!lease.ok) throw new EngineError('RUN_BUSY', `run ${runId} is being driven by ${lease.owner}`);
  }

  /** Keeps a held lease alive; returns the function that stops it. */
  heartbeat(runId: string): () => void {
    const t = setInterval(() => void this.d.runs.acquireLease(runId, LEASE_TTL_MS).catch(() => undefined), LEASE_TTL_MS / 3);
    t.unref();
    return () => clearInterval(t);
  }
}
