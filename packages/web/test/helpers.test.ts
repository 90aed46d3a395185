// The UI's pure helpers, without a browser: how actors are shown, what an evidence row's output tail
// is, how filters map between the address bar and the API, and what "run again" copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputSchema, StepOutput } from '@runledger/server/api-types';
import { dayParam, dayStart, rangeOf, textParam, withQuery } from '../src/filters.js';
import { actorName, actorTitle, tailOf } from '../src/format.js';
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
