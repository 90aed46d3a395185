// Ledger entries (docs: /work/shared/specs/ledger-format.md, "Entries").
// Vectors: the expected canonical entry texts below are written by hand from the spec's field list and
// RFC 8785's rules (members sorted by UTF-16 code units, no whitespace); prev of entry 0 is SHA-256(""),
// whose base64 is the well-known 47DEQpj8…uFU=. Leaf hashes are recomputed with node:crypto
// (RFC 6962: SHA-256(0x00 || entry bytes)).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  EMPTY_ROOT,
  LedgerError,
  MAX_ENTRY_BYTES,
  RESERVED_TYPES,
  buildEntry,
  canonicalize,
  entryShapeProblem,
  isValidType,
  type EntryDraft,
} from '@runledger/ledger';

const LEDGER = 'runledger.example.com/prod';
const TS = new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 123));
const EMPTY_B64 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

const refLeaf = (bytes: Uint8Array): string => createHash('sha256').update(Uint8Array.of(0)).update(bytes).digest('hex');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function isLedgerError(code: string) {
  return (e: unknown): boolean => e instanceof LedgerError && e.code === code;
}

const DRAFT: EntryDraft = {
  type: 'run.step.finished',
  actor: { kind: 'user', id: 'alice' },
  subject: { kind: 'run', id: 'r-17' },
  data: { step: 3, ok: true, output: { sha256: 'ab'.repeat(32) } },
  idem: 'retry-key-1',
};

describe('buildEntry', () => {
  test('produces the JCS bytes of the entry, and the RFC 6962 leaf hash of those bytes', () => {
    const b = buildEntry(DRAFT, 42, LEDGER, EMPTY_ROOT, TS);
    const expected =
      '{"actor":{"id":"alice","kind":"user"},"data":{"ok":true,"output":{"sha256":"' +
      'ab'.repeat(32) +
      '"},"step":3},' +
      '"idem":"retry-key-1","ledger":"runledger.example.com/prod","prev":"' +
      EMPTY_B64 +
      '","seq":42,' +
      '"subject":{"id":"r-17","kind":"run"},"ts":"2026-01-01T12:00:00.123Z","type":"run.step.finished","v":1}';
    assert.equal(text(b.bytes), expected);
    assert.equal(Buffer.from(EMPTY_ROOT).toString('base64'), EMPTY_B64);
    assert.equal(Buffer.from(b.leaf).toString('hex'), refLeaf(b.bytes));
    assert.deepEqual(b.entry, {
      v: 1,
      seq: 42,
      ledger: LEDGER,
      prev: EMPTY_B64,
      ts: '2026-01-01T12:00:00.123Z',
      type: 'run.step.finished',
      actor: { kind: 'user', id: 'alice' },
      subject: { kind: 'run', id: 'r-17' },
      data: { step: 3, ok: true, output: { sha256: 'ab'.repeat(32) } },
      idem: 'retry-key-1',
    });
    // The stored bytes are canonical: re-serialising what a verifier parses gives the same bytes.
    assert.equal(canonicalize(JSON.parse(text(b.bytes))), expected);
    assert.equal(entryShapeProblem(JSON.parse(text(b.bytes))), undefined);
  });

  test('optional subject and idem are omitted, data defaults to {}', () => {
    const prev = createHash('sha256').update('some root').digest();
    const b = buildEntry({ type: 'ledger.genesis', actor: { kind: 'system', id: 'runledger' } }, 0, LEDGER, prev, TS);
    assert.equal(
      text(b.bytes),
      `{"actor":{"id":"runledger","kind":"system"},"data":{},"ledger":"${LEDGER}","prev":"${prev.toString('base64')}","seq":0,"ts":"2026-01-01T12:00:00.123Z","type":"ledger.genesis","v":1}`,
    );
    assert.equal('subject' in b.entry, false);
    assert.equal('idem' in b.entry, false);
  });

  test('non-ASCII data is UTF-8 in the bytes, and data keys sort by UTF-16 code units', () => {
    const b = buildEntry(
      { ...DRAFT, subject: undefined, idem: undefined, data: { '\u20ac': 'euro', '\ud83d\ude00': 'smile', z: '\u00e9', '10': 1, '9': 2 } },
      1,
      LEDGER,
      EMPTY_ROOT,
      TS,
    );
    const s = text(b.bytes);
    assert.ok(s.includes('"data":{"10":1,"9":2,"z":"\u00e9","\u20ac":"euro","\ud83d\ude00":"smile"}'), s);
    assert.equal(b.bytes.byteLength, Buffer.byteLength(s, 'utf8'));
    assert.ok(b.bytes.includes(0xe2)); // the euro sign's first UTF-8 byte, not an escape
    assert.equal(Buffer.from(b.leaf).toString('hex'), refLeaf(b.bytes));
  });

  test('large integers and exact decimals travel as strings; non-JSON data is refused', () => {
    const ok = buildEntry({ ...DRAFT, data: { big: '9007199254740993', price: '0.10' } }, 2, LEDGER, EMPTY_ROOT, TS);
    assert.ok(text(ok.bytes).includes('"data":{"big":"9007199254740993","price":"0.10"}'));
    assert.throws(() => buildEntry({ ...DRAFT, data: { big: 9007199254740993n } as never }, 2, LEDGER, EMPTY_ROOT, TS), isLedgerError('JCS_UNSUPPORTED_VALUE'));
    assert.throws(() => buildEntry({ ...DRAFT, data: { x: Number.NaN } }, 2, LEDGER, EMPTY_ROOT, TS), isLedgerError('JCS_UNSUPPORTED_VALUE'));
    assert.throws(() => buildEntry({ ...DRAFT, data: { when: new Date(0) } }, 2, LEDGER, EMPTY_ROOT, TS), isLedgerError('JCS_UNSUPPORTED_VALUE'));
    assert.throws(() => buildEntry({ ...DRAFT, data: { s: 'lone \ud800' } }, 2, LEDGER, EMPTY_ROOT, TS), isLedgerError('JCS_UNSUPPORTED_VALUE'));
  });

  test('invalid drafts and arguments are refused with ENTRY_INVALID', () => {
    const cases: Array<[string, () => unknown]> = [
      ['negative seq', () => buildEntry(DRAFT, -1, LEDGER, EMPTY_ROOT, TS)],
      ['fractional seq', () => buildEntry(DRAFT, 1.5, LEDGER, EMPTY_ROOT, TS)],
      ['seq beyond 2^53 - 1', () => buildEntry(DRAFT, 2 ** 53, LEDGER, EMPTY_ROOT, TS)],
      ['empty ledger', () => buildEntry(DRAFT, 1, '', EMPTY_ROOT, TS)],
      ['prev of 31 bytes', () => buildEntry(DRAFT, 1, LEDGER, EMPTY_ROOT.subarray(0, 31), TS)],
      ['prev of 33 bytes', () => buildEntry(DRAFT, 1, LEDGER, new Uint8Array(33), TS)],
      ['ts after year 9999', () => buildEntry(DRAFT, 1, LEDGER, EMPTY_ROOT, new Date(Date.UTC(10000, 0, 1)))],
      ['type not namespaced', () => buildEntry({ ...DRAFT, type: 'finished' }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['type with capitals', () => buildEntry({ ...DRAFT, type: 'Run.Step' }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['actor kind', () => buildEntry({ ...DRAFT, actor: { kind: 'robot' as never, id: 'x' } }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['actor id', () => buildEntry({ ...DRAFT, actor: { kind: 'user', id: '' } }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['actor extra field', () => buildEntry({ ...DRAFT, actor: { kind: 'user', id: 'a', secret: 'x' } as never }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['subject id', () => buildEntry({ ...DRAFT, subject: { kind: 'run', id: '' } }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['empty idem', () => buildEntry({ ...DRAFT, idem: '' }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['idem of 257 characters', () => buildEntry({ ...DRAFT, idem: 'k'.repeat(257) }, 1, LEDGER, EMPTY_ROOT, TS)],
      ['data array', () => buildEntry({ ...DRAFT, data: [] as never }, 1, LEDGER, EMPTY_ROOT, TS)],
    ];
    for (const [why, f] of cases) assert.throws(f, isLedgerError('ENTRY_INVALID'), why);
    // An invalid Date cannot be written as a timestamp at all.
    assert.throws(() => buildEntry(DRAFT, 1, LEDGER, EMPTY_ROOT, new Date(Number.NaN)));
    // The boundary values are accepted.
    assert.equal(
      buildEntry({ ...DRAFT, idem: 'k'.repeat(256) }, 2 ** 53 - 1, LEDGER, EMPTY_ROOT, new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999))).entry.seq,
      2 ** 53 - 1,
    );
  });

  test('the 64 KiB limit counts canonical UTF-8 bytes: 65536 is accepted, 65537 is not', () => {
    assert.equal(MAX_ENTRY_BYTES, 65536);
    const base = buildEntry({ ...DRAFT, data: { pad: '' } }, 7, LEDGER, EMPTY_ROOT, TS).bytes.byteLength;
    const fit = buildEntry({ ...DRAFT, data: { pad: 'x'.repeat(65536 - base) } }, 7, LEDGER, EMPTY_ROOT, TS);
    assert.equal(fit.bytes.byteLength, 65536);
    assert.equal(Buffer.from(fit.leaf).toString('hex'), refLeaf(fit.bytes));
    assert.throws(() => buildEntry({ ...DRAFT, data: { pad: 'x'.repeat(65537 - base) } }, 7, LEDGER, EMPTY_ROOT, TS), isLedgerError('ENTRY_TOO_LARGE'));
    // Characters are not bytes: a euro sign is 3 bytes, so 21846 of them (65538 bytes) are too many.
    assert.throws(() => buildEntry({ ...DRAFT, data: { pad: '\u20ac'.repeat(21846) } }, 7, LEDGER, EMPTY_ROOT, TS), isLedgerError('ENTRY_TOO_LARGE'));
    // Escapes count at their serialised length: U+0001 is written as the 6 bytes \u0001.
    const n = Math.floor((65536 - base) / 6);
    assert.equal(buildEntry({ ...DRAFT, data: { pad: '\u0001'.repeat(n) } }, 7, LEDGER, EMPTY_ROOT, TS).bytes.byteLength, base + 6 * n);
    assert.throws(() => buildEntry({ ...DRAFT, data: { pad: '\u0001'.repeat(n + 1) } }, 7, LEDGER, EMPTY_ROOT, TS), isLedgerError('ENTRY_TOO_LARGE'));
  });
});

describe('entryShapeProblem', () => {
  const valid = (): Record<string, unknown> => JSON.parse(text(buildEntry(DRAFT, 42, LEDGER, EMPTY_ROOT, TS).bytes)) as Record<string, unknown>;

  test('accepts well-formed entries, with and without the optional fields', () => {
    assert.equal(entryShapeProblem(valid()), undefined);
    const { subject: _s, idem: _i, ...minimal } = valid();
    assert.equal(entryShapeProblem(minimal), undefined);
    for (const kind of ['user', 'token', 'service', 'system']) assert.equal(entryShapeProblem({ ...valid(), actor: { kind, id: 'x' } }), undefined, kind);
    for (const type of [...RESERVED_TYPES, 'run.step.finished', 'a.b', 'run.step-2.x_y', 'x1.2'])
      assert.equal(entryShapeProblem({ ...valid(), type }), undefined, type);
    for (const ts of ['2024-02-29T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2026-12-31T23:59:59.000Z']) {
      assert.equal(entryShapeProblem({ ...valid(), ts }), undefined, ts);
    }
    assert.equal(entryShapeProblem({ ...valid(), seq: 0 }), undefined);
    assert.equal(entryShapeProblem({ ...valid(), seq: 2 ** 53 - 1 }), undefined);
    assert.equal(entryShapeProblem({ ...valid(), idem: 'k'.repeat(256) }), undefined);
    assert.equal(entryShapeProblem({ ...valid(), data: { nested: [1, { a: null }] } }), undefined);
  });

  test('the version is left to the caller (the verifier reports ENTRY_UNSUPPORTED_VERSION for it)', () => {
    assert.equal(entryShapeProblem({ ...valid(), v: 2 }), undefined);
  });

  test('rejects what is not a JSON object', () => {
    for (const e of [null, undefined, [], [valid()], 'entry', 1, true]) {
      assert.match(entryShapeProblem(e) ?? '', /not a JSON object/, JSON.stringify(e));
    }
  });

  // Each malformed field, and a pattern its message must match (so the right check fired).
  const malformed: Array<[string, (e: Record<string, unknown>) => void, RegExp]> = [
    ['unknown field', (e) => (e.extra = 1), /^unknown field "extra"$/],
    ['unknown field (secret)', (e) => (e.password = 'x'), /^unknown field "password"$/],
    ['seq missing', (e) => delete e.seq, /^seq\b/],
    ['seq negative', (e) => (e.seq = -1), /^seq\b/],
    ['seq fractional', (e) => (e.seq = 1.5), /^seq\b/],
    ['seq as a string', (e) => (e.seq = '42'), /^seq\b/],
    ['seq beyond 2^53 - 1', (e) => (e.seq = 2 ** 53), /^seq\b/],
    ['seq null', (e) => (e.seq = null), /^seq\b/],
    ['ledger missing', (e) => delete e.ledger, /^ledger\b/],
    ['ledger empty', (e) => (e.ledger = ''), /^ledger\b/],
    ['ledger not a string', (e) => (e.ledger = 7), /^ledger\b/],
    ['prev missing', (e) => delete e.prev, /^prev\b/],
    ['prev not a string', (e) => (e.prev = 1), /^prev\b/],
    ['prev not base64', (e) => (e.prev = 'not base64!'), /^prev\b/],
    ['prev of 31 bytes', (e) => (e.prev = Buffer.alloc(31).toString('base64')), /^prev\b/],
    ['prev of 33 bytes', (e) => (e.prev = Buffer.alloc(33).toString('base64')), /^prev\b/],
    ['prev without padding', (e) => (e.prev = EMPTY_B64.replace(/=$/, '')), /^prev\b/],
    ['prev in base64url', (e) => (e.prev = Buffer.from(EMPTY_ROOT).toString('base64url')), /^prev\b/],
    ['prev in hex', (e) => (e.prev = Buffer.from(EMPTY_ROOT).toString('hex')), /^prev\b/],
    ['ts missing', (e) => delete e.ts, /^ts\b/],
    ['ts not a string', (e) => (e.ts = 1767268800123), /^ts\b/],
    ['ts without milliseconds', (e) => (e.ts = '2026-01-01T12:00:00Z'), /^ts\b/],
    ['ts with two fraction digits', (e) => (e.ts = '2026-01-01T12:00:00.12Z'), /^ts\b/],
    ['ts with six fraction digits', (e) => (e.ts = '2026-01-01T12:00:00.123456Z'), /^ts\b/],
    ['ts with an offset', (e) => (e.ts = '2026-01-01T12:00:00.123+00:00'), /^ts\b/],
    ['ts with a space', (e) => (e.ts = '2026-01-01 12:00:00.123Z'), /^ts\b/],
    ['ts with lowercase z', (e) => (e.ts = '2026-01-01T12:00:00.123z'), /^ts\b/],
    ['ts month 13', (e) => (e.ts = '2026-13-01T00:00:00.000Z'), /^ts\b/],
    ['ts February 30', (e) => (e.ts = '2026-02-30T00:00:00.000Z'), /^ts\b/],
    ['ts February 29 of a common year', (e) => (e.ts = '2026-02-29T00:00:00.000Z'), /^ts\b/],
    ['ts April 31', (e) => (e.ts = '2026-04-31T00:00:00.000Z'), /^ts\b/],
    ['ts hour 24', (e) => (e.ts = '2026-01-01T24:00:00.000Z'), /^ts\b/],
    ['ts minute 60', (e) => (e.ts = '2026-01-01T12:60:00.000Z'), /^ts\b/],
    ['ts day 0', (e) => (e.ts = '2026-01-00T12:00:00.000Z'), /^ts\b/],
    ['type missing', (e) => delete e.type, /^type\b/],
    ['type empty', (e) => (e.type = ''), /^type\b/],
    ['type without namespace', (e) => (e.type = 'finished'), /^type\b/],
    ['type with capitals', (e) => (e.type = 'run.Step'), /^type\b/],
    ['type with trailing dot', (e) => (e.type = 'run.'), /^type\b/],
    ['type with leading dot', (e) => (e.type = '.run'), /^type\b/],
    ['type with empty segment', (e) => (e.type = 'run..step'), /^type\b/],
    ['type with a space', (e) => (e.type = 'run step.x'), /^type\b/],
    ['type starting with a digit', (e) => (e.type = '1run.x'), /^type\b/],
    ['type not a string', (e) => (e.type = ['run', 'step']), /^type\b/],
    ['actor missing', (e) => delete e.actor, /^actor\b/],
    ['actor null', (e) => (e.actor = null), /^actor\b/],
    ['actor array', (e) => (e.actor = []), /^actor\b/],
    ['actor string', (e) => (e.actor = 'user:alice'), /^actor\b/],
    ['actor kind unknown', (e) => (e.actor = { kind: 'robot', id: 'x' }), /^actor\.kind\b/],
    ['actor kind missing', (e) => (e.actor = { id: 'x' }), /^actor\.kind\b/],
    ['actor id missing', (e) => (e.actor = { kind: 'user' }), /^actor\.id\b/],
    ['actor id empty', (e) => (e.actor = { kind: 'user', id: '' }), /^actor\.id\b/],
    ['actor id not a string', (e) => (e.actor = { kind: 'user', id: 7 }), /^actor\.id\b/],
    ['actor extra field', (e) => (e.actor = { kind: 'user', id: 'a', token: 'secret' }), /^actor\b/],
    ['subject null', (e) => (e.subject = null), /^subject\b/],
    ['subject array', (e) => (e.subject = []), /^subject\b/],
    ['subject string', (e) => (e.subject = 'run:r-17'), /^subject\b/],
    ['subject kind empty', (e) => (e.subject = { kind: '', id: 'r' }), /^subject\b/],
    ['subject id missing', (e) => (e.subject = { kind: 'run' }), /^subject\b/],
    ['subject id not a string', (e) => (e.subject = { kind: 'run', id: 17 }), /^subject\b/],
    ['subject extra field', (e) => (e.subject = { kind: 'run', id: 'r', x: 1 }), /^subject\b/],
    ['data missing', (e) => delete e.data, /^data\b/],
    ['data null', (e) => (e.data = null), /^data\b/],
    ['data array', (e) => (e.data = [1]), /^data\b/],
    ['data string', (e) => (e.data = '{}'), /^data\b/],
    ['idem empty', (e) => (e.idem = ''), /^idem\b/],
    ['idem too long', (e) => (e.idem = 'k'.repeat(257)), /^idem\b/],
    ['idem not a string', (e) => (e.idem = 1), /^idem\b/],
    ['idem null', (e) => (e.idem = null), /^idem\b/],
  ];

  for (const [why, mutate, pattern] of malformed) {
    test(`catches: ${why}`, () => {
      const e = valid();
      mutate(e);
      const problem = entryShapeProblem(e);
      assert.equal(typeof problem, 'string', `${why}: no problem reported`);
      assert.match(problem!, pattern);
    });
  }

  test('isValidType agrees with the type check', () => {
    for (const t of ['run.step.finished', 'ledger.genesis', 'a.b']) assert.equal(isValidType(t), true, t);
    for (const t of ['', 'run', 'Run.step', 'run..x', '.x', 'x.', 'run.step.', 'ünï.code']) assert.equal(isValidType(t), false, t);
  });
});

describe('entryText (the writer builds entries without sorting the envelope)', () => {
  const prev = Buffer.alloc(32, 7);
  const ts = new Date('2026-03-04T05:06:07.089Z');
  const drafts: EntryDraft[] = [
    { type: 'run.step.finished', actor: { kind: 'service', id: 'engine' } },
    {
      type: 'run.step.finished',
      actor: { kind: 'user', id: 'ålice "q" \\ \u2028' },
      subject: { kind: 'run', id: 'r-1' },
      data: { b: 1, a: [true, null, 'x'] },
      idem: 'run:1:step:2',
    },
    {
      type: 'a.b',
      actor: { kind: 'token', id: '\u{1F600}' },
      subject: { kind: 'k\u00e9', id: '\uD83D\uDE00' },
      data: { '\u00e9': 1, e: 2, E: 3, '': { z: 0, y: -0, x: 1e21 } },
    },
    { type: 'ops.note', actor: { kind: 'system', id: 's' }, data: {}, idem: '\u0000\u001f' },
    { type: 'ops.note', actor: { kind: 'system', id: 's' }, data: { nested: { deep: [{ b: 2, a: 1 }] } } },
  ];
  for (const [i, d] of drafts.entries()) {
    test(`equals canonicalize(entry), draft ${i}`, () => {
      for (const ledger of ['runledger.test/ledger', 'ünï.test/x']) {
        const b = buildEntry(d, 42, ledger, prev, ts);
        assert.equal(Buffer.from(b.bytes).toString('utf8'), canonicalize(b.entry));
      }
    });
  }

  test('refuses lone surrogates in any string it writes, as canonicalize does', () => {
    const lone = '\uD800';
    const bad: EntryDraft[] = [
      { type: 'a.b', actor: { kind: 'user', id: lone } },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, subject: { kind: lone, id: 'x' } },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, subject: { kind: 'k', id: `x${lone}` } },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, idem: lone },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, data: { [lone]: 1 } },
    ];
    for (const d of bad) assert.throws(() => buildEntry(d, 1, 'runledger.test/ledger', prev, ts), LedgerError, JSON.stringify(d));
    assert.throws(() => buildEntry({ type: 'a.b', actor: { kind: 'user', id: 'u' } }, 1, `l${lone}`, prev, ts), LedgerError);
  });
});
