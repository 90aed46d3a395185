// Runs: list, get, and the operator actions. Each action lands in the ledger with the token as
// actor (the engine writes it); the requester of a run never approves it (the engine refuses).
import { replay, TERMINAL_STATES, type RunEvent, type RunModel, type StepView } from '@runledger/core';
import { environmentOrThrow, gateTexts, parseOrThrow, resolveSecretInputs, RuntimeError, type GateText, type OperatorAction } from '@runledger/runtime';
import { ApiError } from '../errors.js';
import type { RunRecord, RunStore, RunSummaryRecord } from '@runledger/store';
import type { TokenRole } from '@runledger/store';
import { Type, type Static } from 'typebox';
import type { ApiInstance, RouteContext } from '../context.js';
import { whoOf } from '../auth.js';
import {
  ActionResult,
  DecisionBody,
  errors,
  ReasonBody,
  RunDetail,
  RunLedger,
  RunParams,
  RunsPage,
  RunsQuery,
  StartBody,
  StartResult,
  StepOutput,
  StepOutputParams,
} from '../schemas.js';
import { actorIds } from '../actor-filter.js';
import { timeRange } from '../query-time.js';
import { findRunbook, loadCatalogue } from './runbooks.js';

// Bodies of the decisions on a step left running by a driver that stopped (ORPHAN_ALIVE).
const KillOrphan = Type.Optional(Type.Boolean({ description: 'first end the step’s process group if it still runs from a driver that stopped' }));
const RetryBody = Type.Object({ killOrphan: KillOrphan }, { additionalProperties: false });
const SkipBody = Type.Object({ reason: ReasonBody.properties.reason, killOrphan: KillOrphan }, { additionalProperties: false });
const OrphanBody = Type.Object({ decision: Type.Union([Type.Literal('wait'), Type.Literal('kill')]) }, { additionalProperties: false });

function summary(r: RunSummaryRecord) {
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

function stepJson(s: StepView, gates: readonly GateText[]) {
  const gate = s.kind === 'approve' ? gates.find((g) => g.step === s.id && g.phase === s.phase) : undefined;
  return { ...s, approvals: s.approvals.map((a) => ({ ...a })), ...(gate ? { text: gate.text } : {}) };
}

/** The run view; approval gates carry the text they ask (rendered from the stored runbook source). */
async function detail(runs: RunStore, r: RunRecord, m: RunModel) {
  const gates =
    m.steps.some((s) => s.kind === 'approve') || m.rollback.some((s) => s.kind === 'approve') ? await gateTexts(r, (id, step) => runs.outputs(id, step)) : [];
  const step = (s: StepView) => stepJson(s, gates);
  return {
    ...summary(r),
    state: m.state,
    reason: m.reason ?? null,
    updatedAt: m.updatedAt,
    file: r.file,
    inputs: { ...r.inputs },
    phase: m.phase,
    steps: m.steps.map(step),
    rollback: m.rollback.map(step),
  };
}

const LIST_CACHE_MS = 250;

/** The run event each action records; the worker answers once it is followed by another. */
const DECISION_EVENT: Record<OperatorAction['type'], RunEvent['type']> = {
  approve: 'approval.granted',
  reject: 'approval.rejected',
  resume: 'operator.resume',
  retry: 'operator.retry',
  skip: 'operator.skip',
  abort: 'operator.abort',
  orphan: 'operator.orphan',
};

export function runRoutes(app: ApiInstance, rc: RouteContext): void {
  const { engine, runs } = rc.ctx;
  const tags = ['runs'];

  // The runs list is the hottest read (every dashboard polls it). Its serialised answer is kept for
  // LIST_CACHE_MS and dropped at once on any run event in this process; runs changed by another
  // process (a CLI run, a second server) show within LIST_CACHE_MS.
  const listCache = new Map<string, { at: number; body: string }>();
  rc.deps.events?.on(() => listCache.clear());
  app.get(
    '/runs',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: `Runs, newest first, filtered by state, runbook, requester and creation time (may be up to ${LIST_CACHE_MS} ms behind changes made by other processes)`,
        querystring: RunsQuery,
        response: { 200: RunsPage, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const range = timeRange(q);
      const key = JSON.stringify([q.state, q.limit, q.runbook, q.requester, range.since, range.until]);
      const now = performance.now();
      let hit = listCache.get(key);
      if (!hit || now - hit.at > LIST_CACHE_MS) {
        const rows = await runs.listRunSummaries({
          ...(q.state ? { state: q.state } : {}),
          ...(q.runbook ? { runbookId: q.runbook } : {}),
          ...(q.requester ? { requesters: actorIds(q.requester) } : {}),
          ...range,
          limit: q.limit,
        });
        hit = { at: now, body: JSON.stringify({ runs: rows.map(summary) } satisfies Static<typeof RunsPage>) };
        if (listCache.size > 64) listCache.clear();
        listCache.set(key, hit);
      }
      // A string with a JSON content type goes out as is (fastify serialises only objects).
      return reply.type('application/json; charset=utf-8').send(hit.body as unknown as Static<typeof RunsPage>);
    },
  );

  app.get(
    '/runs/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One run with its steps (replayed from its stored events)',
        params: RunParams,
        response: { 200: RunDetail, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      // Replayed from the stored events, not loaded into the engine: reading a run never holds it in memory.
      const rec = await runs.findRun(req.params.id);
      const model = replay((await runs.events(rec.id)).map((e) => e.event as RunEvent));
      return detail(runs, rec, model);
    },
  );

  app.post(
    '/runs',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Start a run of a catalogue runbook with the token as requester',
        body: StartBody,
        response: { 201: StartResult, 202: StartResult, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const { runbook: rb, source } = findRunbook(loadCatalogue(rc.runbooksDir), req.body.runbook);
      const given: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.body.inputs ?? {})) {
        if (rb.inputs.find((i) => i.name === k)?.type === 'secret') {
          throw new ApiError(
            'SECRET_INPUT_IN_BODY',
            `input ${k} is a secret: it is never accepted in a request; the server reads it from its environment or files`,
          );
        }
        given[k] = String(v);
      }
      const environment = environmentOrThrow(rb, req.body.environment);
      // An unknown incident is a 404 before anything starts.
      const incidentId = req.body.incident ? await rc.operations.service.incidents.resolveId(req.body.incident) : undefined;
      const secrets = await resolveSecretInputs(rb, process.env);
      // The engine validates the environment and the inputs (with located details) before anything is stored.
      const who = whoOf(req.principal!);
      const d = await rc.worker.start(() => engine.start({ runbook: rb, source, inputs: given, secrets, environment, who }), rc.startWaitMs);
      const runId = d.settled ? d.outcome.runId : d.runId;
      const model = d.settled ? d.outcome.model : d.model;
      const rec = await runs.getRun(runId);
      if (!rec) throw new RuntimeError('INTERNAL', `run ${runId} was started but is not stored`);
      if (incidentId) await rc.operations.service.act(incidentId, { type: 'runbook-started', by: who.actor.id, runId, runbook: rb.id });
      return reply.status(d.settled ? 201 : 202).send({ run: await detail(runs, rec, model), continuing: !d.settled });
    },
  );

  app.get(
    '/runs/:id/events',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Server-Sent Events: the run’s stored events (id = seq), then live ones until it ends; honours Last-Event-ID',
        params: RunParams,
        produces: ['text/event-stream'],
        response: { ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const rec = await runs.findRun(req.params.id);
      const header = req.headers['last-event-id'];
      const lastId = typeof header === 'string' && /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : -1;
      let last = lastId;
      let closed = false;
      let chain: Promise<void> = Promise.resolve();
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': req.id,
      });
      raw.write(': runledger run events\n\n');
      // Subscribed before the first read, so no event falls between the replay and the live feed.
      const off = rc.deps.events?.on((id) => {
        if (id === rec.id) void flush();
      });
      // Live output goes out as it comes (already redacted), starting with what the running step has
      // printed so far (taken in the same tick as the subscription: no gap, no repeat). It carries no
      // id; once a step ends its output is at /runs/:id/steps/:step/output.
      const sendOutput = (step: string, stream: string, text: string): void => {
        if (!closed) raw.write(`event: output\ndata: ${JSON.stringify({ step, stream, text })}\n\n`);
      };
      for (const c of rc.deps.events?.outputSoFar(rec.id) ?? []) sendOutput(c.step, c.stream, c.text);
      const offOutput = rc.deps.events?.onOutputOf((id, step, stream, text) => {
        if (id === rec.id) sendOutput(step, stream, text);
      });
      rc.metrics.sseStreams.inc();
      rc.metrics.sseOpened.inc();
      // The credential is re-checked on every heartbeat and whenever a revocation or sign-out happens
      // anywhere (the revocation counter moves): a stream does not outlive the right to read it. A
      // check that cannot reach the store also ends the stream; the client reconnects and is asked again.
      const principal = req.principal!;
      const needs = req.routeOptions.config.role ?? 'viewer';
      const revoked = (): void => {
        if (!closed) raw.write(': credentials revoked, signed out or expired\n\n');
        end();
      };
      const heartbeat = setInterval(() => {
        void rc.auth.stillValid(principal, needs).then(
          (ok) => (ok ? !closed && raw.write(': heartbeat\n\n') : revoked()),
          () => end(),
        );
      }, rc.heartbeatMs);
      heartbeat.unref();
      const unwatch = rc.auth.watch(principal, needs, revoked);
      const end = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unwatch();
        off?.();
        offOutput?.();
        rc.metrics.sseStreams.dec();
        rc.streams.delete(end);
        raw.end();
      };
      rc.streams.add(end);
      raw.on('close', end);
      // Sends every stored event after the last one sent; ends the stream once the run has finished.
      const flush = (): Promise<void> =>
        (chain = chain
          .then(async () => {
            if (closed) return;
            const stored = await runs.events(rec.id);
            for (const e of stored) {
              if (e.seq <= last) continue;
              raw.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ seq: e.seq, at: e.at, type: e.type, event: e.event })}\n\n`);
              last = e.seq;
            }
            const model = replay(stored.map((e) => e.event as RunEvent));
            if (TERMINAL_STATES.includes(model.state)) end();
          })
          .catch((e: unknown) => {
            req.log.error({ err: e, runId: rec.id }, 'event stream failed');
            end();
          }));
      await flush();
    },
  );

  app.get(
    '/runs/:id/ledger',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The run’s ledger entries (by their idempotency keys), with the step each concerns',
        params: RunParams,
        response: { 200: RunLedger, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const rec = await runs.findRun(req.params.id);
      const rows = await rc.ctx.ledger.reader.entriesByIdemPrefix(`run:${rec.id}:`, 5000);
      return {
        entries: rows.map((e) => {
          const d = e.entry.data;
          return {
            seq: e.seq,
            type: e.entry.type,
            ts: e.entry.ts,
            step: typeof d.step === 'string' ? d.step : null,
            phase: typeof d.phase === 'string' ? d.phase : null,
            attempt: typeof d.attempt === 'number' && Number.isInteger(d.attempt) ? d.attempt : null,
          };
        }),
      };
    },
  );

  app.get(
    '/runs/:id/steps/:step/output',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'A step’s stored (redacted, size-capped) output, per attempt',
        params: StepOutputParams,
        response: { 200: StepOutput, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const rec = await runs.findRun(req.params.id);
      const rows = await runs.outputs(rec.id, req.params.step);
      const byAttempt = new Map<string, { phase: string; attempt: number; stdout: string; stderr: string; truncated: boolean }>();
      for (const o of rows) {
        const k = `${o.phase}:${o.attempt}`;
        const a = byAttempt.get(k) ?? { phase: o.phase, attempt: o.attempt, stdout: '', stderr: '', truncated: false };
        a[o.stream] = o.data.toString('utf8');
        a.truncated ||= o.truncated;
        byAttempt.set(k, a);
      }
      return { step: req.params.step, attempts: [...byAttempt.values()] };
    },
  );

  const action = <B>(
    name: OperatorAction['type'],
    role: TokenRole,
    summaryText: string,
    body: unknown,
    toAction: (b: B) => OperatorAction,
    bodyOptional = false,
  ): void => {
    app.post(
      `/runs/:id/${name}`,
      {
        config: { role },
        // A body whose fields are all optional may be left out altogether.
        ...(bodyOptional
          ? {
              preValidation: async (req: { body: unknown }): Promise<void> => {
                req.body ??= {};
              },
            }
          : {}),
        schema: {
          tags,
          summary: summaryText,
          params: RunParams,
          ...(body ? { body: body as typeof DecisionBody } : {}),
          response: { 200: ActionResult, 202: ActionResult, ...errors(400, 401, 403, 404, 409, 429, 503) },
        },
      },
      async (req, reply) => {
        rc.requireAccepting();
        const rec = await runs.findRun(req.params.id);
        const secrets = await resolveSecretInputs(parseOrThrow(rec.source, rec.file), process.env);
        const who = whoOf(req.principal!);
        const d = await rc.worker.dispatch(rec.id, DECISION_EVENT[name], () => engine.act(rec.id, toAction((req.body ?? {}) as B), who, parseOrThrow, secrets));
        const model = d.settled ? d.outcome.model : d.model;
        const fresh = (await runs.getRun(rec.id)) ?? rec;
        return reply.status(d.settled ? 200 : 202).send({ run: await detail(runs, fresh, model), continuing: !d.settled });
      },
    );
  };
  type Decision = { comment: string; step?: string };
  action<Decision>(
    'approve',
    'approver',
    'Approve the gate the run waits at (comment required; never the requester), then drive the run on',
    DecisionBody,
    (b) => ({ type: 'approve', comment: b.comment, ...(b.step ? { stepId: b.step } : {}) }),
  );
  action<Decision>('reject', 'approver', 'Reject the gate the run waits at (comment required); the run fails and rolls back', DecisionBody, (b) => ({
    type: 'reject',
    comment: b.comment,
    ...(b.step ? { stepId: b.step } : {}),
  }));
  action<object>('resume', 'operator', 'Resume an interrupted run', undefined, () => ({ type: 'resume' }));
  action<{ killOrphan?: boolean }>(
    'retry',
    'operator',
    'Run the current step of an interrupted run again (409 ORPHAN_ALIVE while it still runs from a driver that stopped, unless killOrphan)',
    RetryBody,
    (b) => ({ type: 'retry', ...(b.killOrphan ? { killOrphan: true } : {}) }),
    true,
  );
  action<{ reason: string; killOrphan?: boolean }>(
    'skip',
    'operator',
    'Mark the current step of an interrupted run skipped and go on (reason required; killOrphan as for retry)',
    SkipBody,
    (b) => ({ type: 'skip', reason: b.reason, ...(b.killOrphan ? { killOrphan: true } : {}) }),
  );
  action<{ decision: 'wait' | 'kill' }>(
    'orphan',
    'operator',
    'Decide on the process group of a step whose driver stopped: wait until it ends (the request is answered then) or kill it; the step stays unknown',
    OrphanBody,
    (b) => ({ type: 'orphan', decision: b.decision }),
  );
  action<{ reason: string }>('abort', 'operator', 'Stop a run now, no rollback (reason required)', ReasonBody, (b) => ({ type: 'abort', reason: b.reason }));
}
