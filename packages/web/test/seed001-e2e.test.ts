// Seed 001's incident flow end to end with real peers: Debian's Alertmanager 0.25 posts its webhooks to
// a listening Runledger, which pages through a real SMTP server (an in-process sink). A critical alert
// group becomes one SEV-1 incident, oncall-critical is mailed, the (short) deadline passes and level 2
// is mailed, the on-call acknowledges in the web UI (Debian's Chromium), Alertmanager's resolve
// resolves it and everyone who was paged gets the resolve; the evidence bundle exports and the ledger
// verifies. While Runledger answers 503 after storing, Alertmanager retries and nothing is lost or doubled.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAlertmanager, startSmtpSink, tempDir, until, type Alertmanager, type SmtpSink } from '@runledger/testkit';
import { boot, launchChromium, signIn, type Booted } from './boot.js';

const AM_TOKEN = 'e2e-am-bearer-token-0123456789';

function seed001Config(smtpPort: number): string {
  const smtp = `{ host: 127.0.0.1, port: ${smtpPort} }`;
  const dir = tempDir('runledger-e2e-ops-');
  const file = join(dir, 'operations.yaml');
  writeFileSync(
    file,
    `integrations:
  - name: prometheus
    type: alertmanager
    secret: env:AM_TOKEN
receivers:
  - name: oncall-critical
    email: { to: [oncall-critical@example.test], from: runledger@example.test, smtp: ${smtp} }
  - name: oncall-high
    email: { to: [oncall-high@example.test], from: runledger@example.test, smtp: ${smtp} }
  - name: oncall-standard
    email: { to: [oncall-standard@example.test], from: runledger@example.test, smtp: ${smtp} }
route:
  receiver: oncall-standard
  groupBy: [alertname, service]
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-critical
      escalation: sev1
    - matchers: ['severity="high"']
      receiver: oncall-high
    - matchers: ['severity=~"medium|low"']
      receiver: oncall-standard
people:
  - name: carol
    email: carol@example.test
escalationPolicies:
  - name: sev1
    levels:
      - after: 0m
        targets: [receiver:oncall-critical]
      - after: deadline
        targets: [person:carol]
incidents:
  # Seed 001 says 15 min / 30 min / 4 h; the test shortens SEV-1 to a few seconds.
  ackDeadlines: { SEV-1: 3s, SEV-2: 30m, SEV-3: 4h }
  flapWindow: 5m
`,
  );
  return file;
}

describe('seed 001 end to end: Alertmanager 0.25 → incident → email → escalation → acknowledgement → resolve', () => {
  let b: Booted;
  let am: Alertmanager;
  let smtp: SmtpSink;
  let fault: 'after-store' | undefined;

  before(async () => {
    smtp = await startSmtpSink();
    b = await boot({ operations: { configPath: seed001Config(smtp.port), env: { AM_TOKEN }, pollMs: 100, intakeFault: () => fault } });
    am = await startAlertmanager({
      webhookUrl: `${b.url}api/v1/integrations/alertmanager/prometheus`,
      bearerToken: AM_TOKEN,
      groupBy: ['alertname', 'service'],
      groupWaitMs: 300,
      groupIntervalMs: 500,
      sendResolved: true,
    });
  });
  after(async () => {
    await am?.stop();
    await b?.close();
    await smtp?.close();
  });

  const inject = async (o: { method?: 'GET' | 'POST'; url: string; token?: string; body?: unknown }) => {
    const r = await b.app.fastify.inject({
      method: o.method ?? 'GET',
      url: o.url,
      headers: { authorization: `Bearer ${o.token ?? b.tokens.vera}` },
      ...(o.body !== undefined ? { payload: o.body as object } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: r.statusCode, json: r.json() as any, text: r.body };
  };
  const api = (url: string) => inject({ url });

  it('runs the whole loop and proves it', async () => {
    const labels = (instance: string) => ({ alertname: 'DiskFull', service: 'db', instance, severity: 'critical' });
    await am.postAlerts([
      { labels: labels('db-1:9100'), annotations: { summary: 'Disk almost full on db' } },
      { labels: labels('db-2:9100'), annotations: { summary: 'Disk almost full on db' } },
    ]);

    // One grouped notification with two alerts → one SEV-1 incident.
    const inc = await until('the incident with both alerts', async () => {
      const r = await api('/api/v1/incidents?state=open');
      const i = (r.json.incidents as { id: string; alerts: { total: number }; severity: string }[])[0];
      return i && i.alerts.total === 2 ? i : undefined;
    });
    assert.equal(inc.severity, 'SEV-1');
    const bodies = await b.app.operations.service.intake.bodiesOfIncident(inc.id);
    assert.equal(bodies.length, 1, 'Alertmanager grouped both alerts into one webhook body');
    assert.equal(bodies[0]!.alertCount, 2);

    // Level 1: oncall-critical is mailed, through the real SMTP conversation.
    const first = await smtp.waitFor((m) => m.envelope.to.includes('oncall-critical@example.test'), 15_000);
    assert.match(first.subject, /^\[SEV-1\] \[FIRING:2\] Disk almost full on db/);
    assert.equal(first.headers['x-runledger-incident'], inc.id);

    // The 3 s deadline passes unacknowledged: the deadline is missed and level 2 (carol) is mailed.
    const second = await smtp.waitFor((m) => m.envelope.to.includes('carol@example.test'), 15_000);
    assert.match(second.subject, /ESCALATED/);
    const missed = await api(`/api/v1/incidents/${inc.id}`);
    const types = (missed.json.timeline as { type: string }[]).map((t) => t.type);
    assert.ok(types.includes('deadline.missed'), types.join(' '));
    const deliveries = await until('both deliveries recorded as delivered', async () => {
      const d = await api(`/api/v1/deliveries?incident=${inc.id}`);
      const list = d.json.deliveries as { receiver: string; state: string; detail: { messageId?: string; smtp?: string } }[];
      return list.filter((x) => x.state === 'delivered').length >= 2 ? list : undefined;
    });
    const toCritical = deliveries.find((d) => d.receiver === 'oncall-critical')!;
    assert.equal(toCritical.detail.messageId, first.messageId, 'the record holds the Message-ID the SMTP server got');
    assert.match(toCritical.detail.smtp ?? '', /^250 /);

    // The on-call acknowledges in the web UI.
    const chrome = await launchChromium();
    try {
      const page = await (await chrome.browser.newContext({ baseURL: b.url })).newPage();
      await signIn(page, b.tokens.alice, `/incidents/${inc.id}`);
      await page.locator('[data-testid="incident"][data-state="triggered"]').waitFor();
      await page.getByTestId('incident-ack').click();
      await page.locator('[data-testid="incident"][data-state="acknowledged"]').waitFor();
    } finally {
      await chrome.close();
    }
    const acked = await api(`/api/v1/incidents/${inc.id}`);
    assert.equal(acked.json.state, 'acknowledged');
    assert.equal(acked.json.owner, 'token:alice');

    // Alertmanager resolves both alerts: the incident resolves and everyone who was paged hears it.
    await am.resolveAlerts([{ labels: labels('db-1:9100') }, { labels: labels('db-2:9100') }]);
    await until('the incident to resolve', async () => ((await api(`/api/v1/incidents/${inc.id}`)).json.state === 'resolved' ? true : undefined));
    const resolvedMails = await until('resolve mails to oncall-critical and carol', () => {
      const r = smtp.messages.filter((m) => /RESOLVED/.test(m.subject));
      const to = new Set(r.flatMap((m) => m.envelope.to));
      return to.has('oncall-critical@example.test') && to.has('carol@example.test') ? r : undefined;
    });
    assert.equal(resolvedMails.length, 2);

    // Evidence and the ledger.
    const ev = await b.app.fastify.inject({
      method: 'GET',
      url: `/api/v1/incidents/${inc.id}/evidence`,
      headers: { authorization: `Bearer ${b.tokens.vera}` },
    });
    assert.equal(ev.statusCode, 200);
    await until('the operations outbox to drain', async () => ((await b.app.operations.service.outbox.size()) === 0 ? true : undefined));
    const v = await inject({ method: 'POST', url: '/api/v1/ledger/verify' });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.ok, true, JSON.stringify(v.json));
  });

  it('while Runledger answers 503 after storing, Alertmanager retries, and the alert is stored and attached once', async () => {
    fault = 'after-store';
    const before = (await b.app.operations.service.intake.count()) as number;
    await am.postAlerts([{ labels: { alertname: 'ReplicationLag', service: 'db', instance: 'db-3:9100', severity: 'high' } }]);
    // Alertmanager's retries arrive as duplicates of the stored body.
    await until('two refused deliveries from Alertmanager', async () => {
      const m = await b.app.fastify.inject({ url: '/metrics' });
      const dup = /runledger_alerts_received_total\{integration="prometheus",outcome="duplicate"\} (\d+)/.exec(m.body);
      return dup && Number(dup[1]) >= 2 ? true : undefined;
    });
    fault = undefined;
    const inc = await until('the ReplicationLag incident', async () => {
      const r = await api('/api/v1/incidents?state=open');
      return (r.json.incidents as { id: string; title: string }[]).find((i) => i.title.includes('ReplicationLag'));
    });
    const v = await api(`/api/v1/incidents/${inc.id}`);
    assert.equal(v.json.alerts.total, 1);
    assert.equal((v.json.timeline as { type: string }[]).filter((t) => t.type === 'alert.attached').length, 1, 'attached once');
    assert.equal((await b.app.operations.service.intake.count()) - before, 1, 'stored once');
  });
});
