// Intake bodies: Alertmanager 0.25's webhook (the captured bodies, later versions' extra fields,
// `commonAnnotations: null`, any key order) and PagerDuty Events v2, with located problems for bad ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAlertmanagerWebhook, parsePagerDutyEvent } from '@runledger/core';

const fixture = (n: number): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/alertmanager-0.25/am025-webhook-00${n}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('Alertmanager webhook (version 4)', () => {
  it('reads the captured bodies: per-alert status, fingerprints, nanosecond times; firing endsAt ignored', () => {
    const one = parseAlertmanagerWebhook(fixture(1));
    assert.ok(one.ok);
    assert.equal(one.value.alerts.length, 1);
    const a = one.value.alerts[0]!;
    assert.deepEqual(
      [a.fingerprint, a.status, a.labels['alertname'], a.startsAt, a.endsAt],
      ['2514e371eeb5991e', 'firing', 'DiskFull', '2026-11-23T14:02:55.070Z', undefined],
    );
    const four = parseAlertmanagerWebhook(fixture(4));
    assert.ok(four.ok);
    assert.equal(four.value.status, 'firing', 'the body says firing while one alert fires');
    assert.deepEqual(
      four.value.alerts.map((x) => [x.fingerprint, x.status]),
      [
        ['2514e371eeb5991e', 'resolved'],
        ['48a100ef8bd9adac', 'firing'],
      ],
    );
    assert.equal(four.value.alerts[0]!.endsAt, '2026-11-23T14:03:16.000Z');
    for (const n of [2, 3, 5]) assert.ok(parseAlertmanagerWebhook(fixture(n)).ok, `fixture ${n}`);
  });

  it('tolerates later versions’ fields, commonAnnotations null, empty generatorURL and any key order', () => {
    const body = fixture(3);
    const reordered = Object.fromEntries(
      Object.entries({ ...body, notification_reason: 'new_alerts', routeLabels: { severity: 'critical' }, commonAnnotations: null }).reverse(),
    );
    (reordered['alerts'] as unknown as Array<Record<string, unknown>>)[0]!['generatorURL'] = '';
    const r = parseAlertmanagerWebhook(reordered);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.equal(r.value.alerts[0]!.generatorURL, undefined);
  });

  it('names every problem with a JSON pointer', () => {
    const body = fixture(3);
    const alerts = body['alerts'] as Array<Record<string, unknown>>;
    const bad = {
      ...body,
      version: '3',
      alerts: [
        { ...alerts[0], status: 'weird', labels: { a: 1 } },
        { ...alerts[1], startsAt: 'yesterday', fingerprint: 'ZZ' },
      ],
    };
    const r = parseAlertmanagerWebhook(bad);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => p.path).sort(), [
      '/alerts/0/labels/a',
      '/alerts/0/status',
      '/alerts/1/fingerprint',
      '/alerts/1/startsAt',
      '/version',
    ]);
    for (const junk of [null, [], 'x', { version: '4' }]) assert.ok(!parseAlertmanagerWebhook(junk).ok, JSON.stringify(junk));
  });
});

describe('PagerDuty Events API v2', () => {
  const trigger = {
    routing_key: 'R'.repeat(32),
    event_action: 'trigger',
    payload: {
      summary: 'Disk almost full on db-1',
      source: 'db-1',
      severity: 'critical',
      component: 'postgres',
      group: 'db',
      class: 'disk',
      custom_details: { free: '3%' },
    },
    links: [{ href: 'https://x.test', text: 'dash' }],
  };

  it('a trigger becomes labels and annotations (component as the service); a missing dedup_key is made up', () => {
    const r = parsePagerDutyEvent(trigger, () => 'made-up');
    assert.ok(r.ok);
    assert.equal(r.value.dedupKey, 'made-up');
    assert.deepEqual(r.value.labels, {
      alertname: 'disk',
      severity: 'critical',
      source: 'db-1',
      component: 'postgres',
      service: 'postgres',
      group: 'db',
      class: 'disk',
    });
    assert.equal(r.value.annotations?.['custom_details'], '{"free":"3%"}');
    const keyed = parsePagerDutyEvent({ ...trigger, dedup_key: 'disk-db-1' }, () => assert.fail('not needed'));
    assert.ok(keyed.ok && keyed.value.dedupKey === 'disk-db-1');
  });

  it('acknowledge and resolve need a dedup_key and no payload', () => {
    const r = parsePagerDutyEvent({ routing_key: 'k', event_action: 'resolve', dedup_key: 'disk-db-1' }, () => 'x');
    assert.ok(r.ok && r.value.action === 'resolve' && r.value.labels === undefined);
    const bad = parsePagerDutyEvent({ routing_key: 'k', event_action: 'acknowledge' }, () => 'x');
    assert.ok(!bad.ok && bad.problems[0]!.path === '/dedup_key');
  });

  it('names what is wrong in a bad event', () => {
    const r = parsePagerDutyEvent({ event_action: 'trigger', payload: { summary: '', severity: 'fatal' } }, () => 'x');
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => p.path).sort(), ['/payload/severity', '/payload/source', '/payload/summary', '/routing_key']);
    assert.ok(!parsePagerDutyEvent({ routing_key: 'k', event_action: 'explode' }, () => 'x').ok);
  });
});
