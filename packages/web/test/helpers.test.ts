// The UI's pure helpers, without a browser: how actors are shown, what an evidence row's output tail
// is, how filters map between the address bar and the API, and what "run again" copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputSchema, StepOutput } from '@runledger/server/api-types';
import { dayParam, dayStart, rangeOf, textParam, withQuery } from '../src/filters.js';
import { actorName, actorTitle, tailOf } from '../src/format.js';
import { byUrgency, countdown, deliveriesByEvent, factSeqOf, matcherLines, missedDueOf, span, zoned } from '../src/incidents.js';
import { prefilled } from '../src/inputs.js';
import {
  budgetChart,
  dependencyGraph,
  evidenceLines,
  explanationLine,
  historyChart,
  incidentsOf,
  latency,
  niceMax,
  percent,
  sparkline,
  stateCounts,
  stateRank,
  uptime,
} from '../src/health.js';
import type { ReleaseView } from '../src/api/client.js';
import { bakeProgress, factText, gateOutcome, isBusy, lanesOf, releaseStatus, timelineLayout } from '../src/releases.js';
import { stripOf, tally, zonedSlot } from '../src/schedules.js';

test('one form for an actor: a token by its name, everyone else by their id; the tooltip says which', () => {
  assert.equal(actorName('token:alice'), 'alice');
  assert.equal(actorName('alice'), 'alice');
  assert.equal(actorName('runledger'), 'runledger');
  // Only a leading `token:` is the kind.
  assert.equal(actorName('token:token-bot'), 'token-bot');
  assert.equal(actorName('svc:token:x'), 'svc:token:x');
  assert.equal(actorTitle('token:alice'), 'token:alice (API token)');
  assert.equal(actorTitle('alice', 'user'), 'alice (command-line user)');
  assert.equal(actorTitle('runledger', 'system'), 'runledger (Runledger itself)');
  assert.equal(actorTitle('x'), 'x');
});

test('an evidence tail: the last lines of the latest attempt, stdout then stderr, blank lines dropped', () => {
  const out = (attempts: Array<[string, string]>): StepOutput => ({
    step: 's',
    attempts: attempts.map(([stdout, stderr], i) => ({ phase: 'main', attempt: i + 1, stdout, stderr, truncated: false })),
  });
  assert.equal(tailOf(undefined), '');
  assert.equal(tailOf(out([])), '');
  assert.equal(tailOf(out([['a\nb\nc\nd\n', '']])), 'b\nc\nd');
  assert.equal(
    tailOf(
      out([
        ['old\n', ''],
        ['new\n\n\n', 'warn\n'],
      ]),
    ),
    'new\nwarn',
    'the latest attempt only',
  );
  assert.equal(tailOf(out([['no newline', 'err']])), 'no newline\nerr', 'streams never run together');
  assert.equal(tailOf(out([['1\n2\n3\n4\n5\n', '']]), 5), '1\n2\n3\n4\n5');
});

test('filters: the address keeps them, the API gets instants; hand-edited values are ignored', () => {
  const q = new URLSearchParams('type=ops.note&seq=4');
  assert.equal(withQuery('/ledger', q, { actor: 'bob', seq: undefined }), '/ledger?type=ops.note&actor=bob');
  assert.equal(withQuery('/ledger', q, { type: '', seq: undefined }), '/ledger');
  assert.equal(q.toString(), 'type=ops.note&seq=4', 'the current query is not changed');

  const days = new URLSearchParams('from=2026-12-01&to=2026-02-30&x=1');
  assert.equal(dayParam(days, 'from'), '2026-12-01');
  assert.equal(dayParam(days, 'to'), undefined, 'no such day');
  assert.equal(dayParam(days, 'x'), undefined);
  assert.equal(dayParam(days, 'missing'), undefined);
  // Local days: `to` includes its whole day.
  const r = rangeOf('2026-12-01', '2026-12-01');
  assert.equal(Date.parse(r.until!) - Date.parse(r.since!), 24 * 3600 * 1000);
  assert.equal(new Date(r.since!).getHours(), 0);
  assert.deepEqual(rangeOf(undefined, undefined), {});
  assert.equal(dayStart('2026-12-31', 1), new Date(2027, 0, 1).toISOString(), 'across a year end');
  assert.throws(() => dayStart('tomorrow'));

  const text = new URLSearchParams(`requester=%20alice%20&long=${'x'.repeat(201)}&empty=`);
  assert.equal(textParam(text, 'requester'), 'alice');
  assert.equal(textParam(text, 'long'), undefined);
  assert.equal(textParam(text, 'empty'), undefined);
});

test('run again copies a recorded value of the right type, never a secret', () => {
  const input = (type: string, extra: Partial<InputSchema> = {}): InputSchema => ({ name: 'x', type, required: true, secret: type === 'secret', ...extra });
  assert.equal(prefilled(input('string'), '1.4.2'), '1.4.2');
  assert.equal(prefilled(input('integer'), 7390), '7390');
  assert.equal(prefilled(input('boolean'), true), true);
  assert.equal(prefilled(input('boolean', { default: false }), 'yes'), false, 'a wrong type falls back to the default');
  assert.equal(prefilled(input('enum', { values: ['a', 'b'], default: 'a' }), 'b'), 'b');
  assert.equal(prefilled(input('string', { default: 'd' }), undefined), 'd', 'an input the run did not have: its default');
  assert.equal(prefilled(input('string'), { nested: 1 }), '');
  // A secret's recorded value is a keyed hash: never put back into a form.
  assert.equal(prefilled(input('secret'), 'hmac-sha256:abc'), '');
});

test('incidents: the countdown, the reading order, notifications on the timeline, zoned times', () => {
  const now = Date.parse('2026-12-07T03:00:00.000Z');
  assert.deepEqual(countdown('2026-12-07T03:14:32.000Z', now), { overdue: false, soon: false, text: '14m 32s left' });
  assert.deepEqual(countdown('2026-12-07T03:04:00.000Z', now), { overdue: false, soon: true, text: '4m 00s left' });
  assert.deepEqual(countdown('2026-12-07T02:57:50.000Z', now), { overdue: true, soon: false, text: 'overdue by 2m 10s' });
  assert.equal(countdown('nope', now), null);
  assert.equal(span(2 * 3600_000 + 5 * 60_000), '2h 05m');
  assert.equal(span(3 * 86400_000 + 4 * 3600_000), '3d 04h');

  type Sum = Parameters<typeof byUrgency>[0];
  const inc = (id: string, state: Sum['state'], severity: Sum['severity'], extra: Partial<Sum> = {}): Sum => ({
    id,
    title: id,
    severity,
    state,
    ackDueAt: null,
    owner: null,
    openedAt: '2026-12-07T02:00:00.000Z',
    updatedAt: '2026-12-07T02:00:00.000Z',
    resolvedAt: null,
    alerts: { firing: 1, total: 1 },
    key: id,
    ...extra,
  });
  const list = [
    inc('resolved-1', 'resolved', 'SEV-1', { resolvedAt: '2026-12-07T02:30:00.000Z' }),
    inc('acked-1', 'acknowledged', 'SEV-1'),
    inc('trig-3', 'triggered', 'SEV-3'),
    inc('trig-1-late', 'triggered', 'SEV-1', { ackDueAt: '2026-12-07T03:10:00.000Z' }),
    inc('trig-1-soon', 'triggered', 'SEV-1', { ackDueAt: '2026-12-07T03:05:00.000Z' }),
  ];
  assert.deepEqual(
    [...list].sort(byUrgency).map((i) => i.id),
    ['trig-1-soon', 'trig-1-late', 'trig-3', 'acked-1', 'resolved-1'],
  );

  const ev = (seq: number, type: string) => ({ seq, at: '2026-12-07T02:00:00.000Z', type, by: null, text: type, data: {} });
  const timeline = [ev(1, 'incident.created'), ev(2, 'alert.attached'), ev(3, 'timer.set'), ev(4, 'escalated'), ev(5, 'timer.set'), ev(6, 'resolved')];
  const d = (id: string, event: string) => ({
    id,
    factSeq: Number(id.split(':')[2]) || 0,
    incidentId: 'INC:1',
    event,
    receiver: 'hook',
    channel: 'webhook',
    state: 'delivered',
    attempts: 1,
    reason: null,
    nextAt: null,
    detail: {},
    createdAt: '',
    updatedAt: '',
  });
  assert.equal(factSeqOf(d('INC:1:5:0:hook', 'triggered')), 5);
  assert.equal(factSeqOf(d('run:r1:gate:1:hook', 'approval-requested')), null, 'approval requests belong to no timeline event');
  const by = deliveriesByEvent(timeline, [d('INC:1:5:0:hook', 'triggered'), d('INC:1:6:0:hook', 'resolved'), d('INC:1:x:0:hook', 'resolved')]);
  assert.deepEqual([...by.keys()].sort(), [4, 6], 'the escalation that paged, and the resolve');

  assert.equal(missedDueOf([{ type: 'deadline.missed', data: { due: '2026-12-07T02:15:00.000Z' } }]), '2026-12-07T02:15:00.000Z');
  assert.equal(missedDueOf([{ type: 'note', data: {} }]), undefined);
  assert.equal(zoned('2026-12-07T08:00:00.000Z', 'Europe/Berlin'), 'Mon 2026-12-07 09:00');
  assert.equal(zoned('2026-07-07T08:00:00.000Z', 'America/New_York'), 'Tue 2026-07-07 04:00');
  assert.match(zoned('2026-12-07T08:00:00.000Z', 'Not/AZone'), /UTC$/);
  assert.deepEqual(matcherLines(' a="1"\n\n  b=~"x|y" \n'), ['a="1"', 'b=~"x|y"']);
});

test('health: state order and counts, the explanation line, latency and percent', () => {
  assert.deepEqual(
    ['up', 'down', 'degraded', 'unknown'].sort((a, b) => stateRank(a) - stateRank(b)),
    ['down', 'unknown', 'degraded', 'up'],
  );
  assert.deepEqual(stateCounts(['up', 'up', 'down', 'weird']), { down: 1, unknown: 0, degraded: 0, up: 2 });
  assert.equal(
    explanationLine('frontend', 'frontend is down because of postgres (check postgres/ready), via backend'),
    'down because of postgres (check postgres/ready), via backend',
  );
  assert.equal(explanationLine('api', 'something else'), 'something else');
  assert.equal(latency(0.44), '0.4 ms');
  assert.equal(latency(12.6), '13 ms');
  assert.equal(latency(1250), '1.25 s');
  assert.equal(latency(undefined), '–');
  assert.equal(percent(0.999), '99.9 %');
  assert.equal(percent(1), '100 %');
  assert.equal(percent(0.71134, 2), '71.13 %');
  assert.equal(percent(null), '–');
  assert.equal(niceMax(37), 50);
  assert.equal(niceMax(0), 1);
  assert.equal(uptime([{ upMs: 3000, downMs: 1000 }]), 0.75);
  assert.equal(uptime([]), null);
});

test('health: a sparkline breaks its line where a probe failed and marks the failure', () => {
  const s = sparkline([10, 20, null, 5, 10], 42, 22, 1);
  assert.equal(s.max, 20);
  assert.equal(s.line, 'M1 11 L11 1 M31 16 L41 11');
  assert.deepEqual(s.fails, [21]);
  assert.deepEqual(s.dots, []);
  const lone = sparkline([null, 7, null], 30, 10);
  assert.equal(lone.line, '');
  assert.equal(lone.dots.length, 1, 'a success between failures is a dot');
  assert.deepEqual(sparkline([], 30, 10), { line: '', dots: [], fails: [], max: null });
});

test('health: a check history draws latency and red bands where probes failed', () => {
  const t = Date.parse('2026-12-07T10:00:00Z');
  const at = (s: number): string => new Date(t + s * 1000).toISOString();
  const samples = [
    { at: at(0), state: 'up', latencyMs: 10 },
    { at: at(10), state: 'up', latencyMs: 30 },
    { at: at(20), state: 'down' },
    { at: at(30), state: 'down' },
    { at: at(40), state: 'up', latencyMs: 20 },
    { at: at(50), state: 'up', latencyMs: 10 },
  ];
  const g = historyChart(samples, { width: 240, height: 100, left: 20, right: 20, top: 0, bottom: 0 }, t + 60_000);
  assert.equal(g.samples, 6);
  assert.equal(g.failures, 2);
  assert.equal(g.yMax, 50);
  assert.equal(g.bands.length, 1, 'consecutive failures are one band');
  assert.equal(g.bands[0]?.from, t + 20_000);
  assert.equal(g.bands[0]?.to, t + 40_000, 'the band lasts until the next sample');
  assert.equal(g.bands[0]?.x0, 86.7);
  assert.equal(g.bands[0]?.x1, 153.3);
  assert.equal((g.line.match(/M/g) ?? []).length, 2, 'the line breaks at the failures');
  assert.ok(g.ticks.length > 0);
});

test('health: the budget chart from 100 % down, below zero when overspent, gaps where no data', () => {
  const series = [
    { at: '2026-12-01T00:00:00Z', remaining: null },
    { at: '2026-12-02T00:00:00Z', remaining: 1 },
    { at: '2026-12-03T00:00:00Z', remaining: 0.5 },
    { at: '2026-12-04T00:00:00Z', remaining: -0.5 },
  ];
  const g = budgetChart(series, { width: 330, height: 160, left: 15, right: 15, top: 0, bottom: 10 });
  assert.equal(g.min, -0.5);
  assert.equal(g.yFull, 0);
  assert.equal(g.yZero, 100);
  assert.equal(g.last?.remaining, -0.5);
  assert.equal(g.dataFrom, 115, 'no data before the second point');
  assert.equal(g.line, 'M115 0 L215 50 L315 150');
  assert.equal(budgetChart([{ at: '2026-12-01T00:00:00Z', remaining: null }], { width: 100, height: 50, left: 0, right: 0, top: 0, bottom: 0 }).line, '');
});

test('health: the dependency graph puts dependents left, dependencies right, optional edges marked', () => {
  const g = dependencyGraph(
    { name: 'backend', state: 'down' },
    [
      { target: 'postgres', optional: false, state: 'down' },
      { target: 'observability/loki', optional: true, state: 'up' },
    ],
    [{ name: 'proxy', optional: false, state: 'down' }],
    800,
  );
  const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
  assert.equal(byName['proxy']?.role, 'dependent');
  assert.equal(byName['backend']?.role, 'self');
  assert.equal(byName['observability/loki']?.service, 'observability', 'a component links to its service');
  assert.ok((byName['proxy']?.x ?? 0) < (byName['backend']?.x ?? 0) && (byName['backend']?.x ?? 0) < (byName['postgres']?.x ?? 0));
  assert.deepEqual(
    g.edges.map((e) => [e.from, e.to, e.optional, e.state]),
    [
      ['proxy', 'backend', false, 'down'],
      ['backend', 'postgres', false, 'down'],
      ['backend', 'observability/loki', true, 'up'],
    ],
  );
  assert.deepEqual(g.empty, []);
  const alone = dependencyGraph({ name: 'x', state: 'up' }, [], [], 100);
  assert.ok(alone.width >= 3 * 168, 'never narrower than three columns');
  assert.deepEqual(
    alone.empty.map((e) => e.label),
    ['nothing depends on it', 'no dependencies'],
  );
});

test('health: checklist evidence is text or key/value lines, never [object Object]', () => {
  assert.deepEqual(evidenceLines('check demo/ready is up'), { text: 'check demo/ready is up', lines: [] });
  assert.deepEqual(evidenceLines(null), { text: 'no evidence', lines: [] });
  assert.deepEqual(evidenceLines(3), { text: '3', lines: [] });
  const service = evidenceLines({
    service: 'backend',
    state: 'down',
    cause: { service: 'postgres', check: 'postgres/ready' },
    reasons: ['requires postgres (down)'],
  });
  assert.deepEqual(service.lines, [
    { key: 'service', value: 'backend' },
    { key: 'state', value: 'down' },
    { key: 'cause.service', value: 'postgres' },
    { key: 'cause.check', value: 'postgres/ready' },
    { key: 'reasons', value: 'requires postgres (down)' },
  ]);
  const open = evidenceLines({ open: [{ id: 'i1', severity: 'SEV-1', title: 'db down' }] });
  assert.deepEqual(open.lines, [{ key: 'open 1', value: 'id: i1, severity: SEV-1, title: db down' }]);
  assert.deepEqual(evidenceLines({ ready: false, failed: [] }).lines, [
    { key: 'ready', value: 'false' },
    { key: 'failed', value: 'none' },
  ]);
  const at = Date.parse('2026-12-07T10:00:00Z');
  assert.deepEqual(evidenceLines({ ok: true, at }).lines, [
    { key: 'ok', value: 'true' },
    { key: 'at', value: '2026-12-07T10:00:00.000Z' },
  ]);
  for (const e of [service, open]) for (const l of e.lines) assert.doesNotMatch(l.value, /\[object Object\]/);
});

test('health: the incidents about a service, by the alert’s service label or the check id in the title', () => {
  const incidents = [
    { id: 'a', key: 'alertname="CheckDown",service="postgres",env=""', title: 'postgres/ready is down: status' },
    { id: 'b', key: 'alertname="CheckDown",service="postgres-replica",env=""', title: 'postgres-replica/lag is down: result' },
    { id: 'c', key: 'alertname="DiskFull",service="",env=""', title: 'backend/disk is down' },
  ];
  assert.deepEqual(
    incidentsOf(incidents, ['postgres']).map((i) => i.id),
    ['a'],
  );
  assert.deepEqual(
    incidentsOf(incidents, ['backend', 'postgres']).map((i) => i.id),
    ['a', 'c'],
  );
});

function rel(id: string, over: Partial<ReleaseView> = {}): ReleaseView {
  return {
    id,
    service: 'shop',
    env: 'production',
    version: '1.0.0',
    state: 'announced',
    artifact: { ref: 'r', digest: `sha256:${'a'.repeat(64)}` },
    requestedBy: 'token:alice',
    gates: [],
    bake: { durationMs: 4000, maxBurnRate: 14.4, failSeverity: 'SEV-1', failHealth: ['down'], autoRollback: 'off' },
    runbooks: {},
    createdAt: '2026-12-01T10:00:00.000Z',
    pendingRollback: null,
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...over,
  };
}

test('releases: lanes per service and environment, oldest first; shared columns; only the newest fit; rollback arcs', () => {
  const a = rel('a', { createdAt: '2026-12-01T10:00:00.000Z' });
  const b = rel('b', { createdAt: '2026-12-01T11:00:00.000Z', env: 'staging' });
  const c = rel('c', {
    createdAt: '2026-12-01T12:00:00.000Z',
    state: 'rolled_back',
    rollback: {
      to: 'a',
      fromVersion: '1.1.0',
      toVersion: '1.0.0',
      mode: 'image-only',
      actor: 'token:alice',
      reason: 'x',
      startedAt: '2026-12-01T12:30:00.000Z',
      outcome: 'success',
    },
  });
  const lanes = lanesOf([c, b, a]);
  assert.deepEqual(
    lanes.map((l) => [l.service, l.env, l.releases.map((r) => r.id)]),
    [
      ['shop', 'production', ['a', 'c']],
      ['shop', 'staging', ['b']],
    ],
  );
  const all = timelineLayout([c, b, a], 10);
  assert.deepEqual(
    all.markers.map((m) => [m.release.id, m.lane, m.col]),
    [
      ['a', 0, 0],
      ['c', 0, 2],
      ['b', 1, 1],
    ],
  );
  assert.deepEqual(
    all.arcs.map((x) => [x.from.release.id, x.to.release.id]),
    [['c', 'a']],
  );
  const two = timelineLayout([c, b, a], 2);
  assert.equal(two.hidden, 1);
  assert.deepEqual(
    two.markers.map((m) => m.release.id),
    ['c', 'b'],
  );
  assert.equal(two.arcs.length, 0, 'an arc needs both ends drawn');
});

test('releases: status words, gate outcomes, busy, the bake window', () => {
  const verifying = rel('v', {
    state: 'verifying',
    gates: [
      { name: 'smoke', kind: 'runbook', passed: null, runId: 'r1' },
      { name: 'list', kind: 'checklist', passed: false, reason: 'no' },
      { name: 'bake', kind: 'bake', passed: null },
    ],
    bakeStartedAt: '2026-12-01T10:00:00.000Z',
    bakeEndsAt: '2026-12-01T10:00:10.000Z',
  });
  assert.deepEqual(
    verifying.gates.map((g) => gateOutcome(g, verifying)),
    ['running', 'failed', 'running'],
  );
  assert.equal(gateOutcome({ name: 'bake', kind: 'bake', passed: null }, rel('p', { state: 'planned' })), 'pending');
  assert.ok(isBusy(verifying));
  const at = Date.parse('2026-12-01T10:00:04.000Z');
  const b = bakeProgress(verifying, at)!;
  assert.deepEqual([b.open, b.fraction, b.leftMs], [true, 0.4, 6000]);
  // Announced, then rolled back: the window held, the bar is full.
  const later = rel('l', { ...verifying, state: 'rolled_back', announcedAt: '2026-12-01T10:00:10.000Z', updatedAt: '2026-12-01T11:00:00.000Z' });
  assert.deepEqual([bakeProgress(later, at)!.open, bakeProgress(later, at)!.fraction], [false, 1]);
  assert.equal(bakeProgress(rel('n'), at), null);
  const rolling = rel('r', {
    rollback: {
      to: 'a',
      fromVersion: '1.1.0',
      toVersion: '1.0.0',
      mode: 'image-only',
      actor: 'token:alice',
      reason: 'x',
      startedAt: '2026-12-01T12:30:00.000Z',
    },
  });
  assert.deepEqual(releaseStatus(rolling), { cls: 'rolling_back', label: 'rolling back' });
  assert.ok(isBusy(rolling));
  assert.deepEqual(releaseStatus(rel('x', { state: 'rolled_back' })), { cls: 'rolled_back', label: 'rolled back' });
});

test('releases: a fact in words', () => {
  const f = (type: string, fact: Record<string, unknown>) => factText({ seq: 1, at: '2026-12-01T10:00:00.000Z', type, fact: { type, ...fact } });
  assert.equal(f('deploy.started', { by: 'token:alice', runbook: 'shop-deploy' }), 'deploy started by alice (runbook shop-deploy)');
  assert.equal(f('gate.decided', { gate: 'smoke', passed: false, reason: 'healthz 500' }), 'gate smoke failed: healthz 500');
  assert.equal(
    f('rollback.started', { fromVersion: '1.1.0', toVersion: '1.0.0', mode: 'image-only', actor: 'token:alice', approvedBy: 'token:bob', reason: 'slow' }),
    'rollback started: 1.1.0 → 1.0.0 (image-only) by alice, approved by bob: slow',
  );
  assert.equal(f('release.rollback', { outcome: 'success' }), 'rollback succeeded');
  assert.equal(f('something.new', { reason: 'why' }), 'something.new: why');
});

test('schedules: the strip is oldest first with runs in flight last; a slot reads in its own zone', () => {
  const s = {
    history: [
      { index: 9, outcome: 'failed' as const, slot: '2026-01-01T03:00:00.000Z', ts: '2026-01-01T03:00:05.000Z', detail: 'run r2 of x failed' },
      { index: 7, outcome: 'missed' as const, slot: '2026-01-01T01:00:00.000Z', until: '2026-01-01T02:00:00.000Z', ts: '2026-01-01T02:10:00.000Z' },
      { index: 5, outcome: 'fired' as const, slot: '2026-01-01T00:00:00.000Z', ts: '2026-01-01T00:00:01.000Z', ref: 'r1' },
    ],
    running: [{ slot: '2026-01-01T04:00:00.000Z', state: 'running' as const, owner: 'host/1/ab', startedAt: '2026-01-01T04:00:00.000Z' }],
  };
  const strip = stripOf(s);
  assert.deepEqual(
    strip.map((m) => m.cls),
    ['fired', 'missed', 'failed', 'running'],
  );
  assert.equal(strip[1]!.title, '2026-01-01 01:00 UTC … 2026-01-01 02:00: missed');
  assert.equal(strip[2]!.title, '2026-01-01 03:00 UTC: failed — run r2 of x failed');
  assert.equal(strip[3]!.title, '2026-01-01 04:00 UTC: running on host/1/ab');
  assert.deepEqual(
    stripOf(s, 1).map((m) => m.cls),
    ['failed', 'running'],
  );
  assert.deepEqual(tally(s), { fired: 1, failed: 1, skipped: 0, missed: 1 });
  assert.equal(zonedSlot('2026-03-29T01:00:00.000Z', 'Europe/Berlin'), 'Sun 03:00 CEST');
  assert.equal(zonedSlot('2026-03-28T01:30:00.000Z', 'Europe/Berlin'), 'Sat 02:30 CET');
  assert.equal(zonedSlot('2026-03-28T01:30:00.000Z', 'Nowhere/Else'), '01:30 UTC');
});
