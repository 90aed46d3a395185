// Notification channels against real peers on loopback: an SMTP server (smtp-server, with mailparser
// reading what arrived, headers included), and an HTTP receiver that checks Standard Webhooks
// signatures and can answer 500, 429 with Retry-After, or 400.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { judgeAttempt, DEFAULT_RETRY, renderNotification, verifyWebhook } from '@runledger/core';
import { sendChat, sendMail, sendWebhook } from '../src/index.js';

const facts = {
  incidentId: 'inc-7',
  event: 'triggered',
  severity: 'SEV-1',
  state: 'triggered',
  title: 'Disk almost full on db-1',
  openedAt: '2026-12-07T14:45:00.000Z',
  ackDueAt: '2026-12-07T15:00:00.000Z',
  alerts: [{ labels: { alertname: 'DiskFull', service: 'db' }, status: 'firing' }],
  link: 'http://127.0.0.1:7340/incidents/inc-7',
};

describe('email over SMTP', () => {
  const inbox: ParsedMail[] = [];
  let port = 0;
  let reject = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(addr, _s, cb) {
      if (addr.address.startsWith('nobody@')) return cb(Object.assign(new Error('no such user'), { responseCode: 550 }));
      if (reject > 0) {
        reject--;
        return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, _s, cb) {
      simpleParser(stream)
        .then((m) => {
          inbox.push(m);
          cb();
        })
        .catch(cb);
    },
  });
  before(() => new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => ((port = (smtp.server.address() as AddressInfo).port), r()))));
  after(() => new Promise<void>((r) => smtp.close(() => r())));

  it('delivers with our Message-ID and headers; the outcome is the server’s 250 and queue id', async () => {
    const n = renderNotification({ ...facts, drillId: 'drill-3' });
    const r = await sendMail(
      { host: '127.0.0.1', port, secure: false },
      {
        from: 'runledger@example.test',
        to: ['oncall-critical@example.test'],
        subject: n.subject,
        text: n.text,
        headers: { 'X-Runledger-Incident': 'inc-7', 'X-Runledger-Drill': 'drill-3' },
      },
    );
    assert.equal(r.outcome.kind, 'smtp');
    assert.equal(r.outcome.kind === 'smtp' && r.outcome.code, 250);
    assert.deepEqual(judgeAttempt(r.outcome, 1, DEFAULT_RETRY, Date.now(), 0.5), { state: 'delivered' });
    const got = inbox.at(-1)!;
    assert.equal(got.messageId, r.messageId);
    assert.equal(got.subject, '[DRILL drill-3] [SEV-1] [FIRING:1] Disk almost full on db-1 (inc-7)');
    assert.equal(got.headers.get('x-runledger-drill'), 'drill-3');
    assert.match(got.text ?? '', /ack by {5}2026-12-07T15:00:00.000Z/);
    assert.match(got.text ?? '', /open {7}http:\/\/127\.0\.0\.1:7340\/incidents\/inc-7/);
  });

  it('a 4xx reply is retried, a 5xx reply fails, a dead server is a network error', async () => {
    reject = 1;
    const soft = await sendMail({ host: '127.0.0.1', port, secure: false }, { from: 'a@example.test', to: ['x@example.test'], subject: 's', text: 't' });
    assert.equal(judgeAttempt(soft.outcome, 1, DEFAULT_RETRY, Date.now(), 0.5).state, 'attempted');
    const hard = await sendMail({ host: '127.0.0.1', port, secure: false }, { from: 'a@example.test', to: ['nobody@example.test'], subject: 's', text: 't' });
    assert.equal(judgeAttempt(hard.outcome, 1, DEFAULT_RETRY, Date.now(), 0.5).state, 'failed');
    const dead = await sendMail(
      { host: '127.0.0.1', port: 1, secure: false },
      { from: 'a@example.test', to: ['x@example.test'], subject: 's', text: 't' },
      2000,
    );
    assert.equal(dead.outcome.kind, 'network');
  });
});

describe('webhooks and chat', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  let server: Server;
  let base = '';
  let next: { status: number; headers?: Record<string, string> } = { status: 204 };
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string; verdict: ReturnType<typeof verifyWebhook> }> = [];
  before(
    () =>
      new Promise<void>((r) => {
        server = createServer((req, res) => {
          let body = '';
          req.setEncoding('utf8').on('data', (c: string) => (body += c));
          req.on('end', () => {
            const h = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
            seen.push({ url: req.url ?? '', headers: req.headers, body, verdict: verifyWebhook(secret, h, body, Math.floor(Date.now() / 1000)) });
            res.writeHead(next.status, next.headers ?? {}).end();
          });
        });
        server.listen(0, '127.0.0.1', () => ((base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`), r()));
      }),
  );
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('a signed webhook verifies at the receiver; 2xx is delivered', async () => {
    next = { status: 204 };
    assert.throws(
      () => sendWebhook({ url: `${base}/hooks/incidents`, secrets: [secret], id: 'inc-7.triggered', payload: {}, nowMs: Date.now() }),
      /no spaces or dots/,
      'the signer refuses an id that would blur the signed text',
    );
    const ok = await sendWebhook({
      url: `${base}/hooks/incidents`,
      secrets: [secret],
      id: 'inc-7_triggered_oncall',
      payload: renderNotification(facts).json,
      nowMs: Date.now(),
    });
    assert.deepEqual(ok, { kind: 'http', status: 204 });
    const last = seen.at(-1)!;
    assert.deepEqual(last.verdict, { ok: true });
    assert.equal((JSON.parse(last.body) as { incidentId: string }).incidentId, 'inc-7');
  });

  it('500 and 429 (with Retry-After) are retried, 400 fails; a token in the URL never shows in an outcome', async () => {
    next = { status: 500 };
    const o500 = await sendChat({ url: `${base}/services/T000/B000/SECRETTOKEN`, text: 'x' });
    assert.equal(judgeAttempt(o500, 1, DEFAULT_RETRY, Date.now(), 0.5).state, 'attempted');
    next = { status: 429, headers: { 'retry-after': '7' } };
    const o429 = await sendChat({ url: `${base}/x`, text: 'x' });
    const v = judgeAttempt(o429, 1, DEFAULT_RETRY, Date.now(), 0.1);
    assert.equal(v.state === 'attempted' && v.retryInMs, 7000);
    next = { status: 400 };
    assert.equal(judgeAttempt(await sendChat({ url: `${base}/x`, text: 'x' }), 1, DEFAULT_RETRY, Date.now(), 0.5).state, 'failed');
    assert.equal(JSON.parse(seen.at(-1)!.body).text, 'x');
    const dead = await sendChat({ url: 'http://127.0.0.1:1/services/T000/B000/SECRETTOKEN', text: 'x' });
    assert.equal(dead.kind, 'network');
    assert.doesNotMatch(JSON.stringify(dead), /SECRETTOKEN|services/);
  });
});
