// Incident rules on a fake clock: severity from labels, grouping keys, deadlines that fire exactly at
// their time and never after an acknowledgement, escalation chains with repeats, auto-resolve only
// when every alert has resolved, reopen inside the flap window, re-trigger after a long acknowledgement,
// and a replay of the stored facts that rebuilds the same model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyFact,
  decideIncident,
  DEFAULT_RULES,
  highestSeverity,
  incidentKey,
  IncidentRuleError,
  nextEscalation,
  openIncident,
  replayIncident,
  routeAlert,
  severityOfLabels,
  type AlertSnapshot,
  type IncidentDecision,
  type IncidentFact,
  type IncidentInput,
  type IncidentModel,
  type IncidentRules,
} from '@runledger/core';

const T = (hhmmss: string): string => `2026-12-07T${hhmmss}.000Z`;
const alert = (fp: string, labels: Record<string, string>): AlertSnapshot => ({
  fingerprint: fp,
  labels,
  annotations: { summary: `${labels['alertname']} on ${labels['service']}` },
  startsAt: T('14:45:00'),
});
const MIN = 60_000;
const SEED001: IncidentRules = {
  ...DEFAULT_RULES,
  escalation: {
    name: 'seed-001',
    repeat: 0,
    levels: [
      { after: 0, targets: ['oncall-critical'] },
      { after: 'deadline', targets: ['oncall-lead'] },
    ],
  },
};

/** Drives one incident through inputs, keeping every fact (as the store would) and the commands. */
function drive(
  rules: IncidentRules,
  first: AlertSnapshot,
  at: string,
): { m: () => IncidentModel; facts: IncidentFact[]; step: (i: IncidentInput) => IncidentDecision } {
  const facts: IncidentFact[] = [];
  let m: IncidentModel | undefined;
  const keep = (d: IncidentDecision): IncidentDecision => {
    for (const f of d.facts) {
      facts.push(f);
      m = applyFact(m, f);
    }
    return d;
  };
  keep(openIncident('inc-1', incidentKey(first.labels), { at, alert: first }, rules));
  return { m: () => m!, facts, step: (i) => keep(decideIncident(m!, i, rules)) };
}

describe('severity and grouping', () => {
  it('maps severity labels by one table; an explicit sev label wins; unknown falls back', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ severity: 'critical' }, 'SEV-1'],
      [{ severity: 'page' }, 'SEV-1'],
      [{ severity: 'error' }, 'SEV-2'],
      [{ severity: 'High' }, 'SEV-2'],
      [{ severity: 'major' }, 'SEV-2'],
      [{ severity: 'warning' }, 'SEV-3'],
      [{ severity: 'minor' }, 'SEV-3'],
      [{ severity: 'info' }, 'SEV-3'],
      [{ severity: 'low' }, 'SEV-3'],
      [{ severity: 'warning', sev: '1' }, 'SEV-1'],
      [{ severity: 'critical', sev: 'SEV-3' }, 'SEV-3'],
      [{ severity: 'critical', sev: 'bogus' }, 'SEV-1'],
      [{ severity: 'whatever' }, 'SEV-3'],
      [{}, 'SEV-3'],
    ];
    for (const [labels, want] of cases) assert.equal(severityOfLabels(labels).severity, want, JSON.stringify(labels));
    assert.equal(severityOfLabels({ severity: 'critical', sev: '2' }).from, 'sev=2');
    assert.equal(highestSeverity(['SEV-3', 'SEV-1', 'SEV-2']), 'SEV-1');
  });

  it('keys incidents on the grouping labels in order, missing labels empty, values unable to forge a separator', () => {
    assert.equal(incidentKey({ alertname: 'DiskFull', service: 'db', instance: 'db-1' }), 'alertname="DiskFull",service="db",env=""');
    assert.equal(
      incidentKey({ service: 'db', alertname: 'DiskFull', instance: 'db-2' }),
      incidentKey({ alertname: 'DiskFull', service: 'db', instance: 'db-1' }),
      'other labels do not split an incident',
    );
    assert.notEqual(incidentKey({ alertname: 'x",service="y' }), incidentKey({ alertname: 'x', service: 'y' }));
    assert.equal(incidentKey({ a: '1', b: '2' }, ['b', 'a']), 'b="2",a="1"');
  });
});

describe('deadlines and escalation (seed 001: SEV-1 acknowledged within 15 min)', () => {
  it('pages level 1 at once, misses the deadline and escalates to level 2 at 15:00, not at 14:59', () => {
    const inc = drive(SEED001, alert('fp1', { alertname: 'DiskFull', service: 'db', severity: 'critical' }), T('14:45:00'));
    const opened = inc.facts.map((f) => f.type);
    assert.deepEqual(opened, ['incident.created', 'alert.attached', 'timer.set', 'escalated', 'timer.set']);
    assert.equal(inc.m().severity, 'SEV-1');
    assert.equal(inc.m().ackDueAt, T('15:00:00'));
    assert.deepEqual(inc.m().timers.escalation, { at: T('15:00:00'), loop: 0, level: 1 });
    // A timer for another time is not this incident's: nothing happens at 14:59.
    const early = inc.step({ type: 'timer', at: T('14:59:00'), kind: 'escalation', due: T('14:59:00') });
    assert.match(early.ignored ?? '', /stale/);
    assert.equal(early.facts.length, 0);
    const missed = inc.step({ type: 'timer', at: T('15:00:00'), kind: 'deadline', due: T('15:00:00') });
    assert.deepEqual(
      missed.facts.map((f) => f.type),
      ['deadline.missed'],
    );
    const esc = inc.step({ type: 'timer', at: T('15:00:00'), kind: 'escalation', due: T('15:00:00') });
    assert.deepEqual(
      esc.facts.map((f) => f.type),
      ['escalated'],
    );
    assert.deepEqual(esc.commands, [{ type: 'notify', event: 'escalated', targets: ['oncall-lead'] }]);
    // Fired once: the same timer again is stale.
    assert.match(inc.step({ type: 'timer', at: T('15:00:01'), kind: 'escalation', due: T('15:00:00') }).ignored ?? '', /stale/);
  });

  it('an acknowledgement at 14:59 cancels the deadline and the escalation; their timers are stale at 15:00', () => {
    const inc = drive(SEED001, alert('fp1', { alertname: 'DiskFull', service: 'db', severity: 'critical' }), T('14:45:00'));
    const ack = inc.step({ type: 'acknowledge', at: T('14:59:00'), by: 'alice' });
    assert.deepEqual(ack.commands, [
      { type: 'cancel', kind: 'deadline' },
      { type: 'cancel', kind: 'escalation' },
    ]);
    assert.equal(inc.m().state, 'acknowledged');
    for (const kind of ['deadline', 'escalation'] as const) {
      const d = inc.step({ type: 'timer', at: T('15:00:00'), kind, due: T('15:00:00') });
      assert.equal(d.facts.length, 0, kind);
    }
    assert.throws(
      () => inc.step({ type: 'acknowledge', at: T('15:01:00'), by: 'bob' }),
      (e: unknown) => e instanceof IncidentRuleError && e.code === 'INCIDENT_ALREADY_ACKNOWLEDGED',
    );
  });

  it('deadlines follow the severity: SEV-2 30 min, SEV-3 4 h; a raised severity moves the deadline earlier', () => {
    const sev3 = drive(DEFAULT_RULES, alert('a', { alertname: 'Lag', service: 'q', severity: 'warning' }), T('10:00:00'));
    assert.equal(sev3.m().ackDueAt, T('14:00:00'));
    sev3.step({ type: 'alert.firing', at: T('10:05:00'), alert: alert('b', { alertname: 'Lag', service: 'q', severity: 'error', instance: 'q2' }) });
    assert.equal(sev3.m().severity, 'SEV-2');
    assert.equal(sev3.m().ackDueAt, T('10:30:00'), 'counted from the opening');
    // Raised to SEV-1 by hand at 10:20: its 15 minutes from the opening have passed, so it is missed now.
    const d = sev3.step({ type: 'set-severity', at: T('10:20:00'), by: 'bob', severity: 'SEV-1', reason: 'customers affected' });
    assert.ok(d.facts.some((f) => f.type === 'deadline.missed'));
    assert.equal(sev3.m().override?.by, 'bob');
    assert.throws(() => sev3.step({ type: 'set-severity', at: T('10:21:00'), by: 'bob', severity: 'SEV-2', reason: ' ' }), IncidentRuleError);
  });

  it('an escalation chain repeats as configured, then stops', () => {
    const rules: IncidentRules = {
      ...DEFAULT_RULES,
      escalation: {
        name: 'p',
        repeat: 1,
        repeatEveryMs: 20 * MIN,
        levels: [
          { after: 0, targets: ['a'] },
          { after: 10 * MIN, targets: ['b'] },
        ],
      },
    };
    const start = Date.parse(T('12:00:00'));
    const steps = [];
    let s = nextEscalation(rules.escalation, 'SEV-2', rules, start);
    while (s) {
      steps.push([s.loop, s.level, new Date(s.at).toISOString().slice(11, 16)]);
      s = nextEscalation(rules.escalation, 'SEV-2', rules, start, s);
    }
    assert.deepEqual(steps, [
      [0, 0, '12:00'],
      [0, 1, '12:10'],
      [1, 0, '12:20'],
      [1, 1, '12:30'],
    ]);
  });

  it('a manual escalation goes to the next level now and replaces the pending timer', () => {
    const inc = drive(SEED001, alert('fp1', { alertname: 'DiskFull', service: 'db', severity: 'critical' }), T('14:45:00'));
    const d = inc.step({ type: 'escalate', at: T('14:50:00'), by: 'alice' });
    assert.deepEqual(d.commands, [
      { type: 'cancel', kind: 'escalation' },
      { type: 'notify', event: 'escalated', targets: ['oncall-lead'] },
    ]);
    assert.equal(inc.m().escalation?.level, 1);
    assert.equal(inc.m().timers.escalation, undefined);
  });
});

describe('alerts joining, resolving and coming back', () => {
  it('auto-resolves only when every member alert has resolved', () => {
    const inc = drive(SEED001, alert('a', { alertname: 'DiskFull', service: 'db', severity: 'critical', instance: 'db-1' }), T('14:45:00'));
    inc.step({ type: 'alert.firing', at: T('14:46:00'), alert: alert('b', { alertname: 'DiskFull', service: 'db', severity: 'critical', instance: 'db-2' }) });
    assert.equal(inc.m().alerts.length, 2);
    assert.equal(
      inc.step({ type: 'alert.firing', at: T('14:46:30'), alert: alert('b', { alertname: 'DiskFull', service: 'db', severity: 'critical', instance: 'db-2' }) })
        .facts.length,
      0,
      'a repeat is no new fact',
    );
    inc.step({ type: 'alert.resolved', at: T('14:50:00'), fingerprint: 'a' });
    assert.equal(inc.m().state, 'triggered', 'one alert still fires');
    const last = inc.step({ type: 'alert.resolved', at: T('14:52:00'), fingerprint: 'b' });
    assert.equal(inc.m().state, 'resolved');
    assert.equal(inc.m().resolved?.by, 'system');
    assert.ok(last.commands.some((c) => c.type === 'notify' && c.event === 'resolved'));
    assert.ok(last.commands.some((c) => c.type === 'cancel' && c.kind === 'deadline'));
  });

  it('reopens inside the flap window, opens a new incident after it', () => {
    const inc = drive(DEFAULT_RULES, alert('a', { alertname: 'X', service: 's', severity: 'error' }), T('09:00:00'));
    inc.step({ type: 'alert.resolved', at: T('09:10:00'), fingerprint: 'a' });
    assert.equal(routeAlert(inc.m(), T('09:14:59'), DEFAULT_RULES), 'reopen');
    assert.equal(routeAlert(inc.m(), T('09:15:01'), DEFAULT_RULES), 'new');
    assert.equal(routeAlert(undefined, T('09:15:01'), DEFAULT_RULES), 'new');
    const d = inc.step({ type: 'alert.firing', at: T('09:12:00'), alert: alert('a', { alertname: 'X', service: 's', severity: 'error' }) });
    assert.equal(d.facts[0]!.type, 'reopened');
    assert.equal(inc.m().state, 'triggered');
    assert.equal(inc.m().reopened, 1);
    assert.equal(inc.m().ackDueAt, T('09:42:00'), 'a new deadline from the reopening');
    assert.deepEqual(
      d.commands.filter((c) => c.type === 'notify'),
      [{ type: 'notify', event: 'reopened' }],
      'no escalation policy: the routing tree is told once',
    );
    assert.equal(routeAlert(inc.m(), T('10:00:00'), DEFAULT_RULES), 'attach');
  });

  it('a long acknowledgement re-triggers the incident when configured', () => {
    const rules: IncidentRules = { ...SEED001, retriggerAfterAckMs: 60 * MIN };
    const inc = drive(rules, alert('a', { alertname: 'X', service: 's', severity: 'critical' }), T('08:00:00'));
    inc.step({ type: 'acknowledge', at: T('08:05:00'), by: 'alice' });
    assert.equal(inc.m().timers.retrigger?.at, T('09:05:00'));
    const d = inc.step({ type: 'timer', at: T('09:05:00'), kind: 'retrigger', due: T('09:05:00') });
    assert.ok(d.facts.some((f) => f.type === 'retriggered'));
    assert.equal(inc.m().state, 'triggered');
    assert.equal(inc.m().ackDueAt, T('09:20:00'));
    assert.deepEqual(
      d.commands.filter((c) => c.type === 'notify'),
      [{ type: 'notify', event: 'triggered', targets: ['oncall-critical'] }],
      'level 1 paged again, once',
    );
  });

  it('a resolved incident refuses acknowledgement; resolving by hand needs a reason', () => {
    const inc = drive(DEFAULT_RULES, alert('a', { alertname: 'X', service: 's' }), T('08:00:00'));
    assert.throws(
      () => inc.step({ type: 'resolve', at: T('08:01:00'), by: 'bob', reason: '' }),
      (e: unknown) => e instanceof IncidentRuleError && e.code === 'INCIDENT_REASON_REQUIRED',
    );
    inc.step({ type: 'resolve', at: T('08:02:00'), by: 'bob', reason: 'fixed the disk' });
    assert.throws(
      () => inc.step({ type: 'acknowledge', at: T('08:03:00'), by: 'bob' }),
      (e: unknown) => e instanceof IncidentRuleError && e.code === 'INCIDENT_RESOLVED',
    );
  });

  it('replaying the stored facts rebuilds the same model', () => {
    const inc = drive(SEED001, alert('a', { alertname: 'DiskFull', service: 'db', severity: 'critical' }), T('14:45:00'));
    inc.step({ type: 'note', at: T('14:46:00'), by: 'alice', text: 'looking' });
    inc.step({ type: 'timer', at: T('15:00:00'), kind: 'deadline', due: T('15:00:00') });
    inc.step({ type: 'acknowledge', at: T('15:01:00'), by: 'alice' });
    inc.step({ type: 'alert.resolved', at: T('15:10:00'), fingerprint: 'a' });
    assert.deepEqual(replayIncident(inc.facts), inc.m());
    assert.equal(inc.m().notes, 1);
    assert.equal(inc.m().state, 'resolved');
  });
});
