// Alert intake and incidents over HTTP on both dialects: Alertmanager 0.25's captured bodies (auth by
// bearer token, 4xx for malformed bodies with located problems, a retry stored once, a fault after
// storing answered 503 and then de-duplicated), PagerDuty Events v2 (202 with dedup_key; acknowledge and
// resolve by key), incidents listed and acted on by role, a signed webhook delivered with its record,
// and every step in the ledger.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@runledger/core';
import { checkReceipt } from '@runledger/ledger';
import { LedgerReader } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, until, type FixtureFactory } from '@runledger/testkit';
import { sweepApprovals } from '@runledger/runtime';
import { assertError, harness, runbook, type Harness } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../core/test/fixtures/alertmanager-0.25');
const body = (n: number): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, `am025-webhook-00${n}.json`), 'utf8')) as Record<string, unknown>;
const AM_TOKEN = 'am-token-0123456789abcdef';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const WEBHOOK_SECRET = `whsec_${Buffer.from('a-webhook-signing-secret-32-bytes!').toString('base64')}`;

interface Sink {
  url: string;
  got: { headers: IncomingMessage['headers']; body: string; valid: boolean }[];
  close(): Promise<void>;
}

async function webhookSink(): Promise<Sink> {
  const got: Sink['got'] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      const h = req.headers;
      const v = verifyWebhook(
        WEBHOOK_SECRET,
        { 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) },
        data,
        Math.floor(Date.now() / 1000),
      );
      got.push({ headers: h, body: data, valid: v.ok });
      res.writeHead(v.ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

function operationsFile(sinkUrl: string): string {
  const dir = tempDir('runledger-ops-');
  const file = join(dir, 'operations.yaml');
  writeFileSync(
    file,
    `integrations:
  - name: prometheus
    type: alertmanager
    secret: env:AM_TOKEN
  - name: deploys
    type: events
    secret: env:PD_KEY
receivers:
  - name: hook
    webhook:
      url: ${sinkUrl}
      secret: env:HOOK_SECRET
route:
  receiver: hook
  routes:
    - matchers: ['alertname="DiskNearlyFull"']
      runbook: clean-disk
      autoRun: true
`,
  );
  return file;
}

function suite(factory: FixtureFactory): void {
  describe(`alert intake and incidents API on ${factory.name}`, () => {
    let h: Harness;
    let sink: Sink;
    let fault: 'after-store' | undefined;
    before(async () => {
      await factory.setup();
      sink = await webhookSink();
      const rbDir = tempDir('runledger-rb-');
      writeFileSync(
        join(rbDir, 'clean-disk.md'),
        '---\nid: clean-disk\ntitle: Clean the disk\ninputs:\n  instance: { type: string }\n---\n\n# Clean\n\n## Procedure\n\n```sh {#clean}\necho cleaning {{ inputs.instance }}\n```\n',
      );
      h = await harness(await factory.create(), {
        runbooksDir: rbDir,
        // A small Events v2 budget, so the throttling test reaches it quickly.
        rateLimits: { eventsPerIntegration: { capacity: 12, refillPerSecond: 0.5 } },
        operations: {
          configPath: operationsFile(sink.url),
          env: { AM_TOKEN, PD_KEY: ROUTING_KEY, HOOK_SECRET: WEBHOOK_SECRET },
          pollMs: 50,
          approvalSweepMs: 200,
          intakeFault: () => fault,
        },
      });
    });
    after(async () => {
      await h.close();
      await sink.close();
      await factory.teardown();
    });

    const am = (b: unknown, token: string | undefined = AM_TOKEN, integration = 'prometheus') =>
      h.inject({
        method: 'POST',
        url: `/api/v1/integrations/alertmanager/${integration}`,
        body: b,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });

    it('refuses unknown integrations, missing or wrong tokens, and malformed bodies (with JSON pointers), storing nothing', async () => {
      assertError(await am(body(1), AM_TOKEN, 'nope'), 404, 'INTEGRATION_UNKNOWN');
      assertError(await am(body(1), ''), 401, 'INTEGRATION_AUTH_FAILED');
      assertError(await am(body(1), 'wrong'), 401, 'INTEGRATION_AUTH_FAILED');
      const bad = { ...body(1), version: '3', alerts: [{ status: 'firing', labels: { a: 1 } }] };
      const e = await am(bad);
      assertError(e, 400, 'ALERT_BODY_INVALID');
      const paths = (e.json.error.details as { path: string }[]).map((d) => d.path);
      assert.ok(paths.includes('/version'), paths.join(' '));
      assert.ok(
        paths.some((p) => p.startsWith('/alerts/0/labels')),
        paths.join(' '),
      );
      const list = await h.inject({ url: '/api/v1/incidents', token: h.tokens.viewer });
      assert.deepEqual(list.json.incidents, []);
      assert.ok(!h.logs.join('').includes(AM_TOKEN), 'the bearer token is never logged');
    });

    it('opens one SEV-1 incident from a grouped body, stores a retry once, and delivers a signed webhook with its record', async () => {
      const r = await am(body(3));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.stored, 'stored');
      assert.equal(r.json.alerts, 2);
      assert.equal(r.json.incidents.length, 1, 'two alerts of one group: one incident');
      const again = await am({ ...body(3), externalURL: 'http://the-other-alertmanager:9093' });
      assert.equal(again.json.stored, 'duplicate', 'an HA twin (another externalURL) is the same body');
      const id = r.json.incidents[0] as string;
      const v = await h.inject({ url: `/api/v1/incidents/${id}`, token: h.tokens.viewer });
      assert.equal(v.status, 200, v.text);
      assert.equal(v.json.severity, 'SEV-1');
      assert.equal(v.json.state, 'triggered');
      assert.equal(v.json.alerts.total, 2);
      assert.ok(v.json.ackDueAt);
      const types = (v.json.timeline as { type: string }[]).map((t) => t.type);
      assert.equal(types[0], 'incident.created');
      assert.equal(types.filter((t) => t === 'alert.attached').length, 2);
      const delivered = await until('the webhook delivery', async () => {
        const d = await h.inject({ url: `/api/v1/deliveries?incident=${id}`, token: h.tokens.viewer });
        const rec = (d.json.deliveries as { state: string }[]).find((x) => x.state === 'delivered');
        return rec as { receiver: string; attempts: number; detail: { status: number } } | undefined;
      });
      assert.equal(delivered.receiver, 'hook');
      assert.equal(delivered.attempts, 1);
      assert.equal(delivered.detail.status, 204);
      assert.equal(sink.got.length, 1);
      assert.ok(sink.got[0]!.valid, 'the Standard Webhooks signature verifies');
      assert.equal(JSON.parse(sink.got[0]!.body).incidentId, id);
    });

    it('acknowledging needs an operator; the second acknowledgement is a 409 naming who acknowledged', async () => {
      const list = await h.inject({ url: '/api/v1/incidents?state=open', token: h.tokens.viewer });
      const id = list.json.incidents[0].id as string;
      assertError(await h.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, token: h.tokens.viewer, body: {} }), 403, 'FORBIDDEN_ROLE');
      const ack = await h.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, token: h.tokens.operator, body: {} });
      assert.equal(ack.status, 200, ack.text);
      assert.equal(ack.json.state, 'acknowledged');
      assert.equal(ack.json.owner, 'token:olga');
      const twice = assertError(
        await h.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, token: h.tokens.operator, body: {} }),
        409,
        'INCIDENT_ALREADY_ACKNOWLEDGED',
      );
      assert.match(twice.message, /token:olga/);
      const note = await h.inject({ method: 'POST', url: `/api/v1/incidents/${id}/notes`, token: h.tokens.operator, body: { text: 'disk cleanup running' } });
      assert.equal(note.json.timeline.at(-1).text, 'note by token:olga: disk cleanup running');
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/incidents/${id}/resolve`, token: h.tokens.operator, body: { reason: ' ' } }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('a run started for an incident joins its timeline; an unknown incident is a 404 before anything starts', async () => {
      const list = await h.inject({ url: '/api/v1/incidents?state=open', token: h.tokens.viewer });
      const id = list.json.incidents[0].id as string;
      assertError(
        await h.inject({
          method: 'POST',
          url: '/api/v1/runs',
          token: h.tokens.operator,
          body: { runbook: 'clean-disk', inputs: { instance: 'db-1' }, incident: 'nope-nope' },
        }),
        404,
        'INCIDENT_NOT_FOUND',
      );
      const r = await h.inject({
        method: 'POST',
        url: '/api/v1/runs',
        token: h.tokens.operator,
        body: { runbook: 'clean-disk', inputs: { instance: 'db-1:9100' }, incident: id },
      });
      assert.ok(r.status === 201 || r.status === 202, r.text);
      const v = await h.inject({ url: `/api/v1/incidents/${id}`, token: h.tokens.viewer });
      assert.deepEqual(
        (v.json.runs as { runId: string; runbook: string; by: string }[]).map((x) => [x.runId, x.runbook, x.by]),
        [[r.json.run.id, 'clean-disk', 'token:olga']],
      );
      assert.equal(v.json.timeline.at(-1).text, `runbook clean-disk started by token:olga: run ${r.json.run.id}`);
    });

    it('a route with autoRun starts its runbook when an incident opens, with the labels that name its inputs', async () => {
      const b = body(1);
      const alerts = (b['alerts'] as { labels: Record<string, string>; fingerprint: string }[]).map((a) => ({
        ...a,
        labels: { ...a.labels, alertname: 'DiskNearlyFull', instance: 'db-7:9100' },
        fingerprint: 'a1b2c3d4e5f60718',
      }));
      const r = await am({ ...b, alerts, groupKey: 'auto' });
      assert.equal(r.status, 200, r.text);
      const id = r.json.incidents[0] as string;
      const v = await until('the automatic run on the timeline', async () => {
        const d = await h.inject({ url: `/api/v1/incidents/${id}`, token: h.tokens.viewer });
        return d.json.runs.length > 0 ? d.json : undefined;
      });
      const run = v.runs[0] as { runId: string; runbook: string; by: string };
      assert.deepEqual([run.runbook, run.by], ['clean-disk', 'integration:prometheus']);
      const rr = await h.inject({ url: `/api/v1/runs/${run.runId}`, token: h.tokens.viewer });
      assert.equal(rr.json.inputs.instance, 'db-7:9100');
      assert.equal(rr.json.requester, 'integration:prometheus');
    });

    it('a 503 after storing makes the sender retry, and the retry is stored once', async () => {
      fault = 'after-store';
      assertError(await am(body(1)), 503, 'INTAKE_FAULT');
      fault = undefined;
      const retry = await am(body(1));
      assert.equal(retry.status, 200);
      assert.equal(retry.json.stored, 'duplicate');
    });

    it('speaks PagerDuty Events v2: trigger (202 with a dedup_key), acknowledge and resolve by key', async () => {
      const ev = (b: Record<string, unknown>) =>
        h.inject({ method: 'POST', url: '/api/v1/integrations/events/deploys', body: { routing_key: ROUTING_KEY, ...b } });
      const bad = await ev({ event_action: 'trigger', payload: { summary: 'x' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.status, 'invalid event');
      const t = await ev({ event_action: 'trigger', payload: { summary: 'Deploy of api failed', source: 'ci', severity: 'error', component: 'api' } });
      assert.equal(t.status, 202, t.text);
      assert.equal(t.json.status, 'success');
      const key = t.json.dedup_key as string;
      assert.ok(key);
      const list = await h.inject({ url: '/api/v1/incidents?state=open', token: h.tokens.viewer });
      const inc = (list.json.incidents as { id: string; title: string; severity: string }[]).find((i) => i.title === 'Deploy of api failed')!;
      assert.equal(inc.severity, 'SEV-2');
      await ev({ event_action: 'acknowledge', dedup_key: key });
      const acked = await h.inject({ url: `/api/v1/incidents/${inc.id}`, token: h.tokens.viewer });
      assert.equal(acked.json.state, 'acknowledged');
      assert.equal(acked.json.owner, 'integration:deploys');
      await ev({ event_action: 'resolve', dedup_key: key });
      const done = await h.inject({ url: `/api/v1/incidents/${inc.id}`, token: h.tokens.viewer });
      assert.equal(done.json.state, 'resolved');
      assert.equal(
        (
          await h.inject({
            method: 'POST',
            url: '/api/v1/integrations/events/deploys',
            body: { routing_key: 'x'.repeat(32), event_action: 'resolve', dedup_key: key },
          })
        ).status,
        401,
      );
    });

    it('exports an evidence bundle whose files match its manifest, and whose manifest digest a ledger receipt proves', async () => {
      const list = await h.inject({ url: '/api/v1/incidents?limit=10', token: h.tokens.viewer });
      const id = (list.json.incidents as { id: string; title: string }[]).find((i) => i.title === 'Disk almost full on db-1')!.id;
      const r = await h.app.fastify.inject({ method: 'GET', url: `/api/v1/incidents/${id}/evidence`, headers: { authorization: `Bearer ${h.tokens.viewer}` } });
      assert.equal(r.statusCode, 200, r.body);
      const dir = tempDir('runledger-evidence-');
      writeFileSync(join(dir, 'e.tar'), r.rawPayload);
      execFileSync('tar', ['-xf', 'e.tar'], { cwd: dir });
      const root = join(dir, `incident-${id}-evidence`);
      const manifestBytes = readFileSync(join(root, 'manifest.json'));
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as { incident: string; files: { path: string; sha256: string; bytes: number }[] };
      assert.equal(manifest.incident, id);
      assert.ok(manifest.files.filter((f) => f.path.startsWith('alerts/')).length >= 1, 'the raw alert bodies are in it');
      for (const f of manifest.files) {
        const bytes = readFileSync(join(root, f.path));
        assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.path);
      }
      const digest = createHash('sha256').update(manifestBytes).digest('hex');
      assert.equal(r.headers['x-runledger-manifest-sha256'], digest);
      const check = checkReceipt(readFileSync(join(root, 'manifest.receipt'), 'utf8'), h.server.engineContext.ledger.writer!.knownKeys);
      assert.ok(check.ok, JSON.stringify(check));
      assert.ok(check.ok);
      const entry = JSON.parse(Buffer.from(check.receipt.entry ?? new Uint8Array()).toString('utf8')) as { type: string; data: { manifestSha256: string } };
      assert.equal(entry.type, 'incident.evidence.exported');
      assert.equal(entry.data.manifestSha256, digest, 'the receipt proves this manifest');
    });

    it('a run stopped at a gate asks its approvers through the routing tree, once, with a link to the run', async () => {
      const { engine } = h.server.engineContext;
      const { runbook: rb, source } = runbook('## Procedure\n\n```approve {#gate}\nShip it?\n```\n');
      const started = await engine.start({
        runbook: rb,
        source,
        inputs: {},
        secrets: {},
        environment: 'staging',
        who: { actor: { kind: 'token', id: 'token:olga' }, roles: ['operator'] },
      });
      assert.equal(started.model.state, 'waiting_approval');
      const got = await until('the approval request at the webhook', async () => sink.got.find((g) => JSON.parse(g.body).event === 'approval-requested'));
      assert.ok(got.valid);
      const msg = JSON.parse(got.body) as { run: string; step: string; environment: string; requester: string };
      assert.deepEqual([msg.run, msg.step, msg.environment, msg.requester], [started.runId, 'gate', 'staging', 'token:olga']);
      const recs = await until('the delivered approval record', async () => {
        const d = await h.inject({ url: '/api/v1/deliveries?limit=1000', token: h.tokens.viewer });
        const list = (d.json.deliveries as { event: string; state: string; incidentId: string }[]).filter((x) => x.event === 'approval-requested');
        return list.some((x) => x.state === 'delivered') ? list : undefined;
      });
      assert.equal(recs.length, 1);
      assert.equal(recs[0]!.incidentId, `run:${started.runId}`);
      assert.deepEqual(await sweepApprovals(h.server.engineContext.runs, h.app.operations), 0, 'asking again asks once');
    });

    it('an approval that waits past its expiry is asked again as overdue (escalate) or ends the run (reject)', async () => {
      const { engine } = h.server.engineContext;
      const start = async (rule: string) => {
        const { runbook: rb, source } = runbook('## Procedure\n\n```approve {#gate}\nShip it?\n```\n', `approvals:\n  '*': {count: 1, expires: 1s${rule}}\n`);
        const s = await engine.start({
          runbook: rb,
          source,
          inputs: {},
          secrets: {},
          environment: 'default',
          who: { actor: { kind: 'token', id: 'token:olga' }, roles: ['operator'] },
        });
        assert.equal(s.model.state, 'waiting_approval');
        return s.runId;
      };
      const escalated = await start('');
      const rejected = await start(', onExpiry: reject');
      const overdue = await until('the overdue approval request', async () =>
        sink.got
          .map((g) => JSON.parse(g.body) as { run: string; escalated?: boolean; subject?: string })
          .find((b) => b.run === escalated && b.escalated === true),
      );
      assert.equal(overdue.run, escalated);
      const ended = await until('the run to end', async () => {
        const r = await h.inject({ url: `/api/v1/runs/${rejected}`, token: h.tokens.viewer });
        return r.json.state === 'aborted' ? r.json : undefined;
      });
      assert.match(ended.reason, /approval expired: step gate waited longer than/);
      const still = await h.inject({ url: `/api/v1/runs/${escalated}`, token: h.tokens.viewer });
      assert.equal(still.json.state, 'waiting_approval', 'escalate keeps the run waiting');
    });

    it('Events v2 senders over their budget get 429 with Retry-After (never Alertmanager, which does not retry 4xx)', async () => {
      const ev = () =>
        h.inject({
          method: 'POST',
          url: '/api/v1/integrations/events/deploys',
          body: { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'nothing-here' },
        });
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push((await ev()).status);
      const throttled = await ev();
      assert.ok(statuses.includes(202));
      assert.equal(throttled.status, 429, statuses.join(','));
      assert.equal(throttled.json.status, 'throttle event');
      assert.ok(Number(throttled.headers['retry-after']) >= 1);
      for (let i = 0; i < 20; i++) assert.equal((await am(body(2))).status, 200, 'the Alertmanager route has no such budget');
    });

    it('writes every alert body, incident fact and final delivery to the ledger, and never a secret', async () => {
      await until('the outbox to drain', async () => ((await h.app.operations.service.outbox.size()) === 0 ? true : undefined));
      const entries = await new LedgerReader(h.server.engineContext.ledger.store).entries(0, 10_000);
      const types = entries.map((e) => e.entry.type);
      assert.ok(types.includes('operations.config.loaded'), types.join(' '));
      assert.equal(types.filter((t) => t === 'alert.received').length, 8, 'four Alertmanager bodies, four events (each stored once, however often sent)');
      assert.ok(types.includes('incident.created'), types.join(' '));
      assert.ok(types.includes('incident.acknowledged'), types.join(' '));
      assert.ok(types.includes('notification.delivered'), types.join(' '));
      const all = entries.map((e) => Buffer.from(e.bytes).toString('utf8')).join('\n');
      for (const s of [AM_TOKEN, ROUTING_KEY, WEBHOOK_SECRET]) assert.ok(!all.includes(s), `no secret in the ledger: ${s}`);
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
