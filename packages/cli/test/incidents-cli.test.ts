// The incident commands on a local data directory: incidents seeded through the incident service, then
// listed, shown, acknowledged (twice: the second is refused), resolved, noted, escalated; silences,
// hand-offs, delivery records; `notify test` against in-process SMTP servers (one accepting with
// authentication, one refusing); and every change in the ledger, with no secret anywhere.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { IntakeAlert } from '@runledger/core';
import { IncidentService, loadOperationsConfig, openLedger, type LedgerLocation } from '@runledger/runtime';
import { OpsOutbox } from '@runledger/store';
import { cliRunner } from './helpers.js';

const PASSWORD = 'pw-sekret-7f3a91';

function config(okPort: number, refusePort: number): string {
  return `
receivers:
  - name: mail-ok
    email:
      to: [oncall@example.test]
      from: runledger@example.test
      smtp: { host: 127.0.0.1, port: ${okPort}, username: rl, password: env:TEST_SMTP_PASSWORD }
  - name: mail-refused
    email:
      to: [nobody@example.test]
      from: runledger@example.test
      smtp: { host: 127.0.0.1, port: ${refusePort} }
route:
  receiver: mail-ok
people:
  - name: alice
    email: alice@example.test
  - name: bob
    email: bob@example.test
schedules:
  - name: primary
    timeZone: Europe/Berlin
    layers:
      - name: weekly
        users: [alice, bob]
        start: 2026-01-05T09:00
        every: 7d
incidents:
  ackDeadlines: { SEV-1: 15m, SEV-2: 30m, SEV-3: 4h }
`;
}

function alert(name: string, instance: string, severity: string): IntakeAlert {
  return {
    fingerprint: `${name}-${instance}`,
    labels: { alertname: name, service: 'db', env: 'prod', instance, severity },
    annotations: {},
    startsAt: new Date().toISOString(),
    status: 'firing',
  };
}

function smtpServer(inbox: ParsedMail[], opts: { refuse?: boolean }): SMTPServer {
  return new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: opts.refuse === true,
    onAuth(auth, _s, cb) {
      if (auth.username === 'rl' && auth.password === PASSWORD) cb(null, { user: 'rl' });
      else cb(new Error('bad credentials'));
    },
    onRcptTo(_addr, _s, cb) {
      if (opts.refuse) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
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
}

function listen(s: SMTPServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.server.address() as AddressInfo).port)));
}

describe('runledger incidents, deliveries, silences, handoff, notify test', () => {
  const root = mkdtempSync(join(tmpdir(), 'runledger-incidents-cli-'));
  const home = join(root, 'data');
  const loc: LedgerLocation = { env: { RUNLEDGER_HOME: home }, home };
  const cli = cliRunner(root, home);
  const env = { TEST_SMTP_PASSWORD: PASSWORD };
  const rl = (...args: string[]) => cli(env, ...args);
  const inbox: ParsedMail[] = [];
  const ok = smtpServer(inbox, {});
  const refusing = smtpServer([], { refuse: true });
  let sev1 = '';
  let sev3 = '';
  const everything: string[] = [];
  const run = async (...args: string[]) => {
    const r = await rl(...args);
    everything.push(r.out, r.err);
    return r;
  };

  before(async () => {
    const [okPort, refusePort] = [await listen(ok), await listen(refusing)];
    const init = await rl('init', '--origin', 'incidents-cli.test/ledger');
    assert.equal(init.code, 0, init.err);
    writeFileSync(join(home, 'operations.yaml'), config(okPort, refusePort));
    const loaded = await loadOperationsConfig(join(home, 'operations.yaml'));
    const ctx = await openLedger(loc, { write: false });
    try {
      const svc = new IncidentService({ store: ctx.store, operations: () => loaded });
      const a = await svc.receive('am', 'alertmanager', { n: 1 }, [alert('DiskFull', 'db-1', 'critical'), alert('DiskFull', 'db-2', 'critical')]);
      sev1 = a.incidents[0]!;
      const b = await svc.receive('am', 'alertmanager', { n: 2 }, [alert('SlowQueries', 'db-3', 'warning')]);
      sev3 = b.incidents[0]!;
    } finally {
      await ctx.close();
    }
  });
  after(async () => {
    await new Promise<void>((r) => ok.close(() => r()));
    await new Promise<void>((r) => refusing.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  });

  it('lists open incidents: severity, state, countdown to the deadline, owner, title; --json has the API’s summary shape', async () => {
    const r = await run('incidents');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^SEV\s+STATE\s+DEADLINE\s+OWNER\s+ALERTS\s+ID\s+TITLE$/);
    const one = lines.find((l) => l.includes(sev1))!;
    assert.match(one, /^SEV-1\s+triggered\s+ack in 1[45]m\s+-\s+2\/2\s/);
    assert.match(
      lines.find((l) => l.includes(sev3))!,
      /^SEV-3\s+triggered\s+ack in (3h59m|4h)\s/,
    );

    const j = await run('incidents', 'list', '--json');
    assert.equal(j.code, 0, j.err);
    const rows = JSON.parse(j.out) as Record<string, unknown>[];
    assert.equal(rows.length, 2);
    const s = rows.find((x) => x['id'] === sev1)!;
    for (const k of ['id', 'severity', 'state', 'title', 'alerts', 'ackDueAt', 'owner', 'openedAt']) assert.ok(k in s, `${k} in ${JSON.stringify(s)}`);
    assert.equal(s['severity'], 'SEV-1');
    assert.equal(s['state'], 'triggered');
    assert.deepEqual(s['alerts'], { firing: 2, total: 2 });
    assert.equal(s['owner'], null);

    const bad = await run('incidents', '--state', 'closed');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /runledger: USAGE: --state closed/);
  });

  it('shows one incident by a unique prefix: alerts, timeline, deliveries, pending timers', async () => {
    const r = await run('incidents', 'show', sev1.slice(0, -2));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^SEV-1 TRIGGERED {2}/);
    assert.match(r.out, /ack by {6}\S+Z \(in 1[45]m\)/);
    assert.match(r.out, /alerts \(2 firing of 2\)\n {2}● DiskFull-db-1\s+alertname=DiskFull/);
    assert.match(r.out, /timeline\n {2}\S+Z\s+system\s+\S/);
    assert.match(r.out, /deliveries\n {2}pending\s+0 att\.\s+mail-ok\s+email\s+triggered/);
    assert.match(r.out, /timers\n {2}deadline\s+\S+Z \(in 1[45]m\)/);
    assert.match(r.out, new RegExp(`next: runledger incidents ack ${sev1}`));

    const j = await run('incidents', 'show', sev1, '--json');
    const d = JSON.parse(j.out) as Record<string, unknown>;
    assert.equal(d['id'], sev1);
    assert.equal((d['alertList'] as unknown[]).length, 2);
    assert.ok((d['timeline'] as { text: string }[]).every((t) => typeof t.text === 'string' && t.text.length > 0));
    assert.deepEqual(
      (d['timers'] as { kind: string }[]).map((t) => t.kind),
      ['deadline'],
    );

    const missing = await run('incidents', 'show', 'nope-nope');
    assert.equal(missing.code, 5);
    assert.match(missing.err, /runledger: INCIDENT_NOT_FOUND: /);
  });

  it('acknowledges once; a second acknowledgement is refused with its code and a non-zero exit', async () => {
    const r = await run('incidents', 'ack', sev1);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^acknowledged ${sev1} SEV-1 acknowledged, owner alice: `));
    const again = await run('incidents', 'ack', sev1);
    assert.equal(again.code, 6);
    assert.match(again.err, /^runledger: INCIDENT_ALREADY_ACKNOWLEDGED: incident \S+ was acknowledged by alice at /);
    const list = await run('incidents');
    assert.match(
      list.out.split('\n').find((l) => l.includes(sev1))!,
      /^SEV-1\s+acknowledged\s+acknowledged\s+alice\s/,
    );
  });

  it('resolve needs --reason (usage error); note, severity and escalate go through the incident rules', async () => {
    const noReason = await run('incidents', 'resolve', sev1);
    assert.equal(noReason.code, 2);
    assert.match(noReason.err, /runledger: USAGE: required option '--reason <text>' not specified/);

    const note = await run('incidents', 'note', sev1, 'freed 40 GB on db-1');
    assert.equal(note.code, 0, note.err);
    const res = await run('incidents', 'resolve', sev1, '--reason', 'disk freed', '--json');
    assert.equal(res.code, 0, res.err);
    const d = JSON.parse(res.out) as { state: string; resolved: { by: string; reason: string }; timeline: { text: string }[] };
    assert.equal(d.state, 'resolved');
    assert.deepEqual({ by: d.resolved.by, reason: d.resolved.reason }, { by: 'alice', reason: 'disk freed' });
    assert.ok(d.timeline.some((t) => t.text === 'note by alice: freed 40 GB on db-1'));

    const badSev = await run('incidents', 'severity', sev3, 'SEV-9', '--reason', 'x');
    assert.equal(badSev.code, 2);
    assert.match(badSev.err, /USAGE: severity SEV-9: expected one of SEV-1, SEV-2, SEV-3/);
    const sev = await run('incidents', 'severity', sev3, 'sev-2', '--reason', 'customers notice');
    assert.equal(sev.code, 0, sev.err);
    assert.match(sev.out, new RegExp(`^severity set: ${sev3} SEV-2 triggered`));
    const esc = await run('incidents', 'escalate', sev3);
    assert.equal(esc.code, 0, esc.err);
    assert.match(esc.out, /^escalated /);

    const open = JSON.parse((await run('incidents', '--json')).out) as { id: string }[];
    assert.deepEqual(
      open.map((x) => x.id),
      [sev3],
    );
    const resolved = JSON.parse((await run('incidents', '--state', 'resolved', '--json')).out) as { id: string }[];
    assert.deepEqual(
      resolved.map((x) => x.id),
      [sev1],
    );
    const onResolved = await run('incidents', 'note', sev1, 'late');
    assert.equal(onResolved.code, 0, 'a note on a resolved incident is allowed');
    const ackResolved = await run('incidents', 'ack', sev1);
    assert.equal(ackResolved.code, 6);
    assert.match(ackResolved.err, /INCIDENT_RESOLVED|INCIDENT_ALREADY_ACKNOWLEDGED/);
  });

  it('adds, lists and expires silences; refuses a bad matcher and an ambiguous end', async () => {
    const add = await run(
      'silences',
      'add',
      '--matcher',
      'service="db"',
      '--matcher',
      'env="prod"',
      '--duration',
      '2h',
      '--comment',
      'db maintenance',
      '--json',
    );
    assert.equal(add.code, 0, add.err);
    const s = JSON.parse(add.out) as { id: string; kind: string; matchers: string[]; active: boolean; createdBy: string; endsAt: string };
    assert.deepEqual([s.kind, s.matchers, s.active, s.createdBy], ['silence', ['service="db"', 'env="prod"'], true, 'alice']);
    assert.ok(Math.abs(Date.parse(s.endsAt) - Date.now() - 2 * 3600_000) < 60_000);

    const until = new Date(Date.now() + 3600_000).toISOString();
    const mw = await run('silences', 'add', '--matcher', 'service="api"', '--until', until, '--comment', 'upgrade', '--maintenance');
    assert.equal(mw.code, 0, mw.err);
    assert.match(mw.out, /^maintenance \S+ until \S+ \(in (59m|1h)\): service="api"/);

    const list = await run('silences');
    assert.match(list.out, new RegExp(`${s.id}\\s+silence\\s+active\\s+`));
    assert.equal((JSON.parse((await run('silences', 'list', '--json')).out) as unknown[]).length, 2);

    const exp = await run('silences', 'expire', s.id.slice(0, 8));
    assert.equal(exp.code, 0, exp.err);
    assert.match(exp.out, new RegExp(`^expired silence ${s.id} at `));
    assert.equal((JSON.parse((await run('silences', '--json')).out) as unknown[]).length, 1);
    const all = JSON.parse((await run('silences', '--all', '--json')).out) as { id: string; expiredBy: string | null }[];
    assert.equal(all.find((x) => x.id === s.id)!.expiredBy, 'alice');
    const twice = await run('silences', 'expire', s.id);
    assert.equal(twice.code, 5);

    const badMatcher = await run('silences', 'add', '--matcher', 'service', '--duration', '1h', '--comment', 'x');
    assert.equal(badMatcher.code, 2);
    assert.match(badMatcher.err, /runledger: SILENCE_INVALID: --matcher service: /);
    const both = await run('silences', 'add', '--matcher', 'a="b"', '--duration', '1h', '--until', until, '--comment', 'x');
    assert.equal(both.code, 2);
    assert.match(both.err, /USAGE: silences add: give exactly one of --duration and --until/);
  });

  it('hands off on-call and lists the log; an unknown schedule names the configured ones', async () => {
    const h = await run('handoff', '--schedule', 'primary', '--risks', 'SlowQueries on db-3 still open', '--to', 'bob');
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /^handed off primary to bob at \S+ \(1 open incident\)/);
    const list = JSON.parse((await run('handoff', 'list', '--schedule', 'primary', '--json')).out) as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.deepEqual(
      { by: list[0]!['by'], to: list[0]!['to'], schedule: list[0]!['schedule'], risks: list[0]!['risks'] },
      { by: 'alice', to: 'bob', schedule: 'primary', risks: 'SlowQueries on db-3 still open' },
    );
    const human = await run('handoff', 'list');
    assert.match(human.out, /primary {2}alice → bob\n {4}SlowQueries on db-3 still open/);
    const unknown = await run('handoff', '--schedule', 'secondary', '--risks', 'none');
    assert.equal(unknown.code, 5);
    assert.match(unknown.err, /SCHEDULE_UNKNOWN: no schedule named "secondary"; configured: primary/);
  });

  it('lists delivery records with receiver, state, attempts and reason', async () => {
    const all = JSON.parse((await run('deliveries', '--json')).out) as Record<string, unknown>[];
    assert.ok(all.length >= 2);
    for (const d of all) for (const k of ['receiver', 'state', 'attempts', 'reason']) assert.ok(k in d, `${k} in ${JSON.stringify(d)}`);
    const mine = JSON.parse((await run('deliveries', '--incident', sev1, '--json')).out) as {
      incidentId: string;
      receiver: string;
      state: string;
      event: string;
    }[];
    assert.ok(mine.length >= 1 && mine.every((d) => d.incidentId === sev1));
    assert.deepEqual(
      mine.map((d) => [d.receiver, d.event]),
      [
        ['mail-ok', 'triggered'],
        ['mail-ok', 'resolved'],
      ],
    );
    const human = await run('deliveries', '--state', 'pending');
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /^UPDATED\s+INCIDENT\s+STATE\s+TRIES\s+RECEIVER/);
  });

  it('notify test sends now through the receiver’s SMTP server and records the delivery', async () => {
    const r = await run('notify', 'test', 'mail-ok', '--json');
    assert.equal(r.code, 0, r.err);
    const d = JSON.parse(r.out) as {
      id: string;
      incidentId: string;
      receiver: string;
      state: string;
      attempts: number;
      reason: null;
      detail: Record<string, unknown>;
    };
    assert.deepEqual([d.receiver, d.state, d.attempts, d.reason], ['mail-ok', 'delivered', 1, null]);
    assert.match(d.incidentId, /^test:[0-9a-f-]{36}$/);
    assert.match(String(d.detail['smtp']), /^250 /);
    const mail = inbox.find((m) => m.messageId === d.detail['messageId']);
    assert.ok(mail, `mail with Message-ID ${String(d.detail['messageId'])} arrived (got ${inbox.map((m) => m.messageId).join(', ')})`);
    assert.equal(mail.headers.get('x-runledger-test'), 'true');
    assert.equal(mail.headers.get('x-runledger-delivery'), d.id);
    assert.match(mail.subject ?? '', /\[TEST:0\] Runledger test notification to mail-ok, sent by alice/);
    const stored = (JSON.parse((await run('deliveries', '--json')).out) as { id: string; state: string }[]).find((x) => x.id === d.id);
    assert.equal(stored?.state, 'delivered');

    const human = await run('notify', 'test', 'mail-ok');
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /state {7}delivered\n/);
    assert.match(human.out, /message-id {2}<[^>]+@example\.test>\n/);
  });

  it('notify test against a refusing server: failed, exit 1; an unknown receiver names the configured ones', async () => {
    const r = await run('notify', 'test', 'mail-refused');
    assert.equal(r.code, 1);
    assert.match(r.out, /state {7}failed\n/);
    assert.match(r.out, /reason {6}SMTP 550 /);
    assert.match(r.err, /^runledger: NOTIFICATION_FAILED: the test notification to mail-refused was not delivered: SMTP 550 /);

    const j = await run('notify', 'test', 'mail-refused', '--json');
    assert.equal(j.code, 1);
    const d = JSON.parse(j.out) as { state: string; attempts: number; reason: string };
    assert.deepEqual([d.state, d.attempts], ['failed', 1]);

    const unknown = await run('notify', 'test', 'pager');
    assert.equal(unknown.code, 5);
    assert.match(unknown.err, /RECEIVER_UNKNOWN: no receiver "pager"; configured: mail-ok, mail-refused, person:alice, person:bob/);
  });

  it('the ledger has every change (and no secret), with no server running', async () => {
    const ctx = await openLedger(loc, { write: false });
    try {
      const rows = await ctx.reader.entries(0, 1000);
      const types = rows.map((r) => r.entry.type);
      for (const t of [
        'alert.received',
        'incident.created',
        'incident.acknowledged',
        'incident.note',
        'incident.resolved',
        'incident.severity.changed',
        'incident.escalated',
        'silence.created',
        'silence.expired',
        'oncall.handoff',
        'notification.delivered',
        'notification.failed',
        'operations.config.loaded',
      ])
        assert.ok(types.includes(t), `${t} in the ledger (have ${[...new Set(types)].join(', ')})`);
      const ack = rows.find((r) => r.entry.type === 'incident.acknowledged')!.entry;
      assert.deepEqual(ack.actor, { kind: 'user', id: 'alice' });
      assert.deepEqual(ack.subject, { kind: 'incident', id: sev1 });
      const sil = rows.find((r) => r.entry.type === 'silence.created')!.entry;
      assert.equal(typeof (sil.data as Record<string, unknown>)['osUser'], 'string', 'the OS user beside the claimed actor');
      const delivered = rows.filter((r) => r.entry.type === 'notification.delivered').map((r) => r.entry.data as Record<string, unknown>);
      assert.ok(delivered.some((x) => x['event'] === 'test' && x['receiver'] === 'mail-ok' && typeof x['messageId'] === 'string'));
      for (const r of rows) assert.ok(!Buffer.from(r.bytes).toString('utf8').includes(PASSWORD), `entry ${r.entry.seq} holds no secret`);
      assert.equal(await new OpsOutbox(ctx.store).size(), 0, 'the outbox is empty: everything was appended');
    } finally {
      await ctx.close();
    }
    for (const s of everything) assert.ok(!s.includes(PASSWORD), 'no output holds the SMTP password');
  });
});
