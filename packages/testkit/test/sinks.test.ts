// The SMTP and webhook sinks against real clients: nodemailer over SMTP (headers, queue id, AUTH PLAIN,
// error answers for the next N messages) and fetch with Standard Webhooks signatures made by core.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { signWebhook } from '@runledger/core';
import { startSmtpSink, startWebhookSink } from '../src/index.js';

const transport = (port: number, auth?: { user: string; pass: string }) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });

describe('startSmtpSink', () => {
  it('keeps envelope, headers and body, and answers with a queue id', async () => {
    const sink = await startSmtpSink();
    try {
      const info = await transport(sink.port).sendMail({
        from: 'runledger@example.test',
        to: ['oncall@example.test', 'lead@example.test'],
        subject: '[FIRING:1] DiskFull db',
        text: 'Disk almost full on db-1',
        messageId: '<inc-7.triggered@runledger.example.test>',
        headers: { 'X-Runledger-Incident': 'inc-7' },
      });
      const m = await sink.waitFor((x) => x.subject.startsWith('[FIRING'));
      assert.equal(sink.messages.length, 1);
      assert.match(info.response, new RegExp(`^250 OK: queued as ${m.queueId}$`));
      assert.deepEqual(m.envelope, { from: 'runledger@example.test', to: ['oncall@example.test', 'lead@example.test'] });
      assert.equal(m.messageId, '<inc-7.triggered@runledger.example.test>');
      assert.equal(m.headers['message-id'], '<inc-7.triggered@runledger.example.test>');
      assert.equal(m.headers['x-runledger-incident'], 'inc-7');
      assert.equal(m.headers.subject, '[FIRING:1] DiskFull db');
      assert.equal(m.text.trim(), 'Disk almost full on db-1');
      assert.match(m.raw, /^X-Runledger-Incident: inc-7\r$/m);
      assert.equal(m.user, undefined);
    } finally {
      await sink.close();
    }
  });

  it('answers the configured error to the next N messages, then accepts', async () => {
    const sink = await startSmtpSink({ failNext: { count: 2, code: 451, message: 'greylisted, try again' } });
    try {
      const t = transport(sink.port);
      const send = () => t.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 'retry me', text: 'x' });
      for (let i = 0; i < 2; i++) {
        await assert.rejects(send(), (e: Error & { responseCode?: number; response?: string }) => {
          assert.equal(e.responseCode, 451);
          assert.match(e.response ?? '', /greylisted, try again/);
          return true;
        });
      }
      assert.equal(sink.messages.length, 0);
      assert.match((await send()).response, /^250 OK: queued as [0-9A-F]{12}$/);
      assert.equal(sink.messages.length, 1);
      assert.equal(sink.refused(), 2);

      sink.failNext({ count: 1, code: 554 });
      await assert.rejects(send(), (e: Error & { responseCode?: number }) => e.responseCode === 554);
      await send();
      assert.equal(sink.messages.length, 2);
    } finally {
      await sink.close();
    }
  });

  it('can require AUTH PLAIN', async () => {
    const sink = await startSmtpSink({ auth: { user: 'alerts', pass: 'hunter2-but-longer' } });
    try {
      const mail = { from: 'a@example.test', to: 'b@example.test', subject: 'authed', text: 'x' };
      await assert.rejects(
        transport(sink.port, { user: 'alerts', pass: 'wrong' }).sendMail(mail),
        (e: Error & { responseCode?: number }) => e.responseCode === 535,
      );
      await assert.rejects(transport(sink.port).sendMail(mail), /auth/i);
      await transport(sink.port, { user: 'alerts', pass: 'hunter2-but-longer' }).sendMail(mail);
      assert.equal(sink.messages.length, 1);
      assert.equal(sink.messages[0]!.user, 'alerts');
    } finally {
      await sink.close();
    }
  });

  it('waitFor rejects with a count when nothing matches in time', async () => {
    const sink = await startSmtpSink();
    try {
      await assert.rejects(
        sink.waitFor(() => true, 100),
        /no matching SMTP message within 100 ms \(0 arrived/,
      );
    } finally {
      await sink.close();
    }
  });
});

describe('startWebhookSink', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/hooks/runledger`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('checks Standard Webhooks signatures with the secrets it knows', async () => {
    const old = `whsec_${randomBytes(24).toString('base64')}`;
    const sink = await startWebhookSink({ secrets: [secret, old] });
    try {
      const body = JSON.stringify({ incident: 'inc-7', event: 'triggered' });
      const now = Math.floor(Date.now() / 1000);
      await post(sink.url, body, { ...signWebhook([secret], 'msg_1', now, body) });
      await post(sink.url, body, { ...signWebhook([old], 'msg_2', now, body) }); // the rotated-out secret still verifies
      await post(sink.url, body.replace('inc-7', 'inc-8'), { ...signWebhook([secret], 'msg_3', now, body) }); // body changed after signing
      await post(sink.url, body, { ...signWebhook([secret], 'msg_4', now - 3600, body) });
      await post(sink.url, body);
      const r = sink.requests;
      assert.equal(r.length, 5);
      assert.deepEqual(
        r.map((x) => [x.signatureValid, x.signatureReason]),
        [
          [true, undefined],
          [true, undefined],
          [false, 'no_valid_signature'],
          [false, 'too_old'],
          [false, 'missing_headers'],
        ],
      );
      assert.deepEqual(r[0]!.json, { incident: 'inc-7', event: 'triggered' });
      assert.equal(r[0]!.method, 'POST');
      assert.equal(r[0]!.path, '/hooks/runledger');
      assert.equal(r[0]!.headers['webhook-id'], 'msg_1');
      assert.deepEqual(r[2]!.json, { incident: 'inc-8', event: 'triggered' });
    } finally {
      await sink.close();
    }
  });

  it('answers from the queue it is given, then 200; signatureValid is undefined without secrets', async () => {
    const sink = await startWebhookSink();
    try {
      sink.respondWith({ status: 500, body: 'boom' }, { status: 429, headers: { 'retry-after': '1' } }, { status: 400, body: '{"error":"bad"}' });
      const answers: Array<[number, string | null, string]> = [];
      for (let i = 0; i < 4; i++) {
        const res = await post(sink.url, `{"n":${i}}`);
        answers.push([res.status, res.headers.get('retry-after'), await res.text()]);
      }
      assert.deepEqual(answers, [
        [500, null, 'boom'],
        [429, '1', ''],
        [400, null, '{"error":"bad"}'],
        [200, null, '{"ok":true}'],
      ]);
      assert.deepEqual(
        sink.requests.map((r) => [r.status, r.json, r.signatureValid]),
        [
          [500, { n: 0 }, undefined],
          [429, { n: 1 }, undefined],
          [400, { n: 2 }, undefined],
          [200, { n: 3 }, undefined],
        ],
      );
      const late = sink.waitFor((r) => (r.json as { n?: number } | undefined)?.n === 9, 5000);
      await post(sink.url, 'not json');
      await post(sink.url, '{"n":9}');
      assert.equal((await late).status, 200);
      assert.equal(sink.requests[4]!.json, undefined);
      assert.equal(sink.requests[4]!.body, 'not json');
    } finally {
      await sink.close();
    }
  });
});
