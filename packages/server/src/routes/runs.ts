// Runs: list, get, and the operator actions. Each action lands in the ledger with the token as
// actor (the engine writes it); the requester of a run never approves it (the engine refuses).
import { replay, type RunEvent, type RunModel, type StepView } from '@runledger/core';
import { parseOrThrow, resolveSecretInputs, type OperatorAction } from '@runledger/runtime';
import type { RunRecord } from '@runledger/store';
import type { TokenRole } from '@runledger/store';
import type { ApiInstance, RouteContext } from '../app.js';
import { whoOf } from '../auth.js';
import { ActionResult, DecisionBody, errors, ReasonBody, RunDetail, RunParams, RunsPage, RunsQuery } from '../schemas.js';

function summary(r: RunRecord) {
  return {
    id: r.id,
    runbook: { id: r.runbookId, title: r.runbookTitle, sha256: r.runbookHash },
    state: r.state,
    reason: r.reason,
    environment: r.environment,
    requester: r.requester,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function stepJson(s: StepView) {
  return { ...s, approvals: s.approvals.map((a) => ({ ...a })) };
}

function detail(r: RunRecord, m: RunModel) {
  return { ...summary(r), state: m.state, reason: m.reason ?? null, updatedAt: m.updatedAt, file: r.file, inputs: { ...r.inputs }, phase: m.phase, steps: m.steps.map(stepJson), rollback: m.rollback.map(stepJson) };
}

/** The run event each action records; the worker answers once it is followed by another. */
const DECISION_EVENT: Record<OperatorAction['type'], RunEvent['type']> = {
  approve: 'approval.granted',
  reject: 'approval.rejected',
  resume: 'operator.resume',
  retry: 'operator.retry',
  skip: 'operator.skip',
  abort: 'operator.abort',
};

export function runRoutes(app: ApiInstance, rc: RouteContext): void {
  const { engine, runs } = rc.ctx;
  const tags = ['runs'];

  app.get('/runs', { config: { role: 'viewer' }, schema: { tags, summary: 'Runs, newest first', querystring: RunsQuery, response: { 200: RunsPage, ...errors(400, 401, 403, 429, 503) } } }, async (req) => {
    const rows = await runs.listRuns({ ...(req.query.state ? { state: req.query.state } : {}), limit: req.query.limit });
    return { runs: rows.map(summary) };
  });

  app.get('/runs/:id', { config: { role: 'viewer' }, schema: { tags, summary: 'One run with its steps (replayed from its stored events)', params: RunParams, response: { 200: RunDetail, ...errors(401, 403, 404, 429, 503) } } }, async (req) => {
    // Replayed from the stored events, not loaded into the engine: reading a run never holds it in memory.
    const rec = await runs.findRun(req.params.id);
    const model = replay((await runs.events(rec.id)).map((e) => e.event as RunEvent));
    return detail(rec, model);
  });

  const action = <B>(name: OperatorAction['type'], role: TokenRole, summaryText: string, body: unknown, toAction: (b: B) => OperatorAction): void => {
    app.post(
      `/runs/:id/${name}`,
      {
        config: { role },
        schema: { tags, summary: summaryText, params: RunParams, ...(body ? { body: body as typeof DecisionBody } : {}), response: { 200: ActionResult, 202: ActionResult, ...errors(400, 401, 403, 404, 409, 429, 503) } },
      },
      async (req, reply) => {
        rc.requireAccepting();
        const rec = await runs.findRun(req.params.id);
        const secrets = await resolveSecretInputs(parseOrThrow(rec.source, rec.file), process.env);
        const who = whoOf(req.principal!);
        const d = await rc.worker.dispatch(rec.id, DECISION_EVENT[name], () => engine.act(rec.id, toAction((req.body ?? {}) as B), who, parseOrThrow, secrets));
        const model = d.settled ? d.outcome.model : d.model;
        const fresh = (await runs.getRun(rec.id)) ?? rec;
        return reply.status(d.settled ? 200 : 202).send({ run: detail(fresh, model), continuing: !d.settled });
      },
    );
  };
  type Decision = { comment: string; step?: string };
  action<Decision>('approve', 'approver', 'Approve the gate the run waits at (comment required; never the requester), then drive the run on', DecisionBody, (b) => ({ type: 'approve', comment: b.comment, ...(b.step ? { stepId: b.step } : {}) }));
  action<Decision>('reject', 'approver', 'Reject the gate the run waits at (comment required); the run fails and rolls back', DecisionBody, (b) => ({ type: 'reject', comment: b.comment, ...(b.step ? { stepId: b.step } : {}) }));
  action<object>('resume', 'operator', 'Resume an interrupted run', undefined, () => ({ type: 'resume' }));
  action<object>('retry', 'operator', 'Run the current step of an interrupted run again', undefined, () => ({ type: 'retry' }));
  action<{ reason: string }>('skip', 'operator', 'Mark the current step of an interrupted run skipped and go on (reason required)', ReasonBody, (b) => ({ type: 'skip', reason: b.reason }));
  action<{ reason: string }>('abort', 'operator', 'Stop a run now, no rollback (reason required)', ReasonBody, (b) => ({ type: 'abort', reason: b.reason }));
}
