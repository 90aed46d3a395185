// Routing as Alertmanager reads it: matcher syntax, first match wins unless `continue`, inheritance,
// the seed 001 routes; silences never swallow a resolve; regex matchers run in linear time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldBack, MatcherError, matches, parseMatchers, routeFor, silencing, type RouteSpec, type Silence } from '@runledger/core';

const m = (t: string) => parseMatchers(t);

describe('matchers', () => {
  it('parses the four operators, quoted and bare values, braced lists and escapes', () => {
    assert.deepEqual(
      m('severity="critical"').map((x) => [x.name, x.op, x.value]),
      [['severity', '=', 'critical']],
    );
    assert.deepEqual(
      m('{env!="prod", severity=~"critical|page", team!~ "db.*",svc=api}').map((x) => [x.name, x.op, x.value]),
      [
        ['env', '!=', 'prod'],
        ['severity', '=~', 'critical|page'],
        ['team', '!~', 'db.*'],
        ['svc', '=', 'api'],
      ],
    );
    assert.equal(m('msg="say \\"hi\\""')[0]!.value, 'say "hi"');
  });

  it('regexes are anchored; a missing label reads as empty', () => {
    const [re] = m('severity=~"crit"');
    assert.equal(matches(re!, { severity: 'critical' }), false);
    assert.equal(matches(m('severity=~"crit.*"')[0]!, { severity: 'critical' }), true);
    assert.equal(matches(m('env=""')[0]!, { alertname: 'x' }), true);
    assert.equal(matches(m('env!~"prod|staging"')[0]!, { env: 'dev' }), true);
  });

  it('refuses malformed matchers with an offset, and backtracking-only regex syntax', () => {
    for (const bad of ['severity', '=x', 'a=="b"', '{a="b"', 'a="b" c="d"', 'a="unterminated', '1a="b"']) assert.throws(() => m(bad), MatcherError, bad);
    assert.throws(() => m('a=~"(x)\\\\1"'), /RE2/, 'a backreference (the backslash escaped inside the quotes)');
    assert.throws(() => m('a=~"(?=x)"'), /RE2/);
  });

  it('a catastrophic pattern against a long value still answers (RE2 is linear)', { timeout: 5000 }, () => {
    const [re] = m('v=~"(a+)+"');
    assert.equal(matches(re!, { v: `${'a'.repeat(5000)}!` }), false);
  });
});

describe('the routing tree', () => {
  // Seed 001: critical → oncall-critical, high → oncall-high, medium and low → oncall-standard.
  const seed001: RouteSpec = {
    receiver: 'oncall-standard',
    groupBy: ['alertname', 'service'],
    routes: [
      { matchers: m('severity="critical"'), receiver: 'oncall-critical', escalation: 'sev1' },
      { matchers: m('severity="high"'), receiver: 'oncall-high' },
      { matchers: m('severity=~"medium|low"'), receiver: 'oncall-standard' },
    ],
  };

  it('routes seed 001’s severities to their receivers; anything else falls to the root', () => {
    const to = (sev: string) => routeFor(seed001, { alertname: 'X', severity: sev }).map((r) => r.receiver);
    assert.deepEqual(to('critical'), ['oncall-critical']);
    assert.deepEqual(to('high'), ['oncall-high']);
    assert.deepEqual(to('medium'), ['oncall-standard']);
    assert.deepEqual(to('low'), ['oncall-standard']);
    assert.deepEqual(to('weird'), ['oncall-standard']);
    const r = routeFor(seed001, { alertname: 'X', severity: 'critical' })[0]!;
    assert.deepEqual([r.path, r.escalation, r.groupBy, r.because], ['route.routes[0]', 'sev1', ['alertname', 'service'], ['severity="critical"']]);
  });

  it('continue: true lets later siblings match too (the captured Alertmanager config)', () => {
    const am: RouteSpec = {
      receiver: 'ops-webhook',
      routes: [
        { matchers: m('severity="critical"'), receiver: 'ops-webhook', continue: true },
        { matchers: m('severity=~"critical|warning"'), receiver: 'ops-email' },
        { matchers: m('severity="critical"'), receiver: 'never' },
      ],
    };
    assert.deepEqual(
      routeFor(am, { severity: 'critical' }).map((r) => r.receiver),
      ['ops-webhook', 'ops-email'],
    );
    assert.deepEqual(
      routeFor(am, { severity: 'warning' }).map((r) => r.receiver),
      ['ops-email'],
    );
    assert.deepEqual(
      routeFor(am, { severity: 'info' }).map((r) => [r.receiver, r.path]),
      [['ops-webhook', 'route']],
    );
  });

  it('nested routes inherit what they do not set', () => {
    const tree: RouteSpec = {
      receiver: 'root',
      runbook: 'triage',
      routes: [{ matchers: m('team="db"'), receiver: 'db', groupBy: ['alertname'], routes: [{ matchers: m('severity="critical"'), escalation: 'db-sev1' }] }],
    };
    const [r] = routeFor(tree, { team: 'db', severity: 'critical' });
    assert.deepEqual([r!.receiver, r!.groupBy, r!.runbook, r!.escalation, r!.path], ['db', ['alertname'], 'triage', 'db-sev1', 'route.routes[0].routes[0]']);
  });
});

describe('silences and maintenance', () => {
  const s: Silence = { id: 's1', kind: 'maintenance', matchers: m('service="db"'), startsAt: 1000, endsAt: 2000, createdBy: 'alice', comment: 'failover test' };
  it('match by labels inside their window only, and never hold back a resolve', () => {
    assert.deepEqual(
      silencing([s], { service: 'db' }, 1500).map((x) => x.id),
      ['s1'],
    );
    assert.equal(silencing([s], { service: 'db' }, 2000).length, 0, 'the end is exclusive');
    assert.equal(silencing([s], { service: 'api' }, 1500).length, 0);
    assert.equal(heldBack([s], { service: 'db' }, 1500, 'triggered')?.id, 's1');
    assert.equal(heldBack([s], { service: 'db' }, 1500, 'resolved'), undefined);
  });
});
