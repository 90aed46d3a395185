// Ledger services end to end on both dialects: init, export, offline verification, key rotation, and
// tampering with the database (as an attacker with admin rights) caught by the verifier with the
// right reason and index.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicalize, checkReceipt, generateSigner, LedgerError, parseVkey, signCheckpoint, verifyConsistency, type VerifyResult } from '@runledger/ledger';
import { verifyBundleDir } from '@runledger/ledger/verify-cli';
import { isStoreError, type Env } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import {
  consistencyFor,
  exportBundle,
  initLedger,
  openLedger,
  receiptFor,
  rotateSigningKey,
  RuntimeError,
  TRUST_FILE,
  type LedgerLocation,
} from '../src/index.js';

const ORIGIN = 'ops.test.runledger/prod';
const actor = { kind: 'user' as const, id: 'alice' };

function locOf(f: Fixture): LedgerLocation {
  const env: Env =
    f.config.kind === 'postgres'
      ? { RUNLEDGER_DATABASE_URL: f.config.url, RUNLEDGER_LEDGER_DATABASE_URL: f.config.ledgerWriterUrl }
      : { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.file}` };
  return { env, home: f.home };
}

async function seed(loc: LedgerLocation, n: number): Promise<void> {
  const ctx = await openLedger(loc, { write: true });
  try {
    // Sequential: one commit (and checkpoint) per entry, like an operator's manual appends.
    for (let i = 0; i < n; i++) await ctx.writer!.append({ type: 'ops.note', actor, subject: { kind: 'release', id: `1.${i}` }, data: { i } });
  } finally {
    await ctx.close();
  }
}

async function exportAndVerify(loc: LedgerLocation, opts: { anchors?: string[]; trust?: string } = {}): Promise<VerifyResult> {
  const dir = join(tempDir('runledger-export-'), 'bundle');
  const ctx = await openLedger(loc, { write: false });
  try {
    await exportBundle(ctx.reader, dir);
  } finally {
    await ctx.close();
  }
  const anchorFiles = (opts.anchors ?? []).map((text, i) => {
    const p = join(dir, '..', `anchor-${i}.note`);
    writeFileSync(p, text);
    return p;
  });
  return verifyBundleDir({ bundle: dir, trust: [opts.trust ?? join(loc.home!, TRUST_FILE)], anchors: anchorFiles, json: false });
}

function expectFail(r: VerifyResult, reason: string, index: number): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  if (!r.ok) {
    assert.equal(r.reason, reason, JSON.stringify(r));
    assert.equal(r.index, index, JSON.stringify(r));
  }
}

function suite(factory: FixtureFactory): void {
  describe(`ledger services on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    async function fresh(n = 6): Promise<{ f: Fixture; loc: LedgerLocation }> {
      const f = await factory.create();
      const loc = locOf(f);
      await initLedger(loc, { origin: ORIGIN, actor });
      await seed(loc, n - 1);
      return { f, loc };
    }

    it('init writes a 0600 key, the trust file and the genesis entry; a second init is refused', async () => {
      const f = await factory.create();
      const loc = locOf(f);
      const r = await initLedger(loc, { origin: ORIGIN, actor });
      assert.equal(r.size, 1);
      assert.equal(statSync(r.keyFile).mode & 0o777, 0o600);
      const trust = readFileSync(r.trustFile, 'utf8');
      assert.ok(trust.includes(r.vkey));
      assert.equal(parseVkey(r.vkey).name, ORIGIN);
      await assert.rejects(initLedger(loc, { origin: ORIGIN, actor }), (e) => isStoreError(e, 'LEDGER_ALREADY_INITIALISED'));
      assert.equal(readdirSync(join(f.home, 'keys')).length, 1, 'the refused init left no extra key behind');
    });

    it('an export verifies offline; receipts and consistency proofs check out', async () => {
      const { loc } = await fresh(8);
      const r = await exportAndVerify(loc);
      assert.equal(r.ok, true, JSON.stringify(r));
      if (r.ok) assert.equal(r.size, 8);
      const ctx = await openLedger(loc, { write: false });
      try {
        const trusted = readFileSync(join(loc.home!, TRUST_FILE), 'utf8')
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map(parseVkey);
        for (const i of [0, 3, 7]) {
          const c = checkReceipt(await receiptFor(ctx.reader, i), trusted);
          assert.equal(c.ok, true, `receipt ${i}`);
        }
        await assert.rejects(receiptFor(ctx.reader, 8), (e) => e instanceof LedgerError && e.code === 'PROOF_RANGE');
        const p = await consistencyFor(ctx.reader, 3, 8);
        assert.equal(verifyConsistency(3, 8, p.from.root, p.to.root, p.proof), true);
      } finally {
        await ctx.close();
      }
    });

    it('export refuses a non-empty target and leaves no partial directory', async () => {
      const { loc } = await fresh(2);
      const parent = tempDir('runledger-export-');
      const dir = join(parent, 'bundle');
      mkdirSync(dir);
      writeFileSync(join(dir, 'keep.txt'), 'x');
      const ctx = await openLedger(loc, { write: false });
      try {
        await assert.rejects(exportBundle(ctx.reader, dir), (e) => e instanceof RuntimeError && e.code === 'EXPORT_TARGET_EXISTS');
      } finally {
        await ctx.close();
      }
      assert.deepEqual(readdirSync(parent), ['bundle']);
      assert.deepEqual(readdirSync(dir), ['keep.txt']);
    });

    it('key rotation: the export carries the handover checkpoint and verifies with the trust file from init', async () => {
      const { loc } = await fresh(3);
      const oldTrust = join(tempDir('runledger-trust-'), 'trust.vkeys');
      writeFileSync(oldTrust, readFileSync(join(loc.home!, TRUST_FILE)));
      const ctx = await openLedger(loc, { write: true });
      let rot;
      try {
        rot = await rotateSigningKey(ctx, actor);
      } finally {
        await ctx.close();
      }
      assert.equal(rot.seq, 3);
      await seed(loc, 2);
      const r = await exportAndVerify(loc, { trust: oldTrust });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.ok(readFileSync(join(loc.home!, TRUST_FILE), 'utf8').includes(rot.vkey));
    });

    describe('tampering in the database is caught by the verifier', () => {
      const entries = (f: Fixture) => f.table('ledger_entries');
      const cps = (f: Fixture) => f.table('ledger_checkpoints');
      const bytesLit = (f: Fixture, b: Buffer) => (f.dialect === 'postgres' ? `'\\x${b.toString('hex')}'::bytea` : `X'${b.toString('hex')}'`);

      async function rowBytes(f: Fixture, seq: number): Promise<Buffer> {
        const rows = await f.admin(`SELECT bytes FROM ${entries(f)} WHERE seq = ${seq}`);
        return Buffer.from(rows[0]!.bytes as Uint8Array);
      }

      it('an edited entry: ENTRY_PREV_MISMATCH at the next entry', async () => {
        const { f, loc } = await fresh(8);
        const o = JSON.parse((await rowBytes(f, 3)).toString('utf8'));
        o.data.i = 999;
        await f.tamper(`UPDATE ${entries(f)} SET bytes = ${bytesLit(f, Buffer.from(canonicalize(o)))} WHERE seq = 3`);
        expectFail(await exportAndVerify(loc), 'ENTRY_PREV_MISMATCH', 4);
        await assert.rejects(
          openLedger(loc, { write: true, startupCheck: 'full' }),
          (e) => isStoreError(e, 'LEDGER_ROOT_MISMATCH'),
          'the full startup check refuses a tampered store',
        );
      });

      it('an edited last entry: CHECKPOINT_ROOT_MISMATCH at it', async () => {
        const { f, loc } = await fresh(8);
        const o = JSON.parse((await rowBytes(f, 7)).toString('utf8'));
        o.actor.id = 'mallory';
        await f.tamper(`UPDATE ${entries(f)} SET bytes = ${bytesLit(f, Buffer.from(canonicalize(o)))} WHERE seq = 7`);
        expectFail(await exportAndVerify(loc), 'CHECKPOINT_ROOT_MISMATCH', 7);
      });

      it('a deleted entry: ENTRY_SEQ_MISMATCH where it was', async () => {
        const { f, loc } = await fresh(8);
        await f.tamper(`DELETE FROM ${entries(f)} WHERE seq = 5`);
        expectFail(await exportAndVerify(loc), 'ENTRY_SEQ_MISMATCH', 5);
      });

      it('swapped entries: ENTRY_SEQ_MISMATCH at the first', async () => {
        const { f, loc } = await fresh(8);
        const [a, b] = [await rowBytes(f, 2), await rowBytes(f, 3)];
        await f.tamper(`UPDATE ${entries(f)} SET bytes = ${bytesLit(f, b)} WHERE seq = 2; UPDATE ${entries(f)} SET bytes = ${bytesLit(f, a)} WHERE seq = 3`);
        expectFail(await exportAndVerify(loc), 'ENTRY_SEQ_MISMATCH', 2);
      });

      it('a truncated tail: TRUNCATED at the first missing entry', async () => {
        const { f, loc } = await fresh(8);
        await f.tamper(`DELETE FROM ${entries(f)} WHERE seq >= 6`);
        expectFail(await exportAndVerify(loc), 'TRUNCATED', 6);
      });

      it('a re-signed checkpoint: CHECKPOINT_UNTRUSTED_SIGNER at the last entry it covers', async () => {
        const { f, loc } = await fresh(8);
        const row = (await f.admin(`SELECT root FROM ${cps(f)} WHERE size = 8`))[0]!;
        const note = signCheckpoint({ origin: ORIGIN, size: 8, root: new Uint8Array(row.root as Uint8Array) }, [generateSigner(ORIGIN)]);
        await f.tamper(`UPDATE ${cps(f)} SET note = '${note.replace(/'/g, "''")}' WHERE size = 8`);
        expectFail(await exportAndVerify(loc), 'CHECKPOINT_UNTRUSTED_SIGNER', 7);
      });

      it('a rollback (latest entries and checkpoints deleted) verifies alone but fails ROLLBACK against an anchor', async () => {
        const { f, loc } = await fresh(8);
        const anchor = (await f.admin(`SELECT note FROM ${cps(f)} WHERE size = 8`))[0]!.note as string;
        await f.tamper(`DELETE FROM ${entries(f)} WHERE seq >= 6; DELETE FROM ${cps(f)} WHERE size > 6`);
        assert.equal((await exportAndVerify(loc)).ok, true);
        expectFail(await exportAndVerify(loc, { anchors: [anchor] }), 'ROLLBACK', 6);
      });
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
