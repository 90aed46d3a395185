// Off-host anchors on a real SQLite store: shipments accumulate and verify as the ledger grows; the
// live ledger is checked against them; a ledger restored to an older copy (ROLLED_BACK), one that
// went on from that copy, or one whose checkpoint was re-signed over another root (FORKED) is caught;
// an edited entry fails `verify --anchors`; a command destination receives each shipment file.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { formatShipment, parseShipment, parseVkey, sha256, signCheckpoint, verifyAnchorChain, type AnchorFile } from '@runledger/ledger';
import { verifyBundleDir } from '@runledger/ledger/verify-cli';
import { loadSigners } from '@runledger/store';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import {
  AnchorShipper,
  checkAnchors,
  exportBundle,
  initLedger,
  openLedger,
  parseDestination,
  readAnchorDir,
  rotateSigningKey,
  RuntimeError,
  TRUST_FILE,
  type LedgerLocation,
} from '../src/index.js';

const ORIGIN = 'ops.test.runledger/anchors';
const actor = { kind: 'user' as const, id: 'alice' };

async function append(loc: LedgerLocation, n: number, tag = 'a'): Promise<void> {
  const ctx = await openLedger(loc, { write: true });
  try {
    for (let i = 0; i < n; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { tag, i } });
  } finally {
    await ctx.close();
  }
}

async function ship(loc: LedgerLocation, home: string, specs: string[], cwd: string): Promise<AnchorShipper> {
  const ctx = await openLedger(loc, { write: false });
  try {
    const shipper = new AnchorShipper({ reader: ctx.reader, destinations: specs.map((s) => parseDestination(s, cwd)), stateDir: join(home, 'anchors') });
    await shipper.shipNow().catch(() => undefined);
    return shipper;
  } finally {
    await ctx.close();
  }
}

async function check(loc: LedgerLocation, dir: string) {
  const ctx = await openLedger(loc, { write: false });
  try {
    return await checkAnchors(ctx.reader, dir, trust(loc.home!));
  } finally {
    await ctx.close();
  }
}

function trust(home: string) {
  return readFileSync(join(home, TRUST_FILE), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map(parseVkey);
}

async function fresh(): Promise<{ root: string; home: string; loc: LedgerLocation; anchors: string }> {
  const root = tempDir('runledger-anchors-');
  const home = join(root, 'home');
  const loc = { home, env: {} };
  await initLedger(loc, { origin: ORIGIN, actor });
  return { root, home, loc, anchors: join(root, 'offhost') };
}

after(() => removeTempDirs());

describe('off-host anchors', () => {
  it('ships the growth to a directory and a command; every shipment verifies and the live ledger is consistent', async () => {
    const { root, home, loc, anchors } = await fresh();
    const received = join(root, 'received');
    const script = join(root, 'copy.sh');
    writeFileSync(script, `mkdir -p '${received}' && cp "$1" '${received}/'\n`);
    const dests = [anchors, `cmd:/bin/sh ${script}`];
    await ship(loc, home, dests, root);
    await append(loc, 3);
    await ship(loc, home, dests, root);
    await append(loc, 2);
    await ship(loc, home, dests, root);
    await ship(loc, home, dests, root); // nothing new: no shipment
    const files = await readAnchorDir(anchors);
    assert.deepEqual(
      files.map((f) => Number(f.name.slice(0, 20))),
      [1, 4, 6],
    );
    const chain = verifyAnchorChain(files, trust(home));
    assert.ok(chain.ok, JSON.stringify(chain));
    assert.equal(chain.newest.size, 6);
    assert.equal(chain.entriesProven, 6, 'the entries replayed from 0 give every shipped root');
    const s = parseShipment(files[2]!.text);
    assert.ok(typeof s !== 'string');
    assert.equal(s.from, 4);
    assert.equal(s.entries.length, 2);
    assert.deepEqual(readdirSync(received).sort(), files.map((f) => f.name).sort(), 'the command got every shipment file');
    assert.equal(readFileSync(join(received, files[2]!.name), 'utf8'), files[2]!.text);
    assert.equal(readdirSync(anchors).filter((n) => n.startsWith('.')).length, 0, 'no temporary file left');

    const r = await check(loc, anchors);
    assert.equal(r.status, 'CONSISTENT', r.detail);
    await append(loc, 1);
    assert.equal((await check(loc, anchors)).status, 'CONSISTENT', 'a live ledger ahead of the anchor extends it');

    // The export verifies against the anchor directory.
    const bundle = join(root, 'export');
    const ctx = await openLedger(loc, { write: false });
    await exportBundle(ctx.reader, bundle).finally(() => ctx.close());
    const v = verifyBundleDir({ bundle, trust: [join(home, TRUST_FILE)], anchors: [], anchorDirs: [anchors], json: false });
    assert.ok(v.ok, JSON.stringify(v));
  });

  it('catches a ledger restored to an older copy (ROLLED_BACK), and one that went on from it (FORKED)', async () => {
    const { root, home, loc, anchors } = await fresh();
    await append(loc, 3);
    const db = join(home, 'runledger.db');
    const old = join(root, 'old.db');
    copyFileSync(db, old);
    await append(loc, 4);
    await ship(loc, home, [anchors], root);
    const restore = (): void => {
      for (const x of ['-wal', '-shm']) rmSync(db + x, { force: true });
      copyFileSync(old, db);
    };
    restore();
    const r = await check(loc, anchors);
    assert.equal(r.status, 'ROLLED_BACK');
    assert.equal(r.reason, 'LIVE_BEHIND_ANCHOR');
    assert.equal(r.anchorSize, 8);
    assert.equal(r.liveSize, 4);

    // The shipper does not ship a smaller ledger over the evidence of a larger one.
    const shipper = await ship(loc, home, [anchors], root);
    assert.match(shipper.status()[0]!.lastError ?? '', /ROLLED_BACK/);
    const ctx = await openLedger(loc, { write: false });
    await assert.rejects(
      new AnchorShipper({ reader: ctx.reader, destinations: [parseDestination(anchors, root)], stateDir: join(home, 'anchors') }).shipNow(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ANCHOR_SHIP_FAILED',
    );
    const bundle = join(root, 'export');
    await exportBundle(ctx.reader, bundle).finally(() => ctx.close());
    const v = verifyBundleDir({ bundle, trust: [join(home, TRUST_FILE)], anchors: [], anchorDirs: [anchors], json: false });
    assert.equal(v.ok ? 'ok' : v.reason, 'ROLLBACK');

    // Going on from the old copy past the anchor's size: validly signed, but another history.
    await append(loc, 6, 'other');
    const f = await check(loc, anchors);
    assert.equal(f.status, 'FORKED');
    assert.equal(f.reason, 'CONSISTENCY_PROOF_INVALID');
  });

  it('catches a checkpoint re-signed over another root (FORKED), and an edited entry in verify --anchors', async () => {
    const { root, home, loc, anchors } = await fresh();
    await append(loc, 5);
    await ship(loc, home, [anchors], root);
    const dbFile = join(home, 'runledger.db');
    const copy = join(root, 'copy.db');
    copyFileSync(dbFile, copy);

    // Whoever holds the host holds the key: a rewritten ledger can carry valid signatures.
    const signers = await loadSigners(home);
    const db = new Database(dbFile);
    for (const t of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as { name: string }[]) db.exec(`DROP TRIGGER ${t.name}`);
    const forged = signCheckpoint({ origin: ORIGIN, size: 6, root: sha256(new Uint8Array([1])) }, signers);
    db.prepare(`UPDATE ledger_checkpoints SET note = ?, root = ? WHERE size = 6`).run(forged, Buffer.from(sha256(new Uint8Array([1]))));
    db.close();
    const r = await check(loc, anchors);
    assert.equal(r.status, 'FORKED');
    assert.equal(r.reason, 'ROOT_MISMATCH');

    // An edited entry (checkpoints untouched): the export no longer verifies, with its reason and index.
    for (const x of ['-wal', '-shm']) rmSync(dbFile + x, { force: true });
    copyFileSync(copy, dbFile);
    const db2 = new Database(dbFile);
    for (const t of db2.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as { name: string }[]) db2.exec(`DROP TRIGGER ${t.name}`);
    db2.prepare(`UPDATE ledger_entries SET bytes = CAST(replace(CAST(bytes AS TEXT), '"tag":"a"', '"tag":"b"') AS BLOB) WHERE seq = 3`).run();
    db2.close();
    const ctx = await openLedger(loc, { write: false });
    const bundle = join(root, 'export');
    await exportBundle(ctx.reader, bundle).finally(() => ctx.close());
    const v = verifyBundleDir({ bundle, trust: [join(home, TRUST_FILE)], anchors: [], anchorDirs: [anchors], json: false });
    assert.ok(!v.ok);
    // Entry 3 still parses; the next entry's prev (the root over the original entry 3) exposes it.
    assert.deepEqual([v.reason, v.index], ['ENTRY_PREV_MISMATCH', 4], JSON.stringify(v));
  });

  it('follows a key rotation: a shipment stops at the handover checkpoint, so the old key alone verifies the chain', async () => {
    const { root, home, loc, anchors } = await fresh();
    const oldKeys = trust(home);
    await append(loc, 1);
    const ctx = await openLedger(loc, { write: true });
    await rotateSigningKey(ctx, actor).finally(() => ctx.close());
    await append(loc, 2);
    await ship(loc, home, [anchors], root);
    await ship(loc, home, [anchors], root);
    const files = await readAnchorDir(anchors);
    assert.equal(files.length, 2, 'one shipment to the handover, one after');
    const chain = verifyAnchorChain(files, oldKeys);
    assert.ok(chain.ok, JSON.stringify(chain));
    assert.equal(chain.newest.size, 5);
  });

  it('an anchor directory that does not hold together is named with its reason', async () => {
    const { home, loc, anchors, root } = await fresh();
    await append(loc, 2);
    await ship(loc, home, [anchors], root);
    await append(loc, 3);
    await ship(loc, home, [anchors], root);
    const files = await readAnchorDir(anchors);
    const keys = trust(home);
    const second = parseShipment(files[1]!.text);
    assert.ok(typeof second !== 'string');
    const bad = (f: AnchorFile) => verifyAnchorChain([files[0]!, f], keys);
    // A proof hash flipped: the chain itself says the ledger was rewritten between shipments.
    const flipped = Uint8Array.from(second.proof[0]!);
    flipped[0]! ^= 1;
    const withProof = formatShipment({
      from: second.from,
      entries: second.entries,
      proof: [flipped, ...second.proof.slice(1)],
      checkpointNote: second.checkpoint.text,
    });
    assert.equal(pick(bad({ name: files[1]!.name, text: withProof })), 'CHAIN_FORKED');
    const gap = formatShipment({ from: second.from + 1, entries: [], proof: second.proof, checkpointNote: second.checkpoint.text });
    assert.equal(pick(bad({ name: files[1]!.name, text: gap })), 'CHAIN_GAP');
    assert.equal(pick(verifyAnchorChain(files, [])), 'UNTRUSTED_SIGNER');
    assert.equal(pick(bad({ name: files[1]!.name, text: 'runledger-anchor/1\nnonsense\n\n' })), 'SHIPMENT_MALFORMED');
    assert.equal(pick(verifyAnchorChain([], keys)), 'NO_ANCHORS');
    // Checkpoint only (entries left out): still a verified chain, entries no longer proven.
    const lean = formatShipment({ from: second.from, entries: [], proof: second.proof, checkpointNote: second.checkpoint.text });
    const c = bad({ name: files[1]!.name, text: lean });
    assert.ok(c.ok);
    assert.equal(c.entriesProven, 0);
    assert.ok(existsSync(anchors));
  });
});

function pick(c: ReturnType<typeof verifyAnchorChain>): string {
  return c.ok ? 'ok' : c.reason;
}
