// Backups (pure): retention selection as a table, the ISO week, RPO, and manifest validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBackupManifest, formatBackupManifest, isoWeek, rpoStatus, selectRetention, type RetentionPolicy } from '../src/index.js';

const at = (id: string, createdAt: string) => ({ id, createdAt });
// Newest first: two on Dec 7 (Mon), one each Dec 6 (Sun), Dec 5, Nov 30 (Mon), Nov 29 (Sun), Nov 20.
const BACKUPS = [
  at('a', '2026-12-07T12:00:00Z'),
  at('b', '2026-12-07T06:00:00Z'),
  at('c', '2026-12-06T06:00:00Z'),
  at('d', '2026-12-05T06:00:00Z'),
  at('e', '2026-11-30T06:00:00Z'),
  at('f', '2026-11-29T06:00:00Z'),
  at('g', '2026-11-20T06:00:00Z'),
];

describe('selectRetention', () => {
  const table: Array<[string, RetentionPolicy, string[]]> = [
    ['last 1', { keepLast: 1 }, ['a']],
    ['last 3', { keepLast: 3 }, ['a', 'b', 'c']],
    ['last 1 + 3 days: the newest per day', { keepLast: 1, daily: 3 }, ['a', 'c', 'd']],
    ['days count days holding a backup, not calendar days', { keepLast: 0, daily: 5 }, ['a', 'c', 'd', 'e', 'f']],
    ['weeks: newest per ISO week (Mon-Sun)', { keepLast: 0, weekly: 3 }, ['a', 'c', 'f']],
    ['all three together', { keepLast: 2, daily: 2, weekly: 4 }, ['a', 'b', 'c', 'f', 'g']],
    ['more than there are', { keepLast: 50 }, ['a', 'b', 'c', 'd', 'e', 'f', 'g']],
    ['nothing kept', { keepLast: 0 }, []],
  ];
  for (const [name, policy, kept] of table) {
    it(name, () => {
      const plan = selectRetention(BACKUPS, policy);
      assert.deepEqual(
        plan.keep.map((k) => k.id),
        kept,
      );
      assert.deepEqual(
        plan.remove,
        BACKUPS.map((b) => b.id).filter((id) => !kept.includes(id)),
      );
    });
  }
  it('orders by time whatever the input order, and names the reasons', () => {
    const plan = selectRetention([...BACKUPS].reverse(), { keepLast: 1, daily: 1 });
    assert.deepEqual(plan.keep, [{ id: 'a', reasons: ['last', 'daily'] }]);
  });
  it('refuses negative counts', () => {
    assert.throws(() => selectRetention(BACKUPS, { keepLast: -1 }), RangeError);
  });
});

describe('isoWeek', () => {
  for (const [t, w] of [
    ['2026-12-07T00:00:00Z', '2026-W50'],
    ['2026-12-06T23:59:59Z', '2026-W49'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
  ] as const)
    it(`${t} is ${w}`, () => assert.equal(isoWeek(new Date(t)), w));
});

describe('rpoStatus', () => {
  const now = new Date('2026-12-07T12:15:00Z');
  it('the newest verified backup against the target', () => {
    assert.deepEqual(rpoStatus(['2026-12-07T12:00:00Z', '2026-12-07T06:00:00Z'], now, 900), {
      ageSeconds: 900,
      targetSeconds: 900,
      ok: true,
      breachSeconds: 0,
      newest: '2026-12-07T12:00:00.000Z',
    });
    const late = rpoStatus(['2026-12-07T11:00:00Z'], now, 900);
    assert.equal(late.ok, false);
    assert.equal(late.breachSeconds, 3600);
  });
  it('no backup at all is a breach with no age', () => {
    assert.deepEqual(rpoStatus([], now, 900), { ageSeconds: null, targetSeconds: 900, ok: false, breachSeconds: null, newest: null });
  });
});

describe('checkBackupManifest', () => {
  it('lists every problem', () => {
    const r = checkBackupManifest({
      format: 'x',
      id: '../x',
      createdAt: 'yesterday',
      dialect: 'mysql',
      files: [{ path: '/etc/passwd', role: 'db', sha256: 'AB', bytes: -1 }],
      ledger: {},
      keys: {},
    });
    assert.equal(r.ok, false);
    if (!r.ok) {
      for (const want of [
        'format',
        'id',
        'createdAt',
        'dialect',
        'safe relative path',
        'role',
        'sha256',
        'bytes',
        'trust file',
        'ledger.origin',
        'keys.private',
      ])
        assert.ok(
          r.problems.some((p) => p.includes(want)),
          `a problem about ${want}: ${r.problems.join(' | ')}`,
        );
    }
  });
  it('formatBackupManifest writes the fields in a fixed order', () => {
    const text = formatBackupManifest({
      keys: { private: false },
      format: 'runledger.backup/v1',
      id: 'x',
      createdAt: '2026-12-07T12:00:00.000Z',
      dialect: 'sqlite',
      files: [],
      ledger: { origin: 'o', size: 1, root: 'r', checkpoint: 'c' },
    });
    assert.ok(text.startsWith('{\n  "format": "runledger.backup/v1",\n  "id": "x"'));
    assert.ok(text.endsWith('}\n'));
  });
});
