// What every part of the driver shares: the dependencies, the clock, and the two durable writes —
// a run event (stored before anything acts on it) and a ledger entry (joined into group commits).
import { decide, type PolicyDecision, type RunCommand, type RunEvent } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { StepOutput } from '@runledger/store';
import { EngineError } from '../errors.js';
import { policyDecisionEntry, type Draft } from './drafts.js';
import type { Live } from './live.js';
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

  /** Persists an event (the state machine must accept it), then returns the commands it produced. */
  async apply(live: Live, ev: RunEvent, outputs: readonly StepOutput[] = []): Promise<RunCommand[]> {
    const d = decide(live.model, ev);
    if (!d.ok) throw new EngineError(d.code, d.message);
    await this.d.runs.appendEvent(live.rec.id, live.seq, { at: ev.at, type: ev.type, event: ev }, { state: d.model.state, reason: d.model.reason ?? null }, outputs);
    live.seq++;
    live.model = d.model;
    this.d.observer?.onEvent?.(live.rec.id, d.model, ev);
    return [...d.commands];
  }

  /** Appends now, in the same group commit as any appends still pending for this run. */
  async ledgerNow(live: Live, draft: Draft): Promise<void> {
    await Promise.all([...live.pendingLedger.splice(0), this.d.ledger.append(draft)]);
  }

  /** Queues an append without awaiting it: it joins the next append's group commit. */
  ledgerLater(live: Live, draft: Draft): void {
    const entry = this.d.ledger.append(draft);
    entry.catch(() => undefined);
    live.pendingLedger.push(entry);
  }

  async flushLedger(live: Live): Promise<void> {
    await Promise.all(live.pendingLedger.splice(0));
  }

  async recordDecision(runId: string, actor: Actor, decision: PolicyDecision, runbook: string, environment: string, step?: string, command?: string): Promise<void> {
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
