import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateSigner } from '@runledger/ledger';
import { StoreError, keyFileName, loadSigners, readKeyFile, writeKeyFile } from '../src/index.js';
import { removeTempDirs, tempDir } from '@runledger/testkit';

after(removeTempDirs);

async function code(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => assert.fail('expected an error'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof StoreError, String(e));
  return e;
}

describe('key files', () => {
  it('writes 0600 files in a 0700 keys directory and reads them back', async () => {
    const home = tempDir();
    const k = generateSigner('runledger.test/ledger');
    const path = await writeKeyFile(home, k);
    assert.equal(path, join(home, 'keys', keyFileName(k)));
    assert.match(keyFileName(k), /^runledger\.test_ledger-[0-9a-f]{8}\.skey$/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'keys')).mode & 0o777, 0o700);
    const back = await readKeyFile(path);
    assert.equal(back.vkey, k.vkey);
    assert.equal(back.skey, k.skey);
    const e = await code(writeKeyFile(home, k));
    assert.match(e.message, /already exists/);
  });

  it('refuses a key file that group or others can read, naming the path and mode', async () => {
    const home = tempDir();
    const k = generateSigner('runledger.test/ledger');
    const path = await writeKeyFile(home, k);
    chmodSync(path, 0o644);
    const e = await code(readKeyFile(path));
    assert.equal(e.code, 'KEY_FILE_INSECURE');
    assert.ok(e.message.includes(path) && e.message.includes('0644'), e.message);
    chmodSync(path, 0o640);
    assert.equal((await code(readKeyFile(path))).code, 'KEY_FILE_INSECURE');
    chmodSync(path, 0o400);
    assert.equal((await readKeyFile(path)).vkey, k.vkey);
  });

  it('loads all keys, reports missing and malformed files', async () => {
    const home = tempDir();
    assert.deepEqual(await loadSigners(home), []);
    const a = generateSigner('runledger.test/ledger');
    const b = generateSigner('runledger.test/ledger');
    await writeKeyFile(home, a);
    await writeKeyFile(home, b);
    writeFileSync(join(home, 'keys', 'README'), 'not a key');
    const loaded = await loadSigners(home);
    assert.deepEqual(loaded.map((k) => k.vkey).sort(), [a.vkey, b.vkey].sort());
    assert.equal((await code(readKeyFile(join(home, 'keys', 'nope.skey')))).code, 'KEY_FILE_MISSING');
    const bad = join(home, 'keys', 'bad.skey');
    writeFileSync(bad, 'PRIVATE+KEY+x+00000000+AAAA\n', { mode: 0o600 });
    const e = await code(readKeyFile(bad));
    assert.equal(e.code, 'KEY_FILE_INVALID');
    assert.ok(e.message.includes(bad));
  });
});
