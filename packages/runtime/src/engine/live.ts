// A run as the engine holds it while driving: the stored record, the runbook that ran, the replayed
// model, and the values only this process knows (secret inputs, captured outputs).
import { randomUUID } from 'node:crypto';
import { replay, type RunEvent, type RunModel, type Runbook, type Step, type StepPlan, type TemplateContext } from '@runledger/core';
import type { RunRecord, RunStore, StepOutput } from '@runledger/store';
import { EngineError } from '../errors.js';
import { Redactor } from '../redact.js';
import type { Draft } from './drafts.js';

export interface Live {
  readonly rec: RunRecord;
  readonly runbook: Runbook;
  model: RunModel;
  seq: number;
  readonly inputs: Readonly<Record<string, string | number | boolean>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly redactor: Redactor;
  readonly outputs: Map<string, string>;
  /** Ledger entries of stored events not yet appended: they join the next append's group commit. */
  readonly pendingLedger: Draft[];
  /**
   * Events already applied to `model` but not yet stored (a step's result): they are stored in the
   * transaction of the run's next event, and before anything else leaves the driver.
   */
  readonly pendingEvents: PendingEvent[];
}

export interface PendingEvent {
  readonly ev: RunEvent;
  readonly outputs: readonly StepOutput[];
  /** The model right after this event, for observers once it is stored. */
  readonly model: RunModel;
  /** Its ledger entry, appended once the event is stored. */
  readonly draft?: Draft;
}

export type Parse = (source: string, file: string) => Runbook;

export function stepPlan(s: Step): StepPlan {
  return {
    id: s.id,
    kind: s.kind,
    onFail: s.onFail,
    retries: s.retries,
    backoffMs: s.backoffMs,
    ...(s.kind === 'approve' && s.approvals ? { approvals: s.approvals } : {}),
  };
}

/** Approval quorum of a gate: the step's own, else the front-matter rule for the environment. */
export function withQuorum(rb: Runbook, env: string, p: StepPlan): StepPlan {
  if (p.kind !== 'approve' || p.approvals) return p;
  const rule = rb.approvals.find((a) => a.environment === env) ?? rb.approvals.find((a) => a.environment === '*');
  return rule ? { ...p, approvals: { count: rule.count, roles: rule.roles } } : p;
}

/** Sortable, unique run ids: time prefix, then randomness. */
export function newRunId(now: Date): string {
  const t = now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `${t}-${randomUUID().slice(0, 8)}`;
}

/** The names of the runbook's secret inputs, as it declares them. */
export function secretNamesOf(rb: Runbook): Set<string> {
  return new Set(rb.inputs.filter((i) => i.type === 'secret').map((i) => i.name));
}

/**
 * Rebuilds a run from storage: the runbook from its stored source (checked against its recorded
 * hash), the model by replaying its events, inputs from the record. Secret inputs are the runbook's
 * declared ones: their stored keyed hashes are never taken for values; `secrets` supplies the values.
 */
export async function loadLive(runs: RunStore, rec: RunRecord, parse: Parse, secrets: Readonly<Record<string, string | undefined>>): Promise<Live> {
  const runbook = parse(rec.source, rec.file);
  if (runbook.contentHash !== rec.runbookHash) throw new EngineError('RUN_CORRUPT', `run ${rec.id}: stored runbook source does not match its recorded hash`);
  const stored = await runs.events(rec.id);
  const model = replay(stored.map((e) => e.event as RunEvent));
  const secretNames = secretNamesOf(runbook);
  const values: Record<string, string | number | boolean> = {};
  const secretValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec.inputs)) {
    if (secretNames.has(k)) {
      const s = secrets[k];
      if (s !== undefined) secretValues[k] = s;
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[k] = v;
  }
  const outputs = new Map<string, string>();
  for (const o of await runs.outputs(rec.id)) if (o.stream === 'stdout') outputs.set(o.stepId, o.data.toString('utf8'));
  return {
    rec,
    runbook,
    model,
    seq: stored.length,
    inputs: values,
    secrets: secretValues,
    redactor: new Redactor(Object.values(secretValues)),
    outputs,
    pendingLedger: [],
    pendingEvents: [],
  };
}

export function templateContext(
  runId: string,
  env: string,
  inputs: Readonly<Record<string, string | number | boolean>>,
  secrets: Readonly<Record<string, string>>,
  outputs: ReadonlyMap<string, string>,
): TemplateContext {
  return { runId, env, inputs: { ...inputs, ...secrets }, secretNames: Object.keys(secrets), steps: Object.fromEntries(outputs) };
}

/**
 * Time left before the runbook's overall `timeout` (Infinity without one). It counts from the run's
 * start or its latest approval, whichever is later: waiting for a person does not use it up.
 */
export function remainingMs(live: Live, nowMs: number): number {
  if (live.runbook.timeoutMs === undefined) return Infinity;
  const approvals = [...live.model.steps, ...live.model.rollback].flatMap((s) => s.approvals.map((a) => Date.parse(a.at)));
  const from = Math.max(Date.parse(live.model.createdAt), ...approvals);
  return from + live.runbook.timeoutMs - nowMs;
}
