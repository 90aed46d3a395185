// `runledger anchors ship|check` and `runledger verify --anchors DIR` on the embedded SQLite store:
// exit 0 consistent, 1 rolled back (with the reason), 2 bad input.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliRunner } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-anchors-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('runledger anchors', () => {
  const home = join(root, 'data');
  const dir = join(root, 'offhost');
  const run = cliRunner(root, home);
  const append = async (n: number) => {
    for (let i = 0; i < n; i++) assert.equal((await run({}, 'ledger', 'append', '--type', 'ops.note', '--data', `{"i":${i}}`)).code, 0);
  };

  it('ships, checks consistent, and verify --anchors accepts the export', async () => {
    assert.equal((await run({}, 'init', '--origin', 'ops.test/anchors')).code, 0);
    await append(2);
    const s = await run({}, 'anchors', 'ship', '--to', dir);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /shipped 0 → 3 \(3 entries\)/);
    await append(1);
    // RUNLEDGER_ANCHORS is the default destination.
    assert.equal((await run({ RUNLEDGER_ANCHORS: dir }, 'anchors', 'ship')).code, 0);
    assert.equal(readdirSync(dir).length, 2);
    const c = await run({ RUNLEDGER_ANCHORS: dir }, 'anchors', 'check', '--json');
    assert.equal(c.code, 0, c.out + c.err);
    assert.equal((JSON.parse(c.out) as { status: string }).status, 'CONSISTENT');
    const bundle = join(root, 'export');
    assert.equal((await run({}, 'ledger', 'export', bundle)).code, 0);
    const v = await run({}, 'verify', bundle, '--trust', join(home, 'trust.vkeys'), '--anchors', dir);
    assert.equal(v.code, 0, v.out + v.err);
  });

  it('a restored older copy: check exits 1 with ROLLED_BACK, verify --anchors fails with ROLLBACK', async () => {
    const db = join(home, 'runledger.db');
    const old = join(root, 'old.db');
    copyFileSync(db, old);
    await append(3);
    assert.equal((await run({}, 'anchors', 'ship', '--to', dir)).code, 0);
    for (const x of ['-wal', '-shm']) rmSync(db + x, { force: true });
    copyFileSync(old, db);
    const c = await run({}, 'anchors', 'check', '--dir', dir);
    assert.equal(c.code, 1, c.out + c.err);
    assert.match(c.out, /^ROLLED_BACK LIVE_BEHIND_ANCHOR 0+7\.anchor: the live ledger holds 4 entries; an anchor proves 7 existed/);
    const bundle = join(root, 'export-old');
    assert.equal((await run({}, 'ledger', 'export', bundle)).code, 0);
    const v = await run({}, 'verify', bundle, '--trust', join(home, 'trust.vkeys'), '--anchors', dir);
    assert.equal(v.code, 1);
    assert.match(v.out, /FAILED ROLLBACK/);
    const refused = await run({}, 'anchors', 'ship', '--to', dir);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /ROLLED_BACK/);
  });

  it('the checklist item `anchors: consistent` fails on the rolled-back ledger and names the reason', async () => {
    writeFileSync(join(home, 'catalog.yaml'), 'checklists:\n  - name: anchored\n    items:\n      - anchors: consistent\n');
    const h = await run({ RUNLEDGER_ANCHORS: dir }, 'health', 'anchored', '--json');
    assert.equal(h.code, 1, h.out + h.err);
    assert.match(h.out, /LIVE_BEHIND_ANCHOR/);
    const none = await run({}, 'health', 'anchored', '--json');
    assert.match(none.out, /no anchor directory configured/);
  });

  it('bad input exits 2', async () => {
    assert.equal((await run({}, 'anchors', 'check', '--dir', join(root, 'empty'))).code, 2);
    assert.equal((await run({}, 'anchors', 'check')).code, 2, 'no directory given or configured');
    assert.equal((await run({}, 'anchors', 'ship')).code, 2);
  });
});
