// Backups (pure): retention selection as a table, the ISO week, RPO, and manifest validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigner } from '@runledger/ledger';
import {
  checkBackupManifest,
  formatBackupManifest,
  formatSealedKey,
  isoWeek,
  parseSealedKey,
  passphraseProblem,
  rpoStatus,
  sealedKeyAad,
  selectRetention,
  type RetentionPolicy,
  type SealedKey,
} from '../src/index.js';

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

describe('keys.private and sealed key files in the manifest', () => {
  const base = {
    format: 'runledger.backup/v1',
    id: '20261207T120000Z-aaaaaa',
    createdAt: '2026-12-07T12:00:00.000Z',
    dialect: 'sqlite',
    ledger: {},
  };
  const files = [
    { path: 'runledger.db', role: 'database', sha256: 'a'.repeat(64), bytes: 1 },
    { path: 'trust.vkeys', role: 'trust', sha256: 'b'.repeat(64), bytes: 1 },
  ];
  const sealed = { path: 'keys/o-1.skey.sealed', role: 'skey-encrypted', sha256: 'c'.repeat(64), bytes: 1 };
  const problems = (m: object): string[] => {
    const r = checkBackupManifest(m);
    return r.ok ? [] : [...r.problems];
  };
  it('the flag and the files agree', () => {
    assert.ok(problems({ ...base, files: [...files, sealed], keys: { private: true } }).every((p) => !p.includes('keys.private')));
    assert.ok(problems({ ...base, files, keys: { private: true } }).some((p) => p.includes('keys.private is true but no file has role skey-encrypted')));
    assert.ok(problems({ ...base, files: [...files, sealed], keys: { private: false } }).some((p) => p.includes('keys.private is false but 1 file(s)')));
    assert.ok(!problems({ ...base, files: [...files, sealed], keys: { private: true } }).some((p) => p.includes('role')));
  });
});

describe('sealed key format', () => {
  const vkey = generateSigner('ops.test/sealed').vkey;
  const good: SealedKey = {
    format: 'runledger.sealed-key/v1',
    vkey,
    kdf: { name: 'scrypt', N: 32768, r: 8, p: 1, salt: Buffer.alloc(16, 1).toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: Buffer.alloc(12, 2).toString('base64'), tag: Buffer.alloc(16, 3).toString('base64') },
    ciphertext: Buffer.alloc(40, 4).toString('base64'),
  };
  it('round-trips through its file text, in a fixed key order', () => {
    const text = formatSealedKey({ ...good, ciphertext: good.ciphertext, cipher: { ...good.cipher }, kdf: { ...good.kdf } });
    assert.ok(text.startsWith('{\n  "format": "runledger.sealed-key/v1",\n  "vkey"'));
    const r = parseSealedKey(text);
    assert.ok(r.ok);
    assert.deepEqual(r.sealed, good);
  });
  it('refuses weak or absurd parameters and malformed fields, naming each', () => {
    const r = parseSealedKey(
      JSON.stringify({
        ...good,
        vkey: 'nope',
        kdf: { name: 'scrypt', N: 1024, r: 1, p: 99, salt: 'AA==' },
        cipher: { name: 'aes-256-gcm', iv: 'AA==', tag: 'AA==' },
        ciphertext: '',
      }),
    );
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.problems.join(' | ');
    for (const want of ['vkey', 'kdf.N', 'kdf.r', 'kdf.p', 'kdf.salt', 'cipher.iv', 'cipher.tag', 'ciphertext'])
      assert.ok(text.includes(want), `${want}: ${text}`);
    const huge = parseSealedKey(JSON.stringify({ ...good, kdf: { ...good.kdf, N: 2 ** 24 } }));
    assert.ok(!huge.ok && huge.problems.some((p) => p.includes('kdf.N')), 'a huge N is refused before any key derivation');
    assert.deepEqual(parseSealedKey('{'), { ok: false, problems: ['not JSON'] });
  });
  it('the additional authenticated data covers the KDF parameters, the IV and the public key, not the tag', () => {
    const aad = Buffer.from(sealedKeyAad(good)).toString('utf8');
    assert.equal(aad, Buffer.from(sealedKeyAad({ ...good, cipher: { ...good.cipher, tag: 'x' } } as SealedKey)).toString('utf8'));
    for (const changed of [
      { ...good, kdf: { ...good.kdf, N: 65536 } },
      { ...good, cipher: { ...good.cipher, iv: Buffer.alloc(12, 9).toString('base64') } },
      { ...good, vkey: generateSigner('other').vkey },
    ])
      assert.notEqual(Buffer.from(sealedKeyAad(changed)).toString('utf8'), aad);
  });
  it('passphrases: at least 12 characters, no surrounding white space', () => {
    assert.equal(passphraseProblem('correct horse battery'), undefined);
    assert.match(passphraseProblem('short')!, /at least 12/);
    assert.match(passphraseProblem(' correct horse battery')!, /white space/);
  });
});
