// A route with `autoRun: true` starts its runbook when an incident opens on it: the catalogue's runbook,
// with the opening alert's labels that name its inputs (never secrets), the `env` label as environment
// when the runbook has it, requested by the integration. Policy and approval gates apply as to any run;
// the run joins the incident's timeline, and a run that could not start says why there, as a note.
import type { FastifyBaseLogger } from 'fastify';
import { environmentOrThrow, loadCatalogue, resolveSecretInputs, type IncidentContext } from '@runledger/runtime';
import type { RouteContext } from '../context.js';
import { describeError } from '../errors.js';
import { findRunbook } from '../routes/runbooks.js';

export function autoRunner(rc: RouteContext, log: FastifyBaseLogger): (v: { incidentId: string; context: IncidentContext }) => void {
  const start = async ({ incidentId, context }: { incidentId: string; context: IncidentContext }): Promise<void> => {
    if (!context.autoRun || !context.runbook || context.drill) return;
    const svc = rc.operations.service;
    const by = `integration:${context.integration}`;
    try {
      const { runbook: rb, source } = findRunbook(loadCatalogue(rc.runbooksDir), context.runbook);
      const inputs: Record<string, string> = {};
      for (const i of rb.inputs) if (i.type !== 'secret' && context.labels[i.name] !== undefined) inputs[i.name] = context.labels[i.name]!;
      const env = context.labels['env'];
      const environment = env !== undefined && rb.environments.includes(env) ? env : environmentOrThrow(rb, undefined);
      const secrets = await resolveSecretInputs(rb, process.env);
      const who = { actor: { kind: 'system' as const, id: by }, roles: ['operator'] };
      const d = await rc.worker.start(() => rc.ctx.engine.start({ runbook: rb, source, inputs, secrets, environment, who }), rc.startWaitMs);
      const runId = d.settled ? d.outcome.runId : d.runId;
      await svc.act(incidentId, { type: 'runbook-started', by, runId, runbook: rb.id });
    } catch (e) {
      const why = describeError(e);
      log.warn({ incidentId, runbook: context.runbook, code: why.code }, 'automatic runbook run not started');
      await svc.act(incidentId, { type: 'note', by: 'system', text: `automatic run of ${context.runbook} not started: ${why.code}: ${why.message}` });
    }
  };
  return (v) => {
    start(v).catch((e: unknown) => log.error({ err: e, incidentId: v.incidentId }, 'automatic runbook run failed'));
  };
}
