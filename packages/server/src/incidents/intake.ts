// Alert intake: Alertmanager's webhook (version 4) and PagerDuty's Events API v2, each integration with
// its own secret. 2xx only after the body is durably stored; 5xx when it could not be (senders retry);
// 4xx for a body that will never be right (senders do not). The secret never travels in the path.
import { parseAlertmanagerWebhook, parsePagerDutyEvent, type BodyProblem } from '@runledger/core';
import { generatedDedupKey, bodyId, type OperationsHost } from '@runledger/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiInstance, IntakeFault } from '../context.js';
import { ApiError } from '../errors.js';
import type { TokenBuckets } from '../limits.js';
import { errors } from '../schemas.js';
import type { OpsMetrics } from './metrics.js';
import { IntakeAccepted, IntegrationParams, PagerDutyAccepted, PagerDutyInvalid } from './schemas.js';

/** Alertmanager groups can be large; far more than the API's other bodies. */
const INTAKE_BODY_LIMIT = 4 * 1024 * 1024;

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

function invalid(problems: readonly BodyProblem[]): ApiError {
  return new ApiError(
    'ALERT_BODY_INVALID',
    problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; '),
    undefined,
    problems.map((p) => ({ path: p.path || '/', code: 'ALERT_BODY_INVALID', message: p.message })),
  );
}

/** The body as stored and hashed: without the routing key, which is the integration's secret. */
function withoutRoutingKey(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { routing_key: _secret, ...rest } = body as Record<string, unknown>;
  return rest;
}

export function intakeRoutes(app: ApiInstance, ops: OperationsHost, metrics: OpsMetrics, fault: () => IntakeFault | undefined, events: TokenBuckets): void {
  const tags = ['alerts'];
  const count = (integration: string, outcome: string): void => metrics.alertsReceived.inc({ integration, outcome });

  app.post(
    '/integrations/alertmanager/:integration',
    {
      bodyLimit: INTAKE_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Alertmanager webhook (version 4): stored once, then grouped into incidents',
        description: 'Point a webhook_config at this URL with `http_config.authorization` carrying the integration’s secret as a bearer token.',
        params: IntegrationParams,
        response: { 200: IntakeAccepted, ...errors(400, 401, 404, 413, 415, 503) },
      },
    },
    async (req) => {
      const name = req.params.integration;
      const check = ops.checkIntegration(name, 'alertmanager', bearer(req));
      if (!check.ok) {
        count(name, check.why);
        if (check.why === 'unknown') throw new ApiError('INTEGRATION_UNKNOWN', `no alertmanager integration named ${JSON.stringify(name)}`);
        throw new ApiError('INTEGRATION_AUTH_FAILED', `integration ${name}: missing or wrong bearer token`);
      }
      const parsed = parseAlertmanagerWebhook(req.body);
      if (!parsed.ok) {
        count(name, 'invalid');
        throw invalid(parsed.problems);
      }
      if (fault() === 'before-store') throw new ApiError('INTAKE_FAULT', 'test fault: refusing before storing');
      const r = await ops.service.receive(name, 'alertmanager', req.body, parsed.value.alerts, req.id);
      count(name, r.body);
      if (fault() === 'after-store') throw new ApiError('INTAKE_FAULT', 'test fault: stored, answering 503 anyway');
      return { status: 'success' as const, stored: r.body, alerts: r.alerts, incidents: [...r.incidents] };
    },
  );

  app.post(
    '/integrations/events/:integration',
    {
      bodyLimit: INTAKE_BODY_LIMIT,
      schema: {
        tags,
        summary: 'PagerDuty Events API v2 (trigger, acknowledge, resolve): answers as PagerDuty does',
        description: 'Senders that speak Events v2 change only their URL; the integration’s secret is the `routing_key`.',
        params: IntegrationParams,
        response: { 202: PagerDutyAccepted, 400: PagerDutyInvalid, 429: PagerDutyInvalid, ...errors(401, 404, 413, 415, 503) },
      },
    },
    async (req, reply: FastifyReply) => {
      const body = req.body as Record<string, unknown> | undefined;
      const { integration: name } = req.params as { integration: string };
      const key = typeof body?.['routing_key'] === 'string' ? body['routing_key'] : undefined;
      const check = ops.checkIntegration(name, 'events', key);
      if (!check.ok) {
        count(name, check.why);
        if (check.why === 'unknown') throw new ApiError('INTEGRATION_UNKNOWN', `no events integration named ${JSON.stringify(name)}`);
        throw new ApiError('INTEGRATION_AUTH_FAILED', `integration ${name}: the routing_key is not this integration's`);
      }
      const wait = events.take(name);
      if (wait > 0) {
        count(name, 'throttled');
        return reply
          .status(429)
          .header('retry-after', String(wait))
          .send({ status: 'throttle event', message: `Requests for integration ${name} are arriving too quickly; retry in ${wait}s.`, errors: [] });
      }
      // A trigger without dedup_key gets one derived from its body, so a retried body gets the same key.
      const stored = withoutRoutingKey(req.body);
      const digest = bodyId(name, stored);
      const parsed = parsePagerDutyEvent(req.body, () => generatedDedupKey(digest));
      if (!parsed.ok) {
        count(name, 'invalid');
        return reply
          .status(400)
          .send({ status: 'invalid event', message: 'Event object is invalid', errors: parsed.problems.map((p) => `${p.path}: ${p.message}`) });
      }
      if (fault() === 'before-store') throw new ApiError('INTAKE_FAULT', 'test fault: refusing before storing');
      const r = await ops.service.receiveEvent(name, stored, parsed.value, req.id);
      count(name, r.body);
      if (fault() === 'after-store') throw new ApiError('INTAKE_FAULT', 'test fault: stored, answering 503 anyway');
      return reply.status(202).send({ status: 'success', message: 'Event processed', dedup_key: parsed.value.dedupKey });
    },
  );
}
