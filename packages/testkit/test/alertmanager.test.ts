// The Alertmanager peer against a real Alertmanager 0.25: what its webhooks carry (version 4, the bearer
// token, grouping, resolves), its retries on 5xx and none on 4xx, its email through the SMTP sink, and
// that the kit leaves no secret on a command line and no process behind. Fails (never skips) without it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { Inbox, startAlertmanager, startSmtpSink, type Alertmanager } from '../src/index.js';

const TOKEN = 'am-test-token-5f1c2b';
const CHILD = fileURLToPath(new URL('./helpers/alertmanager-child.ts', import.meta.url));

interface WebhookBody {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  externalURL: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }>;
}
interface Hit {
  readonly authorization: string | undefined;
  readonly body: WebhookBody;
  readonly status: number;
}

/** A bare receiver: 401 without the bearer token, otherwise the next queued status (then 200). */
function receiver(): { inbox: Inbox<Hit>; statuses: number[]; url: () => string; server: Server } {
  const inbox = new Inbox<Hit>('Alertmanager webhook');
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
      const status = authorized ? (statuses.shift() ?? 200) : 401;
      inbox.push({ authorization: req.headers.authorization, body: JSON.parse(raw) as WebhookBody, status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'boom');
    });
  });
  return { inbox, statuses, server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager` };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startAlertmanager (Alertmanager 0.25)', () => {
  const rx = receiver();
  let am: Alertmanager | undefined;
  before(() => new Promise<void>((r) => rx.server.listen(0, '127.0.0.1', () => r())));
  after(() => new Promise<void>((r) => rx.server.close(() => r())));
  afterEach(async () => {
    await am?.stop();
    am = undefined;
    rx.inbox.items.length = 0;
    rx.statuses.length = 0;
  });

  it('posts a firing alert as a version-4 webhook body with the bearer token, which is on no command line', async () => {
    am = await startAlertmanager({ webhookUrl: rx.url(), bearerToken: TOKEN });
    assert.ok(!readFileSync(`/proc/${am.pid}/cmdline`, 'utf8').includes(TOKEN), 'token on the command line');
    assert.ok(!readFileSync(am.configFile, 'utf8').includes(TOKEN), 'token inline in the config');
    await am.postAlerts([
      {
        labels: { alertname: 'DiskFull', service: 'db', instance: 'db-1:9100', severity: 'critical' },
        annotations: { summary: 'Disk almost full on db-1' },
        generatorURL: 'http://127.0.0.1:9090/graph',
      },
    ]);
    const hit = await rx.inbox.waitFor();
    assert.equal(hit.authorization, `Bearer ${TOKEN}`);
    assert.equal(hit.status, 200);
    const b = hit.body;
    assert.equal(b.version, '4');
    assert.equal(b.status, 'firing');
    assert.equal(b.receiver, 'webhook');
    assert.equal(b.externalURL, am.url);
    assert.deepEqual(b.groupLabels, { alertname: 'DiskFull', service: 'db' });
    assert.equal(b.groupKey, '{}:{alertname="DiskFull", service="db"}');
    assert.equal(b.alerts.length, 1);
    assert.equal(b.alerts[0]!.labels.instance, 'db-1:9100');
    assert.equal(b.alerts[0]!.annotations.summary, 'Disk almost full on db-1');
    assert.equal(b.alerts[0]!.endsAt, '0001-01-01T00:00:00Z');
    assert.match(b.alerts[0]!.fingerprint, /^[0-9a-f]{16}$/);

    const listed = await am.alerts();
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.status.state, 'active');
    assert.equal(listed[0]!.fingerprint, b.alerts[0]!.fingerprint);
  });

  it('groups two alerts with the same group labels into one body (and one with other labels apart)', async () => {
    am = await startAlertmanager({ webhookUrl: rx.url(), bearerToken: TOKEN, groupWaitMs: 600, groupIntervalMs: 5000 });
    // Two separate posts inside group_wait, plus one for another service.
    await am.postAlerts([{ labels: { alertname: 'HighLatency', service: 'api', instance: 'api-1:8080' } }]);
    await sleep(100);
    await am.postAlerts([
      { labels: { alertname: 'HighLatency', service: 'api', instance: 'api-2:8080' } },
      { labels: { alertname: 'HighLatency', service: 'web', instance: 'web-1:80' } },
    ]);
    const api = await rx.inbox.waitFor((h) => h.body.groupLabels.service === 'api');
    assert.deepEqual(api.body.alerts.map((a) => a.labels.instance).sort(), ['api-1:8080', 'api-2:8080']);
    assert.deepEqual(api.body.commonLabels, { alertname: 'HighLatency', service: 'api' });
    const web = await rx.inbox.waitFor((h) => h.body.groupLabels.service === 'web');
    assert.deepEqual(
      web.body.alerts.map((a) => a.labels.instance),
      ['web-1:80'],
    );
    await sleep(1000);
    assert.equal(rx.inbox.items.length, 2, 'one notification per group, not one per alert');
  });

  it('sends a resolve (endsAt in the past) with status resolved', async () => {
    am = await startAlertmanager({ webhookUrl: rx.url(), bearerToken: TOKEN });
    const alert = { labels: { alertname: 'DiskFull', service: 'db', instance: 'db-1:9100' } };
    await am.postAlerts([alert]);
    const firing = await rx.inbox.waitFor((h) => h.body.status === 'firing');
    await am.resolveAlerts([alert]);
    const resolved = await rx.inbox.waitFor((h) => h.body.status === 'resolved');
    assert.equal(resolved.body.alerts.length, 1);
    assert.equal(resolved.body.alerts[0]!.status, 'resolved');
    assert.equal(resolved.body.alerts[0]!.fingerprint, firing.body.alerts[0]!.fingerprint);
    assert.equal(resolved.body.groupKey, firing.body.groupKey);
    assert.ok(Date.parse(resolved.body.alerts[0]!.endsAt) < Date.now());
  });

  it('retries a 5xx answer until the receiver takes it, sending the same body again', async () => {
    rx.statuses.push(500, 500);
    am = await startAlertmanager({ webhookUrl: rx.url(), bearerToken: TOKEN, groupIntervalMs: 5000 });
    await am.postAlerts([{ labels: { alertname: 'Flaky', service: 'hook' } }]);
    await rx.inbox.waitFor((h) => h.status === 200, 15_000);
    assert.deepEqual(
      rx.inbox.items.map((h) => h.status),
      [500, 500, 200],
    );
    const [first, , last] = rx.inbox.items;
    assert.equal(last!.body.groupKey, first!.body.groupKey);
    assert.deepEqual(last!.body.alerts, first!.body.alerts);
    await am.waitForLog(/Notify attempt failed, will retry later.*attempts=1 /);
    await am.waitForLog(/Notify success.*attempts=3/);
  });

  it('does not retry a 4xx answer (here 401: the receiver wants a token Alertmanager was not given)', async () => {
    am = await startAlertmanager({ webhookUrl: rx.url(), groupIntervalMs: 5000 });
    await am.postAlerts([{ labels: { alertname: 'NoToken', service: 'hook' } }]);
    const hit = await rx.inbox.waitFor();
    assert.equal(hit.authorization, undefined);
    assert.equal(hit.status, 401);
    await sleep(2500);
    assert.equal(rx.inbox.items.length, 1, 'a 4xx is not retried');
  });

  it('sends email through the SMTP sink when asked to, with AUTH PLAIN from a password file', async () => {
    const smtp = await startSmtpSink({ auth: { user: 'alertmanager', pass: 'smtp-pass-9d2e' } });
    try {
      am = await startAlertmanager({
        webhookUrl: rx.url(),
        bearerToken: TOKEN,
        email: {
          smarthost: `${smtp.host}:${smtp.port}`,
          from: 'alertmanager@example.test',
          to: 'oncall@example.test',
          auth: { username: 'alertmanager', password: 'smtp-pass-9d2e' },
        },
      });
      assert.ok(!readFileSync(am.configFile, 'utf8').includes('smtp-pass-9d2e'), 'SMTP password inline in the config');
      await am.postAlerts([{ labels: { alertname: 'DiskFull', service: 'db', instance: 'db-1:9100', severity: 'critical' } }]);
      const mail = await smtp.waitFor();
      assert.equal(mail.subject, '[FIRING:1] DiskFull db (db-1:9100 critical)');
      assert.deepEqual(mail.envelope, { from: 'alertmanager@example.test', to: ['oncall@example.test'] });
      assert.equal(mail.headers.to, 'oncall@example.test');
      assert.equal(mail.user, 'alertmanager');
      await rx.inbox.waitFor(); // the webhook receiver got the same group too
    } finally {
      await smtp.close();
    }
  });

  it('stop() ends the process and frees the port; a missing binary is a clear error', async () => {
    am = await startAlertmanager({ webhookUrl: rx.url() });
    const { pid, url } = am;
    assert.ok(alive(pid));
    await am.stop();
    await am.stop(); // twice is fine
    assert.ok(!alive(pid), 'Alertmanager still running after stop()');
    await assert.rejects(fetch(`${url}/-/ready`));
    await assert.rejects(startAlertmanager({ webhookUrl: rx.url(), binary: '/nonexistent/alertmanager' }), /does not exist.*do not skip/s);
  });

  for (const how of ['exit', 'hang'] as const) {
    it(`leaves no Alertmanager behind when the test process ${how === 'exit' ? 'exits without stop()' : 'is SIGKILLed'}`, async () => {
      const child = spawn(process.execPath, [...process.execArgv, CHILD, how], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const deadline = Date.now() + 15_000;
      while (!out.includes('\n') && Date.now() < deadline) await sleep(50);
      const [pidText, dir] = out.trim().split(' ');
      const pid = Number(pidText);
      try {
        assert.ok(pid > 0 && alive(pid), `no Alertmanager pid from the child: ${out}`);
        if (how === 'hang') child.kill('SIGKILL');
        await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
        for (let i = 0; i < 40 && alive(pid); i++) await sleep(50);
        assert.ok(!alive(pid), `Alertmanager ${pid} outlived its parent`);
      } finally {
        child.kill('SIGKILL');
        if (dir) rmSync(dir, { recursive: true, force: true }); // a SIGKILLed parent cannot clean up
      }
    });
  }
});
