// The operations file from the command line, offline: `config check` (a summary, or every problem
// located), `routes test` (seed 001's routes: where an alert goes, its severity and incident key) and
// `oncall` (now/next and the coming shifts, a Europe/Berlin weekly rotation across the spring DST change).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliRunner, fileIn } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-opscli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'data');
mkdirSync(home);
const rl = cliRunner(root, home);

const EXAMPLE_URL = new URL('../../../examples/operations/operations.yaml', import.meta.url);
const EXAMPLE = readFileSync(EXAMPLE_URL, 'utf8');
const example = fileIn(root, 'seed001.yaml', EXAMPLE);

// Monday 23 March 2026 09:00 Berlin (CET, +01:00); clocks go forward on Sunday 29 March (last Sunday of March).
const DST = fileIn(
  root,
  'dst.yaml',
  `receivers:
  - name: team
    chat: { url: "https://chat.example.test/hook" }
route:
  receiver: team
people:
  - name: alice
  - name: bob
  - name: carol
schedules:
  - name: primary
    timeZone: Europe/Berlin
    layers:
      - name: weekly
        users: [alice, bob]
        start: 2026-03-23T09:00
        every: 1w
    overrides:
      - user: carol
        from: 2026-04-01T10:00:00+02:00
        to: 2026-04-01T14:00:00+02:00
  - name: later
    timeZone: UTC
    layers:
      - name: daily
        users: [carol]
        start: 2026-04-01T00:00
        every: 1d
`,
);

interface RouteOut {
  path: string;
  receiver: string;
  groupBy: string[];
  escalation: string | null;
  runbook: string | null;
  matchers: string[];
  incidentKey: string;
}
interface RoutesOut {
  labels: Record<string, string>;
  severity: { severity: string; from: string; ackDeadline: string };
  routes: RouteOut[];
}
interface Zoned {
  utc: string;
  local: string;
}
interface ShiftOut {
  user: string | null;
  source: string | null;
  from: Zoned;
  to: Zoned | null;
}

describe('runledger config check', () => {
  it('summarises seed 001’s file: counts, names, digest, deadlines; secret references without values', async () => {
    const r = await rl({ RUNLEDGER_AM_TOKEN: 'am-token-value-0123456789' }, 'config', 'check', '--config', example);
    assert.equal(r.code, 0, r.err);
    const digest = `sha256:${createHash('sha256').update(readFileSync(example)).digest('hex')}`;
    assert.match(r.out, new RegExp(`^digest +${digest}$`, 'm'));
    assert.match(r.out, /^integrations +3 +prometheus \(alertmanager\), deploy-pipeline \(events\), probes \(internal\)$/m);
    assert.match(
      r.out,
      /^receivers +4 +oncall-critical \(email\), oncall-high \(email\), oncall-standard \(email\), incident-webhook \(webhook, 2 secrets\)$/m,
    );
    assert.match(r.out, /^routes +5 +the root and 4 below it$/m);
    assert.match(r.out, /^schedules +1 +primary \(Europe\/Berlin, 1 layer\)$/m);
    assert.match(r.out, /^escalation policies 1 +sev1 \(2 levels, repeat 1\)$/m);
    assert.match(r.out, /acknowledge SEV-1 within 15m, SEV-2 within 30m, SEV-3 within 4h; flap window 5m/);
    assert.match(r.out, /env:RUNLEDGER_AM_TOKEN +\$\.integrations\[0\]\.secret +resolves here/);
    assert.match(r.out, /env:RUNLEDGER_WEBHOOK_SECRET +\$\.receivers\[3\]\.webhook\.secret +does NOT resolve here: the environment variable/);
    assert.ok(!r.out.includes('am-token-value') && !r.err.includes('am-token-value'), 'a secret value is never printed');
    assert.match(r.out, /\nok\n$/);

    const j = await rl({}, 'config', 'check', '--config', example, '--json');
    assert.equal(j.code, 0);
    const s = JSON.parse(j.out) as {
      ok: boolean;
      digest: string;
      routes: number;
      receivers: Array<{ name: string }>;
      secrets: Array<{ ref: string; resolves: boolean }>;
    };
    assert.equal(s.ok, true);
    assert.equal(s.digest, digest);
    assert.equal(s.routes, 5);
    assert.deepEqual(
      s.receivers.map((x) => x.name),
      ['oncall-critical', 'oncall-high', 'oncall-standard', 'incident-webhook'],
    );
    assert.equal(s.secrets.length, 4);
    assert.ok(s.secrets.every((x) => !x.resolves));
  });

  it('lists every problem as file:line:col: $.path: message and exits 9 (CONFIG); --json puts them on stdout', async () => {
    const bad = fileIn(root, 'bad.yaml', EXAMPLE.replace('SEV-2: 30m', 'SEV-2: soon').replace('flapWindow: 5m', 'flapWindow: 5m\n  flapWindo: 5m'));
    const r = await rl({}, 'config', 'check', '--config', bad);
    assert.equal(r.code, 9);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines[0], `runledger: OPERATIONS_CONFIG_INVALID: invalid operations file ${bad}:`);
    assert.deepEqual(lines.slice(1), [
      `${bad}:82:14: $.incidents.flapWindo: unknown key (expected ackDeadlines, flapWindow, retriggerAfterAck)`,
      `${bad}:80:38: $.incidents.ackDeadlines.SEV-2: must be a duration such as 30s, 15m, 4h, 1h30m, 7d or 1w`,
    ]);
    const j = await rl({}, 'config', 'check', '--config', bad, '--json');
    assert.equal(j.code, 9);
    const p = JSON.parse(j.out) as { ok: boolean; problems: Array<{ file: string; line: number; column: number; path: string }> };
    assert.equal(p.ok, false);
    assert.deepEqual(
      p.problems.map((x) => [x.file, x.line, x.column, x.path]),
      [
        [bad, 82, 14, '$.incidents.flapWindo'],
        [bad, 80, 38, '$.incidents.ackDeadlines.SEV-2'],
      ],
    );
  });

  it('never echoes a secret written as a value', async () => {
    const bad = fileIn(root, 'literal.yaml', EXAMPLE.replace('secret: env:RUNLEDGER_AM_TOKEN', 'secret: literal-token-9f8e7d6c'));
    const r = await rl({}, 'config', 'check', '--config', bad);
    assert.equal(r.code, 9);
    assert.match(r.err, /:9:13: \$\.integrations\[0\]\.secret: a secret is a reference/);
    assert.ok(!r.err.includes('literal-token') && !r.out.includes('literal-token'));
  });

  it('finds the file through RUNLEDGER_CONFIG and <data dir>/operations.yaml; --config wins', async () => {
    assert.match((await rl({ RUNLEDGER_CONFIG: DST }, 'config', 'check')).out, /^receivers +1 +team \(chat\)$/m);
    assert.match((await rl({ RUNLEDGER_CONFIG: DST }, 'config', 'check', '--config', example)).out, /^receivers +4 /m);
    const none = await rl({}, 'config', 'check');
    assert.equal(none.code, 0, 'no file in the data directory is not an error: nothing is configured');
    assert.match(none.out, new RegExp(`^no operations file at ${join(home, 'operations.yaml')}`));
    copyFileSync(example, join(home, 'operations.yaml'));
    try {
      assert.match((await rl({}, 'config', 'check')).out, /^routes +5 /m);
      assert.match((await rl({}, '--data-dir', root, 'config', 'check')).out, /^no operations file at /, '--data-dir moves the default');
    } finally {
      rmSync(join(home, 'operations.yaml'));
    }
    const named = await rl({}, 'config', 'check', '--config', 'missing.yaml');
    assert.equal(named.code, 2, 'a file someone named must exist');
    assert.match(named.err, /^runledger: INPUT_INVALID: --config missing\.yaml: no such file/);
    const env = await rl({ RUNLEDGER_CONFIG: 'gone.yaml' }, 'config', 'check');
    assert.match(env.err, /RUNLEDGER_CONFIG=gone\.yaml: no such file/);
  });
});

describe('runledger routes test', () => {
  const routes = async (...labels: string[]): Promise<RoutesOut> => {
    const r = await rl({}, 'routes', 'test', ...labels, '--config', example, '--json');
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as RoutesOut;
  };

  it('seed 001: severity=critical → oncall-critical with escalation sev1, and on (continue) to incident-webhook', async () => {
    const r = await routes('alertname=NonceReplayBurst', 'severity=critical', 'service=pqmsg', 'env=prod');
    assert.deepEqual(r.severity, { severity: 'SEV-1', from: 'severity=critical', ackDeadline: '15m' });
    assert.deepEqual(r.routes, [
      {
        path: 'route.routes[0]',
        receiver: 'oncall-critical',
        groupBy: ['alertname', 'service', 'env'],
        escalation: 'sev1',
        runbook: null,
        matchers: ['severity="critical"'],
        incidentKey: 'alertname="NonceReplayBurst",service="pqmsg",env="prod"',
      },
      {
        path: 'route.routes[1]',
        receiver: 'incident-webhook',
        groupBy: ['alertname', 'service', 'env'],
        escalation: null,
        runbook: null,
        matchers: ['severity="critical"'],
        incidentKey: 'alertname="NonceReplayBurst",service="pqmsg",env="prod"',
      },
    ]);
  });

  it('seed 001: severity=high → oncall-high (SEV-2, 30m); severity=low and medium → oncall-standard (SEV-3, 4h)', async () => {
    const high = await routes('severity=high', 'alertname=AuthRejectSpike');
    assert.deepEqual(
      high.routes.map((x) => [x.path, x.receiver, x.matchers]),
      [['route.routes[2]', 'oncall-high', ['severity="high"']]],
    );
    assert.deepEqual([high.severity.severity, high.severity.ackDeadline], ['SEV-2', '30m']);
    for (const sev of ['low', 'medium']) {
      const r = await routes(`severity=${sev}`);
      assert.deepEqual(
        r.routes.map((x) => [x.path, x.receiver, x.matchers]),
        [['route.routes[3]', 'oncall-standard', ['severity=~"medium|low"']]],
      );
      assert.deepEqual([r.severity.severity, r.severity.ackDeadline], ['SEV-3', '4h']);
    }
  });

  it('no matching child: the root route, with the default severity; a sev label wins over severity', async () => {
    const r = await routes('alertname=Unlabelled');
    assert.deepEqual(
      r.routes.map((x) => [x.path, x.receiver, x.matchers, x.incidentKey]),
      [['route', 'oncall-standard', [], 'alertname="Unlabelled",service="",env=""']],
    );
    assert.deepEqual(r.severity, { severity: 'SEV-3', from: 'default', ackDeadline: '4h' });
    assert.equal((await routes('severity=low', 'sev=1')).severity.severity, 'SEV-1');
  });

  it('prints each route with its matchers, groupBy, incident key, escalation and runbook', async () => {
    const r = await rl({}, 'routes', 'test', 'severity=critical', 'alertname=DiskFull', '--config', example);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^severity +SEV-1 \(from severity=critical\); acknowledge within 15m$/m);
    assert.match(r.out, /^routes +2 \(through continue\)$/m);
    assert.match(
      r.out,
      / {2}route\.routes\[0\] → oncall-critical\n +matched +severity="critical"\n +groupBy +alertname, service, env\n +incident key +alertname="DiskFull",service="",env=""\n +escalation +sev1\n +runbook +-\n/,
    );
    assert.match(r.out, / {2}route\.routes\[1\] → incident-webhook\n/);
  });

  it('a malformed key=value is refused naming the argument; values may hold = and be empty', async () => {
    for (const bad of ['severity', '=critical', '1sev=x', 'se-v=x']) {
      const r = await rl({}, 'routes', 'test', 'alertname=X', bad, '--config', example);
      assert.equal(r.code, 2, bad);
      assert.equal(r.out, '');
      assert.ok(r.err.startsWith(`runledger: INPUT_INVALID: label argument ${JSON.stringify(bad)}: expected key=value`), r.err);
    }
    const twice = await rl({}, 'routes', 'test', 'env=a', 'env=b', '--config', example);
    assert.match(twice.err, /label argument "env=b": env is given twice/);
    const r = await routes('alertname=a=b', 'env=');
    assert.deepEqual(r.labels, { alertname: 'a=b', env: '' });
    const odd = await routes('constructor=x', 'severity=high');
    assert.deepEqual(
      [odd.labels, odd.routes[0]!.receiver],
      [{ constructor: 'x', severity: 'high' }, 'oncall-high'],
      'a label may be named like an Object property',
    );
  });

  it('needs an operations file', async () => {
    const r = await rl({}, 'routes', 'test', 'severity=critical');
    assert.equal(r.code, 2);
    assert.match(r.err, /no operations file at .*operations\.yaml/);
  });
});

describe('runledger oncall', () => {
  it('now: who is on call and who is next, hand-offs in the schedule’s zone and in UTC across the DST change', async () => {
    const r = await rl({}, 'oncall', '--config', DST, '--at', '2026-03-27T12:00:00Z', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { at: string; schedules: Array<{ name: string; timeZone: string; now: ShiftOut | null; next: ShiftOut | null }> };
    assert.equal(j.at, '2026-03-27T12:00:00Z');
    const [primary, later] = j.schedules;
    assert.deepEqual(primary, {
      name: 'primary',
      timeZone: 'Europe/Berlin',
      now: {
        user: 'alice',
        source: 'weekly',
        from: { utc: '2026-03-23T08:00:00Z', local: '2026-03-23T09:00:00+01:00' },
        // Still 09:00 local, an hour earlier in UTC: the hand-off keeps its wall-clock time.
        to: { utc: '2026-03-30T07:00:00Z', local: '2026-03-30T09:00:00+02:00' },
      },
      next: {
        user: 'bob',
        source: 'weekly',
        from: { utc: '2026-03-30T07:00:00Z', local: '2026-03-30T09:00:00+02:00' },
        to: { utc: '2026-04-01T08:00:00Z', local: '2026-04-01T10:00:00+02:00' },
      },
    });
    assert.equal(later!.now, null, 'nobody before the first shift');
    assert.deepEqual([later!.next!.user, later!.next!.from.utc], ['carol', '2026-04-01T00:00:00Z']);

    const t = await rl({}, 'oncall', 'now', '--config', DST, '--at', '2026-03-27T12:00:00Z', '--schedule', 'primary');
    assert.equal(t.code, 0, t.err);
    assert.match(
      t.out,
      /^ {2}now +alice +since Mon 2026-03-23 09:00 \+01:00 \(2026-03-23T08:00:00Z\) +until Mon 2026-03-30 09:00 \+02:00 \(2026-03-30T07:00:00Z\) +\[weekly\]$/m,
    );
    assert.match(t.out, /^ {2}next +bob +from +Mon 2026-03-30 09:00 \+02:00 \(2026-03-30T07:00:00Z\)/m);
    assert.doesNotMatch(t.out, /later/, '--schedule shows only that one');
  });

  it('schedule: the shifts over the next N days, the week across the spring change an hour short, overrides included', async () => {
    const r = await rl({}, 'oncall', 'schedule', '--schedule', 'primary', '--config', DST, '--at', '2026-03-23T08:00:00Z', '--days', '21', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { from: string; to: string; days: number; schedules: Array<{ name: string; shifts: ShiftOut[] }> };
    assert.deepEqual([j.from, j.to, j.days], ['2026-03-23T08:00:00Z', '2026-04-13T08:00:00Z', 21]);
    const shifts = j.schedules[0]!.shifts.map((s) => [s.user, s.source, s.from.local, s.to!.local]);
    assert.deepEqual(shifts, [
      ['alice', 'weekly', '2026-03-23T09:00:00+01:00', '2026-03-30T09:00:00+02:00'],
      ['bob', 'weekly', '2026-03-30T09:00:00+02:00', '2026-04-01T10:00:00+02:00'],
      ['carol', 'override', '2026-04-01T10:00:00+02:00', '2026-04-01T14:00:00+02:00'],
      ['bob', 'weekly', '2026-04-01T14:00:00+02:00', '2026-04-06T09:00:00+02:00'],
      ['alice', 'weekly', '2026-04-06T09:00:00+02:00', '2026-04-13T09:00:00+02:00'],
      ['bob', 'weekly', '2026-04-13T09:00:00+02:00', '2026-04-20T09:00:00+02:00'],
    ]);
    const first = j.schedules[0]!.shifts[0]!;
    assert.equal(Date.parse(first.to!.utc) - Date.parse(first.from.utc), (7 * 24 - 1) * 3_600_000);

    const t = await rl({}, 'oncall', 'schedule', '--config', DST, '--at', '2026-03-30T00:00:00Z', '--days', '2');
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^primary \(Europe\/Berlin\): 2 days from Mon 2026-03-30 02:00 \+02:00 \(2026-03-30T00:00:00Z\)$/m);
    assert.match(
      t.out,
      /^ {2}bob +Mon 2026-03-30 09:00 \+02:00 \(2026-03-30T07:00:00Z\) {2}→ {2}Wed 2026-04-01 10:00 \+02:00 \(2026-04-01T08:00:00Z\) {2}\[weekly\]$/m,
    );
    assert.match(t.out, /^later \(UTC\): 2 days from/m);
    assert.match(t.out, /^ {2}\(nobody\) +Mon 2026-03-30 00:00 \+00:00 \(2026-03-30T00:00:00Z\) {2}→ {2}Wed 2026-04-01 00:00 \+00:00/m);
  });

  it('the example’s schedule: nobody before its first hand-off, then alice from Monday 7 December 09:00 Berlin', async () => {
    const r = await rl({}, 'oncall', '--config', example, '--at', '2026-12-01T00:00:00Z', '--json');
    const j = JSON.parse(r.out) as { schedules: Array<{ now: ShiftOut | null; next: ShiftOut | null }> };
    assert.equal(j.schedules[0]!.now, null);
    assert.deepEqual([j.schedules[0]!.next!.user, j.schedules[0]!.next!.from.local], ['alice', '2026-12-07T09:00:00+01:00']);
  });

  it('refuses an unknown view, schedule, a time without offset, --days out of range or with now', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['oncall', 'later'], 2, /USAGE: oncall "later": expected now or schedule/],
      [['oncall', '--schedule', 'nights'], 2, /INPUT_INVALID: --schedule nights: no such schedule in .* \(schedules: primary, later\)/],
      [['oncall', '--at', '2026-03-27T12:00'], 2, /INPUT_INVALID: --at "2026-03-27T12:00": expected an RFC 3339 time with its offset/],
      [['oncall', 'schedule', '--days', '0'], 2, /--days 0: expected a positive integer/],
      [['oncall', 'schedule', '--days', '400'], 2, /--days 400: at most 366/],
      [['oncall', 'now', '--days', '3'], 2, /--days: only with `oncall schedule`/],
    ];
    for (const [args, code, re] of cases) {
      const r = await rl({}, ...args, '--config', DST);
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.err, re);
    }
  });
});
