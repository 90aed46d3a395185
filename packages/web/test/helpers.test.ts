// The UI's pure helpers, without a browser: how actors are shown, what an evidence row's output tail
// is, how filters map between the address bar and the API, and what "run again" copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputSchema, StepOutput } from '@runledger/server/api-types';
import { dayParam, dayStart, rangeOf, textParam, withQuery } from '../src/filters.js';
import { actorName, actorTitle, tailOf } from '../src/format.js';
import { byUrgency, countdown, deliveriesByEvent, factSeqOf, matcherLines, missedDueOf, span, zoned } from '../src/incidents.js';
import { prefilled } from '../src/inputs.js';

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
