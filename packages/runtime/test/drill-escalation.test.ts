// The escalation drill end to end through the real operations host: intake, routing, the incident
// machine, durable timers, the delivery worker over SMTP, the outbox into the ledger. The drill's mail
// lands in its built-in SMTP sink; the receivers' own SMTP server and webhook (real peers on loopback)
// must see nothing. Deadlines are short (2 s) and real; only ordering is asserted, never a duration.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_DRILL_TARGETS, drillId, judgeDrill, parseOperationsText } from '@runledger/core';
import { locationOf, pgFactory, sqliteFactory, startSmtpSink, startWebhookSink, tempDir, type FixtureFactory } from '@runledger/testkit';
import { IncidentService, initLedger, openLedger, OperationsHost, runEscalationDrill, type EscalationDrillOptions, type LedgerContext } from '../src/index.js';
import type { DrillOperations, DrillRunContext } from '../src/drills/kind.js';

const WEBHOOK_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

/** Seed 001's shape: critical → oncall-critical (+ a webhook), policy sev1: level 1 now, level 2 at the deadline. */
function operationsYaml(smtpPort: number, webhookUrl?: string): string {
  return `
receivers:
  - name: oncall-critical
    email: { to: [oncall-critical@example.test], from: runledger@example.test, smtp: { host: 127.0.0.1, port: ${smtpPort}, username: relay, password: env:RL_SMTP_PASSWORD } }
  - name: oncall-standard
    email: { to: [oncall-standard@example.test], from: runledger@example.test, smtp: { host: 127.0.0.1, port: ${smtpPort} } }
${webhookUrl ? `  - name: incident-webhook\n    webhook: { url: ${webhookUrl}, secret: env:RL_WEBHOOK_SECRET }\n` : ''}
route:
  receiver: oncall-standard
  groupBy: [alertname, service, env]
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-critical
      escalation: sev1
${webhookUrl ? `      continue: true\n    - matchers: ['severity="critical"']\n      receiver: incident-webhook\n` : ''}
people:
  - name: alice
    email: alice@example.test
  - name: carol
    email: carol@example.test
schedules:
  - name: primary
    timeZone: Europe/Berlin
    layers:
      - name: weekly
        users: [alice]
        start: 2020-01-06T09:00
        every: 7d
escalationPolicies:
  - name: sev1
    levels:
      - after: deadline
        targets: [person:carol${webhookUrl ? ', receiver:incident-webhook' : ''}]
      - after: 0m
        targets: [receiver:oncall-critical, schedule:primary]
    repeat: 1
incidents:
  ackDeadlines: { SEV-1: 15m, SEV-2: 30m, SEV-3: 4h }
  flapWindow: 5m
`;
}

const ENV = { RL_WEBHOOK_SECRET: WEBHOOK_SECRET, RL_SMTP_PASSWORD: 'relay-password-not-for-drills' };

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function context(ledger: LedgerContext, extra: { operations?: DrillOperations; escalation?: EscalationDrillOptions }, lines: string[]): DrillRunContext {
  return {
    id: drillId(new Date(), randomBytes(3).toString('hex')),
    actor: { kind: 'user', id: 'alice' },
    ledger,
    scratch: tempDir('runledger-drill-'),
    targets: DEFAULT_DRILL_TARGETS,
    log: (l) => lines.push(l),
    now: () => new Date(),
    ...extra,
  };
}

function fileOf(files: readonly { path: string; bytes: Uint8Array | string }[] | undefined, path: string): unknown {
  const f = files?.find((x) => x.path === path);
  assert.ok(f, `file ${path}`);
  return JSON.parse(typeof f.bytes === 'string' ? f.bytes : Buffer.from(f.bytes).toString('utf8'));
}

interface Msg {
  at: string;
  to: string[];
  headers: Record<string, string>;
}
interface Timeline {
  incident: string;
  state: string;
  deadline: string;
  facts: { type: string; at: string; fact: { level?: number } }[];
  deliveries: { receiver: string; event: string; state: string; reason: string | null; attempts: number; channel: string }[];
}

function passingDrill(factory: FixtureFactory): void {
  describe(`the escalation drill on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    it('pages level 1 in the sink, level 2 after the shortened deadline and not before, resolves, cites the timeline; nobody real is paged', async () => {
      const f = await factory.create();
      const loc = locationOf(f);
      await initLedger(loc, { origin: 'drill.test/ledger', actor: { kind: 'user', id: 'alice' } });
      const ledger = await openLedger(loc, { write: true });
      const realSmtp = await startSmtpSink();
      const realHook = await startWebhookSink({ secrets: [WEBHOOK_SECRET] });
      const file = join(f.home, 'operations.yaml');
      writeFileSync(file, operationsYaml(realSmtp.port, realHook.url));
      const host = await OperationsHost.open({ store: ledger.store, append: (d) => ledger.writer!.append(d), configPath: file, env: ENV });
      await host.start();
      const lines: string[] = [];
      try {
        const ctx = context(ledger, { operations: host, escalation: { deadlineSeconds: 2, labels: { service: 'db' } } }, lines);
        const out = await runEscalationDrill(ctx);
        assert.deepEqual(
          out.checks.filter((c) => !c.ok),
          [],
          lines.join('\n'),
        );
        assert.deepEqual(
          out.checks.map((c) => c.name),
          [
            'level 1 paged by email',
            'level 2 paged after the deadline, not before',
            'incident resolved',
            'drill messages are marked',
            'drill mail reached only the sink',
            'incident timeline in the ledger',
          ],
        );
        assert.equal(judgeDrill(out.measured, ctx.targets, out.checks).passed, true);
        assert.equal(typeof out.measured.deliverySeconds, 'number');
        assert.ok(out.measured.escalationSeconds! >= 0, 'level 2 came after the deadline');
        assert.deepEqual(Object.keys(out.measured.steps ?? {}), ['plan', 'raise', 'level 1', 'level 2', 'resolve', 'ledger']);

        const timeline = fileOf(out.files, 'escalation/timeline.json') as Timeline;
        const messages = fileOf(out.files, 'escalation/messages.json') as Msg[];
        const deadline = Date.parse(timeline.deadline);
        assert.equal(timeline.state, 'resolved');
        const byDelivery = (event: string) =>
          timeline.deliveries
            .filter((d) => d.event === event && d.state === 'delivered')
            .map((d) => d.receiver)
            .sort();
        assert.deepEqual(byDelivery('triggered'), ['oncall-critical', 'person:alice'], 'level 1: the receiver and who is on call');
        assert.deepEqual(byDelivery('escalated'), ['person:carol'], 'level 2: carol');
        const level2 = messages.filter((m) => m.to.includes('carol@example.test') && /\[ESCALATED/.test(m.headers['subject']!));
        assert.equal(level2.length, 1);
        assert.ok(Date.parse(level2[0]!.at) >= deadline, `level 2 at ${level2[0]!.at}, deadline ${timeline.deadline}`);
        const escalated = timeline.facts.filter((x) => x.type === 'escalated');
        // The drill's copy of the policy: the configured levels in their order of time (level 1 now, level 2 at the deadline).
        assert.deepEqual(
          escalated.map((x) => x.fact.level),
          [0, 1],
        );
        assert.ok(Date.parse(escalated[1]!.at) >= deadline);
        for (const m of messages) {
          assert.ok(m.headers['subject']!.startsWith(`[DRILL ${ctx.id}] `), m.headers['subject']);
          assert.equal(m.headers['x-runledger-drill'], ctx.id);
          assert.equal(m.headers['x-runledger-incident'], timeline.incident);
        }
        assert.ok(messages.some((m) => m.to.includes('oncall-critical@example.test')));
        assert.ok(messages.some((m) => m.to.includes('alice@example.test')));

        const hook = timeline.deliveries.filter((d) => d.receiver === 'incident-webhook');
        assert.ok(hook.length > 0 && hook.every((d) => d.state === 'skipped' && d.reason === 'drill'), JSON.stringify(hook));
        assert.equal(realSmtp.messages.length, 0, 'the receivers’ own SMTP server got nothing');
        assert.equal(realHook.requests.length, 0, 'the webhook got nothing');

        const cited = await Promise.all((out.cite ?? []).map((seq) => ledger.reader.entry(seq)));
        const types = cited.map((e) => e!.entry.type);
        for (const t of ['alert.received', 'incident.created', 'incident.escalated', 'incident.deadline.missed', 'notification.delivered', 'incident.resolved'])
          assert.ok(types.includes(t), `${t} cited: ${types.join(', ')}`);
        const delivered = cited.filter((e) => e!.entry.type === 'notification.delivered').map((e) => e!.entry.data as { sink?: string; smtp?: string });
        const plan = fileOf(out.files, 'escalation/plan.json') as { sink: { smtp: string } };
        assert.ok(
          delivered.every((d) => d.sink === plan.sink.smtp && /^250 /.test(d.smtp ?? '')),
          JSON.stringify(delivered),
        );
        const evidence = JSON.stringify(out.files?.map((x) => x.bytes));
        assert.ok(!evidence.includes(ENV.RL_SMTP_PASSWORD) && !evidence.includes(WEBHOOK_SECRET), 'no secret in the evidence files');
        assert.equal((await host.service.get(timeline.incident)).model.state, 'resolved');
      } finally {
        await host.stop();
        await ledger.close();
        await realSmtp.close();
        await realHook.close();
      }
    });
  });
}

passingDrill(sqliteFactory);
passingDrill(pgFactory());

describe('the escalation drill when it cannot pass', () => {
  after(() => sqliteFactory.teardown());

  async function fresh(yaml: (port: number) => string): Promise<{ ledger: LedgerContext; home: string }> {
    const f = await sqliteFactory.create();
    const loc = locationOf(f);
    await initLedger(loc, { origin: 'drill.test/ledger', actor: { kind: 'user', id: 'alice' } });
    // The drill opens its own host here, with the process's environment: no secret references.
    writeFileSync(join(f.home, 'operations.yaml'), yaml(await closedPort()).replace(', username: relay, password: env:RL_SMTP_PASSWORD', ''));
    return { ledger: await openLedger(loc, { write: true }), home: f.home };
  }

  it('the mail sink down: level 1 fails at once with the reason, recorded as failed, the incident still closes (its own operations host)', async () => {
    const { ledger } = await fresh((p) => operationsYaml(p));
    const lines: string[] = [];
    try {
      // No operations host given: the drill opens one over the ledger's home and its operations.yaml.
      const ctx = context(ledger, { escalation: { deadlineSeconds: 2, smtp: { host: '127.0.0.1', port: await closedPort() } } }, lines);
      const out = await runEscalationDrill(ctx);
      const l1 = out.checks.find((c) => c.name === 'level 1 paged by email');
      assert.equal(l1?.ok, false);
      assert.match(l1!.detail, /^delivery failed: (oncall-critical|person:alice): connection refused \(127\.0\.0\.1:\d+: ESOCKET connect ECONNREFUSED/);
      const verdict = judgeDrill(out.measured, ctx.targets, out.checks);
      assert.equal(verdict.passed, false);
      assert.ok(verdict.reasons.some((r) => /level 1 paged by email: delivery failed/.test(r)));
      assert.equal(out.measured.deliverySeconds, undefined);
      const timeline = fileOf(out.files, 'escalation/timeline.json') as Timeline;
      assert.equal(timeline.state, 'resolved');
      const failed = timeline.deliveries.filter((d) => d.state === 'failed');
      assert.ok(failed.length > 0);
      assert.ok(
        failed.every((d) => d.attempts === 1),
        'a drill page is tried once: no retries left behind',
      );
      assert.ok(timeline.deliveries.every((d) => d.state !== 'pending' && d.state !== 'attempted'));
      assert.equal(out.checks.find((c) => c.name === 'incident resolved')?.ok, true);
      const types = (await Promise.all((out.cite ?? []).map((s) => ledger.reader.entry(s)))).map((e) => e!.entry.type);
      assert.ok(types.includes('notification.failed') && types.includes('incident.resolved'), types.join(', '));
    } finally {
      await ledger.close();
    }
  });

  it('a route without an escalation policy is a failed check naming the route, and raises nothing', async () => {
    const { ledger, home } = await fresh((p) => operationsYaml(p).replace('      escalation: sev1\n', ''));
    try {
      const lines: string[] = [];
      const out = await runEscalationDrill(context(ledger, { escalation: { deadlineSeconds: 2 } }, lines));
      assert.equal(out.checks.length, 1);
      assert.equal(out.checks[0]!.ok, false);
      assert.match(out.checks[0]!.detail, /route\.routes\[0\] \(receiver oncall-critical\), which names no escalation policy/);
      const svc = new IncidentService({
        store: ledger.store,
        operations: () => ({ config: parseOk(operationsYaml(1)), digest: 'x', path: join(home, 'operations.yaml') }),
      });
      assert.equal((await svc.incidents.list({})).length, 0);
    } finally {
      await ledger.close();
    }
  });

  it('bad settings are refused with the setting named', async () => {
    const { ledger } = await fresh((p) => operationsYaml(p));
    try {
      await assert.rejects(runEscalationDrill(context(ledger, { escalation: { deadlineSeconds: 0 } }, [])), {
        code: 'INPUT_INVALID',
        message: /deadlineSeconds: expected a number from 1 to 300, got 0/,
      });
      await assert.rejects(runEscalationDrill(context(ledger, { escalation: { labels: { drill: 'x' } } }, [])), {
        code: 'INPUT_INVALID',
        message: /labels\.drill: set by the drill itself/,
      });
      await assert.rejects(runEscalationDrill(context(ledger, { escalation: { mailpit: { url: 'ftp://x', smtp: { host: 'h', port: 1 } } } }, [])), {
        code: 'INPUT_INVALID',
        message: /mailpit\.url: expected http: or https:/,
      });
    } finally {
      await ledger.close();
    }
  });
});

function parseOk(text: string) {
  const r = parseOperationsText(text, 'operations.yaml');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.config;
}

describe('drill incidents are keyed apart', () => {
  after(() => sqliteFactory.teardown());

  it('a real alert with the same group labels opens its own incident and pages; the drill-labelled one stays held back', async () => {
    const f = await sqliteFactory.create();
    const loc = locationOf(f);
    await initLedger(loc, { origin: 'drill.test/ledger', actor: { kind: 'user', id: 'alice' } });
    const ledger = await openLedger(loc, { write: true });
    try {
      const cfg = parseOk(operationsYaml(1));
      const svc = new IncidentService({ store: ledger.store, operations: () => ({ config: cfg, digest: 'x', path: 'operations.yaml' }) });
      const labels = { alertname: 'DiskFull', service: 'db', env: 'prod', severity: 'critical' };
      const at = new Date().toISOString();
      const drill = await svc.receive('am', 'alertmanager', { n: 1 }, [
        { fingerprint: 'a', labels: { ...labels, drill: 'drill-x' }, annotations: {}, startsAt: at, status: 'firing' },
      ]);
      const real = await svc.receive('am', 'alertmanager', { n: 2 }, [{ fingerprint: 'b', labels, annotations: {}, startsAt: at, status: 'firing' }]);
      assert.notEqual(drill.incidents[0], real.incidents[0], 'the real alert did not join the drill’s incident');
      const held = await svc.deliveries.list({ incidentId: drill.incidents[0]! });
      assert.ok(held.length > 0 && held.every((d) => d.state === 'skipped' && d.reason === 'drill'), 'a label alone asks for nothing');
      const paged = await svc.deliveries.list({ incidentId: real.incidents[0]! });
      assert.ok(paged.some((d) => d.state === 'pending'));
    } finally {
      await ledger.close();
    }
  });
});
