// The operations file: seed 001's worked example loads, and every kind of mistake is reported at
// file:line:col with its JSON path (secrets as values, unknown names, bad matchers, bad durations…).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatFileProblem, parseOperationsText, routeFor } from '@runledger/core';

const EXAMPLE = readFileSync(new URL('../../../examples/operations/operations.yaml', import.meta.url), 'utf8');

describe('operations.yaml', () => {
  it('loads seed 001’s worked example: severities route to their receivers, SEV-1 escalates', () => {
    const r = parseOperationsText(EXAMPLE, 'operations.yaml');
    assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
    const c = r.config;
    assert.deepEqual(
      routeFor(c.route, { alertname: 'DiskFull', severity: 'critical' }).map((x) => x.receiver),
      ['oncall-critical', 'incident-webhook'],
    );
    assert.deepEqual(
      routeFor(c.route, { severity: 'high' }).map((x) => x.receiver),
      ['oncall-high'],
    );
    assert.deepEqual(
      routeFor(c.route, { severity: 'low' }).map((x) => x.receiver),
      ['oncall-standard'],
    );
    assert.equal(routeFor(c.route, { severity: 'critical' })[0]!.escalation, 'sev1');
    assert.equal(c.rules.ackDeadlines['SEV-1'], 15 * 60_000);
    assert.deepEqual(
      c.escalationPolicies[0]!.levels.map((l) => l.after),
      [0, 'deadline'],
    );
    assert.deepEqual(
      c.integrations.map((i) => [i.name, i.type, i.secret]),
      [
        ['prometheus', 'alertmanager', { env: 'RUNLEDGER_AM_TOKEN' }],
        ['deploy-pipeline', 'events', { env: 'RUNLEDGER_EVENTS_ROUTING_KEY' }],
        ['probes', 'internal', undefined],
      ],
    );
    assert.equal(c.receivers.find((x) => x.name === 'incident-webhook')!.webhook!.secrets.length, 2);
    assert.equal(c.schedules[0]!.layers[0]!.everyDays, 7);
  });

  const broken = (from: string, to: string): string[] => {
    assert.ok(EXAMPLE.includes(from), from);
    const r = parseOperationsText(EXAMPLE.replace(from, to), 'ops.yaml');
    assert.ok(!r.ok, `${to} should be refused`);
    return r.problems.map(formatFileProblem);
  };

  it('refuses a secret written as a value, pointing at its line', () => {
    const p = broken('secret: env:RUNLEDGER_AM_TOKEN', 'secret: s3cr3t-token-value');
    assert.equal(p.length, 1);
    assert.match(p[0]!, /^ops\.yaml:9:13: \$\.integrations\[0\]\.secret: a secret is a reference/);
    assert.doesNotMatch(p[0]!, /s3cr3t/, 'the value is never echoed');
  });

  it('names unknown receivers, policies and targets, bad matchers and durations, unknown keys', () => {
    assert.match(broken('receiver: oncall-high', 'receiver: oncall-hihg').join('\n'), /\$\.route\.routes\[2\]\.receiver: no receiver named oncall-hihg/);
    assert.match(broken('escalation: sev1', 'escalation: sev9').join('\n'), /\$\.route\.routes\[0\]\.escalation: no escalation policy named sev9/);
    assert.match(broken('targets: [person:carol]', 'targets: [person:dave]').join('\n'), /levels\[1\]\.targets\[0\]: no person named dave/);
    assert.match(broken(`'severity=~"medium|low"'`, `'severity=~"(medium"'`).join('\n'), /routes\[3\]\.matchers\[0\]: .*RE2/);
    assert.match(broken('SEV-2: 30m', 'SEV-2: half an hour').join('\n'), /ackDeadlines\.SEV-2: must be a duration/);
    assert.match(broken('flapWindow: 5m', 'flapWindow: 5m\n  flapWindo: 5m').join('\n'), /\$\.incidents\.flapWindo: unknown key/);
    assert.match(broken('timeZone: Europe/Berlin', 'timeZone: Mars/Olympus').join('\n'), /unknown time zone/);
    assert.match(broken('- name: bob', '- name: alice').join('\n'), /person alice is defined twice/);
    assert.match(broken('url: https://hooks.example.test/incidents', 'url: https://user:pw@hooks.example.test/x').join('\n'), /no credentials in a URL/);
  });

  it('reports YAML syntax errors at their place', () => {
    const r = parseOperationsText('route:\n  receiver: [unclosed\n', 'ops.yaml');
    assert.ok(!r.ok);
    assert.match(formatFileProblem(r.problems[0]!), /^ops\.yaml:\d+:\d+: \$: /);
    assert.ok(!parseOperationsText('', 'e.yaml').ok);
  });
});

describe('durations in the operations file', () => {
  it('take weeks and days in front of the runbook units', async () => {
    const { configDuration } = await import('@runledger/core');
    assert.equal(configDuration('1w'), 7 * 86_400_000);
    assert.equal(configDuration('1d12h'), 36 * 3_600_000);
    assert.equal(configDuration('15m'), 15 * 60_000);
    for (const bad of ['', 'd', '7', 'soon', '1x']) assert.equal(configDuration(bad), undefined, bad);
  });
});
