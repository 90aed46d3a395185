import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError, openStore, redactDsn, resolveConfig, roleOfDsn, toSafeNumber, type StoreErrorCode } from '../src/index.js';
import { removeTempDirs, tempDir } from '@runledger/testkit';

after(removeTempDirs);

function fails(fn: () => unknown, code: StoreErrorCode, message: RegExp): StoreError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return e;
  }
  assert.fail('expected an error');
}

describe('resolveConfig', () => {
  it('defaults to SQLite in ./.runledger', () => {
    const c = resolveConfig({ env: {}, cwd: '/srv/app' });
    assert.equal(c.kind, 'sqlite');
    assert.equal(c.home, '/srv/app/.runledger');
    assert.equal(c.kind === 'sqlite' && c.file, '/srv/app/.runledger/runledger.db');
  });

  it('takes RUNLEDGER_HOME, and an explicit option over it', () => {
    assert.equal(resolveConfig({ env: { RUNLEDGER_HOME: 'data' }, cwd: '/srv' }).home, '/srv/data');
    assert.equal(resolveConfig({ env: { RUNLEDGER_HOME: '/var/lib/rl' }, cwd: '/srv' }).home, '/var/lib/rl');
    assert.equal(resolveConfig({ env: { RUNLEDGER_HOME: '/var/lib/rl' }, home: '/opt/x', cwd: '/srv' }).home, '/opt/x');
  });

  it('parses sqlite: URLs and refuses in-memory databases', () => {
    const file = (url: string) => {
      const c = resolveConfig({ env: { RUNLEDGER_DATABASE_URL: url }, cwd: '/srv' });
      return c.kind === 'sqlite' ? c.file : '';
    };
    assert.equal(file('sqlite:/data/x.db'), '/data/x.db');
    assert.equal(file('sqlite:///data/x.db'), '/data/x.db');
    assert.equal(file('sqlite:rel/x.db'), '/srv/rel/x.db');
    fails(() => file('sqlite::memory:'), 'CONFIG_INVALID', /RUNLEDGER_DATABASE_URL.*in-memory/);
    const c = resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'sqlite:/x.db', RUNLEDGER_LEDGER_DATABASE_URL: 'postgres://w@h/db' } });
    assert.match(c.warnings.join(), /RUNLEDGER_LEDGER_DATABASE_URL is ignored with SQLite/);
  });

  it('requires the writer DSN with PostgreSQL', () => {
    fails(() => resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'postgres://app:pw@h/db' } }), 'CONFIG_INVALID', /RUNLEDGER_LEDGER_DATABASE_URL.*required/);
    const c = resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'postgresql://app@h/db', RUNLEDGER_LEDGER_DATABASE_URL: 'postgres://w@h/db' } });
    assert.equal(c.kind, 'postgres');
    assert.equal(c.kind === 'postgres' && c.ledgerWriterUrl, 'postgres://w@h/db');
    fails(
      () => resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'postgres://app@h/db', RUNLEDGER_LEDGER_DATABASE_URL: 'sqlite:/x' } }),
      'CONFIG_INVALID',
      /RUNLEDGER_LEDGER_DATABASE_URL must be a postgres/,
    );
  });

  it('names an unknown scheme without echoing the value', () => {
    const e = fails(
      () => resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'mysql://root:hunter2@h/db' } }),
      'CONFIG_INVALID',
      /RUNLEDGER_DATABASE_URL must start with.*mysql:/,
    );
    assert.ok(!e.message.includes('hunter2'));
    const e2 = fails(
      () => resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'postgres://a:hunter2@[bad', RUNLEDGER_LEDGER_DATABASE_URL: 'postgres://w@h/db' } }),
      'CONFIG_INVALID',
      /RUNLEDGER_DATABASE_URL is not a valid/,
    );
    assert.ok(!e2.message.includes('hunter2'));
  });

  it('reads _FILE settings (trailing newline trimmed) and refuses both forms at once', () => {
    const dir = tempDir();
    const main = join(dir, 'main.dsn');
    const writer = join(dir, 'writer.dsn');
    writeFileSync(main, 'postgres://app:pw1@db.internal:5432/rl\n', { mode: 0o600 });
    writeFileSync(writer, 'postgres://w:pw2@db.internal:5432/rl\r\n', { mode: 0o600 });
    const c = resolveConfig({ env: { RUNLEDGER_DATABASE_URL_FILE: main, RUNLEDGER_LEDGER_DATABASE_URL_FILE: writer } });
    assert.equal(c.kind, 'postgres');
    if (c.kind === 'postgres') {
      assert.equal(c.url, 'postgres://app:pw1@db.internal:5432/rl');
      assert.equal(c.ledgerWriterUrl, 'postgres://w:pw2@db.internal:5432/rl');
      assert.deepEqual(c.sources, { url: 'RUNLEDGER_DATABASE_URL_FILE', ledgerWriterUrl: 'RUNLEDGER_LEDGER_DATABASE_URL_FILE' });
    }
    fails(
      () => resolveConfig({ env: { RUNLEDGER_DATABASE_URL: 'sqlite:/x', RUNLEDGER_DATABASE_URL_FILE: main } }),
      'CONFIG_INVALID',
      /RUNLEDGER_DATABASE_URL and RUNLEDGER_DATABASE_URL_FILE are both set/,
    );
    fails(
      () => resolveConfig({ env: { RUNLEDGER_DATABASE_URL_FILE: join(dir, 'missing') } }),
      'CONFIG_INVALID',
      /RUNLEDGER_DATABASE_URL_FILE: cannot read .*missing \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'empty'), '\n');
    fails(() => resolveConfig({ env: { RUNLEDGER_DATABASE_URL_FILE: join(dir, 'empty') } }), 'CONFIG_INVALID', /is empty/);
    // Empty variables count as unset.
    assert.equal(resolveConfig({ env: { RUNLEDGER_DATABASE_URL: '', RUNLEDGER_DATABASE_URL_FILE: '' } }).kind, 'sqlite');
  });

  it('redacts DSN passwords', () => {
    assert.equal(redactDsn('postgres://app:s3cret@h:5432/db'), 'postgres://app:***@h:5432/db');
    assert.equal(redactDsn('postgres://app@h/db?password=s3cret&sslmode=require'), 'postgres://app@h/db?password=***&sslmode=require');
    assert.equal(redactDsn('postgres://app@h/db'), 'postgres://app@h/db');
    assert.equal(redactDsn('not a url s3cret'), '<unparsable DSN>');
    assert.equal(roleOfDsn('postgres://ledger%5Fw:x@h/db'), 'ledger_w');
    assert.equal(roleOfDsn('postgres://h/db?user=bob'), 'bob');
  });

  it('converts int8 values safely', () => {
    assert.equal(toSafeNumber('9007199254740991', 'x'), 2 ** 53 - 1);
    assert.equal(toSafeNumber(12n, 'x'), 12);
    assert.equal(toSafeNumber(7, 'x'), 7);
    fails(() => toSafeNumber('9007199254740993', 'ledger_entries.seq'), 'STORE_CORRUPT', /ledger_entries\.seq: 9007199254740993/);
    fails(() => toSafeNumber(2n ** 60n, 'x'), 'STORE_CORRUPT', /2\^53-1/);
    fails(() => toSafeNumber('-1', 'x'), 'STORE_CORRUPT', /x: -1/);
    fails(() => toSafeNumber('1e3', 'x'), 'STORE_CORRUPT', /x: 1e3/);
  });

  it('does not leak the password when PostgreSQL is unreachable', async () => {
    const e = await openStore({
      kind: 'postgres',
      home: '/x',
      url: 'postgres://app:hunter2@127.0.0.1:1/db',
      ledgerWriterUrl: 'postgres://w:pw@127.0.0.1:1/db',
      warnings: [],
    }).then(
      () => assert.fail('opened'),
      (err: unknown) => err as StoreError,
    );
    assert.equal(e.code, 'STORE_UNAVAILABLE');
    assert.match(e.message, /RUNLEDGER_DATABASE_URL=postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/db/);
    assert.ok(!e.message.includes('hunter2'));
  });
});
