// The escalation drill reading its mail from Mailpit's API. Mailpit is not installed here, so this is a
// SHAPE test: a small HTTP server answers the documented endpoints (`GET /api/v1/search?query=…` →
// {messages_count, messages[{ID, MessageID, From, To, Subject, Created, Snippet}]}, `GET
// /api/v1/message/{ID}/headers` → {Name: [values]}) from what a real SMTP server (testkit's sink, in
// Mailpit's place on the SMTP side) received. It checks our client's requests and reading, not Mailpit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_DRILL_TARGETS, drillId, judgeDrill } from '@runledger/core';
import { locationOf, sqliteFactory, startSmtpSink, tempDir, type SmtpMessage, type SmtpSink } from '@runledger/testkit';
import { initLedger, mailpitClient, openLedger, OperationsHost, runEscalationDrill } from '../src/index.js';

const USER = 'drill';
const PASS = 'mailpit-ui-password';

/** Title-Case as Mailpit answers header names (`X-Runledger-Drill`). */
const title = (k: string): string => k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());

interface FakeMailpit {
  readonly url: string;
  readonly smtp: SmtpSink;
  readonly requests: { path: string; query: string | null; auth: string | undefined }[];
  close(): Promise<void>;
}

async function startFakeMailpit(): Promise<FakeMailpit> {
  const smtp = await startSmtpSink();
  const requests: FakeMailpit['requests'] = [];
  const ids = new Map<string, SmtpMessage>();
  const idOf = (m: SmtpMessage): string => {
    ids.set(m.queueId, m);
    return m.queueId;
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: u.pathname, query: u.searchParams.get('query'), auth: req.headers.authorization });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`) return send(401, { error: 'unauthorised' });
    if (u.pathname === '/api/v1/search') {
      const m = /^subject:"(.*)"$/.exec(u.searchParams.get('query') ?? '');
      if (!m) return send(400, { error: 'bad query' });
      const found = smtp.messages.filter((x) => x.subject.includes(m[1]!));
      return send(200, {
        total: smtp.messages.length,
        unread: found.length,
        count: found.length,
        messages_count: found.length,
        start: 0,
        tags: [],
        messages: found.map((x) => ({
          ID: idOf(x),
          MessageID: x.messageId,
          Read: false,
          From: { Name: '', Address: x.envelope.from },
          To: x.envelope.to.map((a) => ({ Name: '', Address: a })),
          Cc: null,
          Bcc: null,
          ReplyTo: [],
          Subject: x.subject,
          Created: new Date(x.at).toISOString(),
          Tags: [],
          Size: x.raw.length,
          Attachments: 0,
          Snippet: x.text.slice(0, 50),
        })),
      });
    }
    const h = /^\/api\/v1\/message\/([^/]+)\/headers$/.exec(u.pathname);
    if (h) {
      const msg = ids.get(decodeURIComponent(h[1]!));
      if (!msg) return send(404, { error: 'not found' });
      return send(200, Object.fromEntries(Object.entries(msg.headers).map(([k, v]) => [title(k), v.split('\n')])));
    }
    send(404, { error: 'no such endpoint' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${USER}:${PASS}@127.0.0.1:${port}/`,
    smtp,
    requests,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await smtp.close();
    },
  };
}

describe('the escalation drill with Mailpit (shape test against the documented API)', () => {
  let mp: FakeMailpit;
  before(async () => {
    mp = await startFakeMailpit();
  });
  after(async () => {
    await mp.close();
    await sqliteFactory.teardown();
  });

  it('the client searches by subject, reads headers, sends credentials as Basic auth and never shows them', async () => {
    const client = mailpitClient(new URL(mp.url));
    assert.equal(client.shown.includes(PASS), false);
    assert.deepEqual(await client.search('subject:"[DRILL none]"'), []);
    assert.equal(mp.requests.at(-1)!.query, 'subject:"[DRILL none]"');
    const anonymous = mailpitClient(new URL(mp.url.replace(`${USER}:${PASS}@`, '')));
    await assert.rejects(anonymous.search('subject:"x"'), /Mailpit http:\/\/127\.0\.0\.1:\d+\/api\/v1\/search: HTTP 401/);
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const closed = mailpitClient(new URL(`http://127.0.0.1:${port}/`));
    await assert.rejects(closed.search('subject:"x"'), /ECONNREFUSED/);
  });

  it('passes a drill whose mail is read from Mailpit: level 1, level 2 after the deadline, marks checked from its headers', async () => {
    const f = await sqliteFactory.create();
    const loc = locationOf(f);
    await initLedger(loc, { origin: 'drill.test/ledger', actor: { kind: 'user', id: 'alice' } });
    const ledger = await openLedger(loc, { write: true });
    const file = join(f.home, 'operations.yaml');
    writeFileSync(
      file,
      `
receivers:
  - name: oncall-critical
    email: { to: [oncall-critical@example.test], from: runledger@example.test, smtp: { host: 127.0.0.1, port: 1 } }
route:
  receiver: oncall-critical
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-critical
      escalation: sev1
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
`,
    );
    const host = await OperationsHost.open({ store: ledger.store, append: (d) => ledger.writer!.append(d), configPath: file, env: {} });
    await host.start();
    const lines: string[] = [];
    try {
      const id = drillId(new Date(), randomBytes(3).toString('hex'));
      const out = await runEscalationDrill({
        id,
        actor: { kind: 'user', id: 'alice' },
        ledger,
        scratch: tempDir('runledger-drill-'),
        targets: DEFAULT_DRILL_TARGETS,
        log: (l) => lines.push(l),
        now: () => new Date(),
        operations: host,
        escalation: { deadlineSeconds: 2, mailpit: { url: mp.url, smtp: { host: mp.smtp.host, port: mp.smtp.port } } },
      });
      assert.deepEqual(
        out.checks.filter((c) => !c.ok),
        [],
        lines.join('\n'),
      );
      assert.equal(judgeDrill(out.measured, DEFAULT_DRILL_TARGETS, out.checks).passed, true);
      assert.ok(out.measured.escalationSeconds! >= 0);
      assert.ok(mp.smtp.messages.some((m) => m.envelope.to.includes('carol@example.test') && m.headers['x-runledger-drill'] === id));
      assert.ok(
        mp.requests.some((r) => r.path === '/api/v1/search' && r.query === `subject:"[DRILL ${id}]"`),
        'searched by the drill’s subject mark',
      );
      assert.ok(mp.requests.some((r) => /^\/api\/v1\/message\/[^/]+\/headers$/.test(r.path)));
      const evidence = JSON.stringify(out.files?.map((x) => x.bytes)) + lines.join('\n');
      assert.equal(evidence.includes(PASS), false, 'the Mailpit password is in no evidence file and no log line');
      assert.match(evidence, /Mailpit at http:\/\/127\.0\.0\.1:\d+\//);
    } finally {
      await host.stop();
      await ledger.close();
    }
  });
});
