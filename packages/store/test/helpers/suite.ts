// The store suite, run unchanged on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  EMPTY_ROOT,
  fromBase64,
  generateSigner,
  leafHash,
  openNote,
  parseNote,
  parseSignedCheckpoint,
  rootOfLeaves,
  toBase64,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type SignerKey,
} from '@runledger/ledger';
import {
  LedgerReader,
  LedgerWriter,
  MIGRATION_HEAD,
  StoreError,
  openStore,
  type LedgerWriterOptions,
  type Store,
  type StoreErrorCode,
} from '../../src/index.js';
import type { Fixture, FixtureFactory } from '@runledger/testkit';

export const ORIGIN = 'runledger.test/ledger';
const actor = { kind: 'user', id: 'alice' } as const;

export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode, message?: RegExp): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StoreError, `expected StoreError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected StoreError ${code}, but the promise resolved`);
}

interface Ledger {
  fx: Fixture;
  store: Store;
  writer: LedgerWriter;
  reader: LedgerReader;
  key: SignerKey;
}

/** All stored leaves in order, via the reader. */
async function storedLeaves(reader: LedgerReader): Promise<Hash[]> {
  const out: Hash[] = [];
  for await (const e of reader.iterateEntries()) out.push(e.leaf);
  return out;
}

export function storeSuite(factory: FixtureFactory): void {
  describe(`@runledger/store on ${factory.name}`, () => {
    const stores: Store[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const s of stores) await s.close();
      await factory.teardown();
    });

    async function open(fx: Fixture): Promise<Store> {
      const s = await openStore(fx.config);
      stores.push(s);
      return s;
    }

    async function ledger(opts: Partial<LedgerWriterOptions> = {}): Promise<Ledger> {
      const fx = await factory.create();
      const store = await open(fx);
      const key = generateSigner(ORIGIN);
      const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key], ...opts });
      await writer.init({ actor: { kind: 'system', id: 'setup' } });
      return { fx, store, writer, reader: new LedgerReader(store), key };
    }

    const draft = (i: number, extra: Record<string, unknown> = {}) => ({
      type: 'run.step.finished',
      actor,
      subject: { kind: 'run', id: 'r1' },
      data: { i },
      ...extra,
    });

    it('migrates to the head and reopens idempotently', async () => {
      const fx = await factory.create();
      const s1 = await open(fx);
      assert.equal(await s1.migrationHead(), MIGRATION_HEAD);
      await s1.close();
      const s2 = await open(fx);
      assert.equal(await s2.migrationHead(), MIGRATION_HEAD);
      assert.equal(s2.kind, factory.name);
    });

    it('writes genesis, then chains seq and prev (prev = root of the previous size)', async () => {
      const fx = await factory.create();
      const store = await open(fx);
      const key = generateSigner(ORIGIN);
      const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key] });
      await rejectsWith(writer.append(draft(0)), 'LEDGER_NOT_INITIALISED');
      const g = await writer.init({ actor: { kind: 'system', id: 'setup' } });
      assert.equal(g.seq, 0);
      assert.equal(g.entry.type, 'ledger.genesis');
      assert.deepEqual(g.entry.data, { keys: [key.vkey] });
      assert.equal(g.entry.prev, toBase64(EMPTY_ROOT));
      await rejectsWith(writer.init({ actor: { kind: 'system', id: 'again' } }), 'LEDGER_ALREADY_INITIALISED');
      await rejectsWith(writer.append({ type: 'ledger.genesis', actor, data: {} }), 'ENTRY_REJECTED');
      await rejectsWith(writer.append({ type: 'Not A Type', actor }), 'ENTRY_REJECTED');

      for (let i = 1; i <= 10; i++) assert.equal((await writer.append(draft(i))).seq, i);
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append(draft(100 + i))));
      assert.deepEqual(
        burst.map((r) => r.seq),
        Array.from({ length: 20 }, (_, i) => 11 + i),
      );

      const reader = new LedgerReader(store);
      const entries = [];
      for await (const e of reader.iterateEntries(0, undefined, 7)) entries.push(e);
      assert.equal(entries.length, 31);
      const leaves = entries.map((e) => e.leaf);
      for (const [i, e] of entries.entries()) {
        assert.equal(e.seq, i);
        assert.equal(e.entry.seq, i);
        assert.equal(e.entry.ledger, ORIGIN);
        assert.ok(Buffer.from(leafHash(e.bytes)).equals(Buffer.from(e.leaf)), `leaf of entry ${i}`);
        assert.equal(e.entry.prev, toBase64(rootOfLeaves(leaves.slice(0, i))), `prev of entry ${i}`);
      }
      const head = await reader.head();
      assert.equal(head.size, 31);
      assert.deepEqual(Buffer.from(head.root), Buffer.from(rootOfLeaves(leaves)));
      assert.equal((await reader.entry(5))!.entry.data.i, 5);
      assert.equal(await reader.entry(31), undefined);
      assert.equal((await reader.entries(29, 10)).length, 2);
    });

    it('stores every complete subtree: 2n - popcount(n) nodes, about two per entry', async () => {
      const { writer, fx } = await ledger();
      for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 25 }, (_, j) => writer.append(draft(i * 25 + j))));
      const n = writer.size;
      assert.equal(n, 101);
      const popcount = n.toString(2).replace(/0/g, '').length;
      assert.equal(await fx.count('ledger_nodes'), 2 * n - popcount);
      assert.equal(await fx.count('ledger_entries'), n);
    });

    it('signs one checkpoint per commit, each verifying and matching the stored root', async () => {
      const { writer, reader, key, fx } = await ledger();
      await writer.append(draft(1));
      await Promise.all(Array.from({ length: 5 }, (_, i) => writer.append(draft(i))));
      await writer.append(draft(2));
      const sizes = await reader.checkpoints();
      assert.deepEqual(sizes, [1, 2, 7, 8]);
      assert.equal(await fx.count('ledger_checkpoints'), writer.stats.commits);
      for (const size of sizes) {
        const cp = (await reader.checkpoint(size))!;
        const { signers } = openNote(cp.note, [key]);
        assert.deepEqual(
          signers.map((k) => k.vkey),
          [key.vkey],
        );
        const parsed = parseSignedCheckpoint(cp.note);
        assert.equal(parsed.origin, ORIGIN);
        assert.equal(parsed.size, size);
        assert.deepEqual(Buffer.from(parsed.root), Buffer.from(await reader.rootAt(size)));
        assert.deepEqual(Buffer.from(parsed.root), Buffer.from(cp.root));
        assert.equal(parsed.text, cp.note);
      }
      assert.equal((await reader.checkpointCovering(2))!.size, 7);
      assert.equal((await reader.latestCheckpoint())!.size, 8);
    });

    it('group-commits 64 concurrent appends into a few transactions', async () => {
      const { writer, reader } = await ledger();
      const commitsBefore = writer.stats.commits;
      const cpBefore = (await reader.checkpoints()).length;
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => writer.append(draft(i))));
      const seqs = results.map((r) => r.seq);
      assert.equal(new Set(seqs).size, 64);
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        Array.from({ length: 64 }, (_, i) => i + 1),
      );
      const commits = writer.stats.commits - commitsBefore;
      assert.ok(commits >= 1 && commits <= 4, `64 appends took ${commits} commits`);
      assert.equal((await reader.checkpoints()).length - cpBefore, commits);
      for (const r of results) assert.equal(r.checkpointSize, 65);
      // Appends arriving while a batch commits form the next batch, not one commit each.
      const waves = [];
      for (let w = 0; w < 4; w++) {
        waves.push(...Array.from({ length: 16 }, (_, i) => writer.append(draft(w * 16 + i))));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(waves);
      assert.ok(writer.stats.commits - commitsBefore - commits <= 8, `waves took ${writer.stats.commits - commitsBefore - commits} commits`);
    });

    it('dedupes retries by idem and rejects a conflicting reuse', async () => {
      const { writer, reader, fx } = await ledger();
      const first = await writer.append(draft(1, { idem: 'job-1' }));
      assert.equal(first.duplicate, false);
      const again = await writer.append(draft(1, { idem: 'job-1' }));
      assert.equal(again.duplicate, true);
      assert.equal(again.seq, first.seq);
      assert.deepEqual(Buffer.from(again.bytes), Buffer.from(first.bytes));
      assert.equal(again.entry.ts, first.entry.ts);
      await rejectsWith(writer.append(draft(2, { idem: 'job-1' })), 'IDEMPOTENCY_CONFLICT', /job-1/);
      await rejectsWith(writer.append({ ...draft(1, { idem: 'job-1' }), actor: { kind: 'user', id: 'mallory' } }), 'IDEMPOTENCY_CONFLICT');

      // Within one batch: the twin is a duplicate, a conflicting twin fails alone, the rest commit.
      const [a, b, c, d] = await Promise.allSettled([
        writer.append(draft(3, { idem: 'job-2' })),
        writer.append(draft(3, { idem: 'job-2' })),
        writer.append(draft(4, { idem: 'job-2' })),
        writer.append(draft(5)),
      ]);
      assert.equal(a.status, 'fulfilled');
      assert.equal(b.status, 'fulfilled');
      assert.equal(d.status, 'fulfilled');
      assert.equal(c.status, 'rejected');
      assert.equal(((c as PromiseRejectedResult).reason as StoreError).code, 'IDEMPOTENCY_CONFLICT');
      if (a.status === 'fulfilled' && b.status === 'fulfilled') {
        assert.equal(a.value.duplicate, false);
        assert.equal(b.value.duplicate, true);
        assert.equal(b.value.seq, a.value.seq);
      }
      assert.equal(await fx.count('ledger_entries'), 4);
      assert.equal((await reader.entryByIdem('job-2'))!.seq, 2);
      assert.equal(await reader.entryByIdem('nope'), undefined);
      assert.equal(writer.stats.duplicates, 2);
    });

    it('rolls back a batch that fails before commit and keeps the in-memory tree', async () => {
      let fail = false;
      const { writer, reader, fx, store, key } = await ledger({
        hooks: {
          beforeCommit: () => {
            if (fail) throw new Error('injected fault between insert and commit');
          },
        },
      });
      await writer.append(draft(1));
      const counts = async () => [await fx.count('ledger_entries'), await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')];
      const before = await counts();
      const rootBefore = Buffer.from(writer.root);
      fail = true;
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => writer.append(draft(i))));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const err = (r as PromiseRejectedResult).reason as StoreError;
        assert.equal(err.code, 'APPEND_FAILED');
        assert.match(err.message, /injected fault/);
      }
      assert.deepEqual(await counts(), before);
      assert.equal(writer.size, 2);
      assert.deepEqual(Buffer.from(writer.root), rootBefore);
      fail = false;
      const next = await writer.append(draft(99));
      assert.equal(next.seq, 2);
      assert.equal(next.entry.prev, toBase64(rootBefore));
      assert.equal((await reader.head()).size, 3);
      // The ledger still passes a full startup check.
      await LedgerWriter.open({ store, origin: ORIGIN, signers: [key], startupCheck: 'full' });
    });

    it('after a rolled-back batch and as many entries appended by another writer, the next batch chains to storage', async () => {
      let fail = false;
      const { writer, fx, key, reader, store } = await ledger({
        hooks: {
          beforeCommit: () => {
            if (fail) throw new Error('injected fault');
          },
        },
      });
      await writer.append(draft(1));
      const other = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key] });
      // Three entries built (their roots computed) and rolled back; then the other writer stores three.
      fail = true;
      const failed = await Promise.allSettled([2, 3, 4].map((i) => writer.append(draft(i))));
      assert.deepEqual(
        failed.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      fail = false;
      await Promise.all([5, 6, 7].map((i) => other.append(draft(i))));
      const r = await writer.append(draft(8));
      assert.equal(r.seq, 5);
      const leaves = await storedLeaves(reader);
      for await (const e of reader.iterateEntries()) assert.equal(e.entry.prev, toBase64(rootOfLeaves(leaves.slice(0, e.seq))), `prev of entry ${e.seq}`);
      await LedgerWriter.open({ store: await open(fx), origin: ORIGIN, signers: [key], startupCheck: 'full' });
    });

    it('refuses to append when storage went backwards or holds a different root at its size', async () => {
      const { writer, fx, store, key } = await ledger();
      for (let i = 0; i < 3; i++) await writer.append(draft(i));
      await Promise.all(Array.from({ length: 4 }, (_, i) => writer.append(draft(10 + i))));
      assert.equal(writer.size, 8);
      // Storage loses the last commit (a restored backup, a failover to a lagging replica).
      await fx.tamper(`DELETE FROM ${fx.table('ledger_checkpoints')} WHERE size > 4`);
      await fx.tamper(`DELETE FROM ${fx.table('ledger_entries')} WHERE seq >= 4`);
      await fx.tamper(
        `DELETE FROM ${fx.table('ledger_nodes')} WHERE (level = 0 AND idx >= 4) OR (level = 1 AND idx >= 2) OR (level = 2 AND idx >= 1) OR level >= 3`,
      );
      const counts = async () => [await fx.count('ledger_entries'), await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')];
      const before = await counts();
      const err = await rejectsWith(writer.append(draft(99)), 'APPEND_FAILED', /went backwards/);
      assert.equal((err.cause as StoreError).code, 'LEDGER_ROOT_MISMATCH');
      // Refused for good, and nothing was stored by the refused attempt.
      await rejectsWith(writer.append(draft(100)), 'LEDGER_ROOT_MISMATCH');
      assert.deepEqual(await counts(), before);
      assert.equal(writer.size, 8);

      // Equal size, different root: a second writer's view is replaced by a forged head.
      const w2 = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key] });
      assert.equal(w2.size, 4);
      await w2.append(draft(5));
      await fx.tamper(`UPDATE ${fx.table('ledger_checkpoints')} SET root = (SELECT root FROM ${fx.table('ledger_checkpoints')} WHERE size = 1) WHERE size = 5`);
      await rejectsWith(w2.append(draft(6)), 'APPEND_FAILED', /differs/);
      assert.equal(await fx.count('ledger_checkpoints'), before[2]! + 1);
    });

    it('two writers in one process append concurrently: no fork, no lost append, idempotency holds', async () => {
      const { fx, writer: w1, reader, key } = await ledger();
      const w2 = await LedgerWriter.open({ store: await open(fx), origin: ORIGIN, signers: [key] });
      const drafts = (who: string) =>
        Array.from({ length: 25 }, (_, i) => ({ type: 'test.appended', actor: { kind: 'service' as const, id: who }, data: { i } }));
      const waves = [];
      for (const [a, b] of drafts('a').map((d, i) => [d, drafts('b')[i]!] as const)) {
        waves.push(w1.append(a), w2.append(b));
        if (waves.length % 6 === 0) await new Promise((r) => setImmediate(r));
      }
      // The same idempotency key from both writers at once: stored once, the other is its duplicate.
      const [x, y] = await Promise.all([w1.append(draft(7, { idem: 'both' })), w2.append(draft(7, { idem: 'both' }))]);
      const results = await Promise.all(waves);
      assert.equal(x.seq, y.seq);
      assert.deepEqual([x.duplicate, y.duplicate].sort(), [false, true]);
      assert.ok(w1.stats.reloads + w2.stats.reloads > 0, 'the writers did not interleave');
      assert.equal(w1.stats.failedBatches + w2.stats.failedBatches, 0);
      const seqs = [...results.map((r) => r.seq), x.seq].sort((p, q) => p - q);
      assert.deepEqual(
        seqs,
        Array.from({ length: 51 }, (_, i) => i + 1),
      );
      const leaves = await storedLeaves(reader);
      assert.equal(leaves.length, 52);
      for await (const e of reader.iterateEntries()) assert.equal(e.entry.prev, toBase64(rootOfLeaves(leaves.slice(0, e.seq))));
      for (const r of results) assert.ok(verifyInclusion(r.seq, leaves.length, r.leaf, await reader.inclusionProof(r.seq), (await reader.head()).root));
    });

    it('survives a writer process SIGKILLed between insert and commit', async () => {
      const { writer, key, fx, store } = await ledger();
      await writer.append(draft(1));
      const counts = async () => [await fx.count('ledger_entries'), await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')];
      const before = await counts();
      const child = fork(
        fileURLToPath(new URL('../fixtures/child-writer.ts', import.meta.url)),
        [JSON.stringify({ config: fx.config, skey: key.skey, mode: 'hang' })],
        {
          execArgv: ['--conditions=source', '--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const msg = await new Promise<{ event: string; message?: string }>((resolve, reject) => {
        child.on('message', (m) => resolve(m as { event: string }));
        child.on('exit', (code) => reject(new Error(`child exited (${code}) before reaching the commit window`)));
      });
      assert.equal(msg.event, 'in-window', msg.message);
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      assert.deepEqual(await counts(), before);
      // A fresh store and writer pass the full startup check and continue the chain.
      const store2 = await open(fx);
      const w2 = await LedgerWriter.open({ store: store2, origin: ORIGIN, signers: [key], startupCheck: 'full' });
      assert.equal(w2.size, 2);
      assert.equal((await w2.append(draft(2))).seq, 2);
      // The first writer notices the other process's append and reloads its tree state.
      const r = await writer.append(draft(3));
      assert.equal(r.seq, 3);
      assert.equal(writer.stats.reloads, 1);
      const leaves = await storedLeaves(new LedgerReader(store));
      assert.equal(r.entry.prev, toBase64(rootOfLeaves(leaves.slice(0, 3))));
    });

    it('interleaves appends from two processes without forking the chain', async () => {
      const { writer, key, fx, reader } = await ledger();
      const child = fork(
        fileURLToPath(new URL('../fixtures/child-writer.ts', import.meta.url)),
        [JSON.stringify({ config: fx.config, skey: key.skey, mode: 'append', count: 30 })],
        {
          execArgv: ['--conditions=source', '--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      type Msg = { event: string; seqs?: number[]; message?: string };
      const messages: Msg[] = [];
      let wake = (): void => {};
      child.on('message', (m) => {
        messages.push(m as Msg);
        wake();
      });
      const next = async (): Promise<Msg> => {
        while (messages.length === 0) await new Promise<void>((r) => (wake = r));
        return messages.shift()!;
      };
      const ready = await next();
      assert.equal(ready.event, 'ready', ready.message);
      child.send('go');
      const mine: number[] = [];
      for (let i = 0; i < 30; i++) {
        mine.push((await writer.append(draft(i))).seq);
        await new Promise((r) => setTimeout(r, 3));
      }
      const theirs = await next();
      assert.equal(theirs.event, 'done', theirs.message);
      const all = [...mine, ...theirs.seqs!].sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      assert.ok(writer.stats.reloads >= 1, 'the parent writer never saw the child append: the processes did not interleave');
      const leaves = await storedLeaves(reader);
      for await (const e of reader.iterateEntries()) assert.equal(e.entry.prev, toBase64(rootOfLeaves(leaves.slice(0, e.seq))));
      await LedgerWriter.open({ store: await open(fx), origin: ORIGIN, signers: [key], startupCheck: 'full' });
    });

    it('refuses to open over a tampered tree node, entry or checkpoint', async () => {
      const { writer, key, fx } = await ledger();
      await Promise.all(Array.from({ length: 12 }, (_, i) => writer.append(draft(i))));
      // size 13 = 8 + 4 + 1: peaks are (3,0), (2,2), (0,12).
      await fx.tamper(
        `UPDATE ${fx.table('ledger_nodes')} SET hash = (SELECT hash FROM ${fx.table('ledger_nodes')} WHERE level = 0 AND idx = 0) WHERE level = 2 AND idx = 2`,
      );
      const store2 = await open(fx);
      await rejectsWith(LedgerWriter.open({ store: store2, origin: ORIGIN, signers: [key] }), 'LEDGER_ROOT_MISMATCH', /size 13/);

      const other = await ledger();
      await Promise.all(Array.from({ length: 12 }, (_, i) => other.writer.append(draft(i))));
      await other.fx.tamper(
        `UPDATE ${other.fx.table('ledger_entries')} SET bytes = (SELECT bytes FROM ${other.fx.table('ledger_entries')} WHERE seq = 3) WHERE seq = 4`,
      );
      const s3 = await open(other.fx);
      // The peaks check does not re-hash old entries; the full check does.
      await LedgerWriter.open({ store: s3, origin: ORIGIN, signers: [other.key] });
      await rejectsWith(LedgerWriter.open({ store: s3, origin: ORIGIN, signers: [other.key], startupCheck: 'full' }), 'LEDGER_ROOT_MISMATCH', /entry 4/);

      const third = await ledger();
      await third.writer.append(draft(1));
      const cp = (await third.reader.latestCheckpoint())!;
      const forged = parseNote(cp.note);
      const sig = forged.signatures[0]!;
      const raw = Buffer.from(fromBase64(sig.line.split(' ')[2]!)!);
      raw[10] = raw[10]! ^ 0xff;
      const bad = `${forged.text}\n— ${sig.name} ${raw.toString('base64')}\n`;
      await third.fx.tamper(`UPDATE ${third.fx.table('ledger_checkpoints')} SET note = '${bad}' WHERE size = 2`);
      await rejectsWith(LedgerWriter.open({ store: await open(third.fx), origin: ORIGIN, signers: [third.key] }), 'LEDGER_CHECKPOINT_INVALID', /bad signature/);
      await rejectsWith(LedgerWriter.open({ store: await open(third.fx), origin: 'other.origin/x', signers: [] }), 'LEDGER_ORIGIN_MISMATCH');
    });

    it('the full check (ledger check) names every stored column that disagrees with the signed entry', async () => {
      const t = (fx: Fixture) => fx.table('ledger_entries');
      const cases: Array<{ name: string; edit: (fx: Fixture) => string[]; code: StoreErrorCode; message: RegExp }> = [
        {
          name: 'type',
          edit: (fx) => [`UPDATE ${t(fx)} SET type = 'run.hidden' WHERE seq = 3`],
          code: 'STORE_CORRUPT',
          message: /column type of entry 3 is "run\.hidden"/,
        },
        {
          name: 'ts',
          edit: (fx) => [`UPDATE ${t(fx)} SET ts = '2000-01-01T00:00:00.000Z' WHERE seq = 4`],
          code: 'STORE_CORRUPT',
          message: /column ts of entry 4/,
        },
        {
          name: 'idem changed',
          edit: (fx) => [`UPDATE ${t(fx)} SET idem = 'forged' WHERE seq = 5`],
          code: 'STORE_CORRUPT',
          message: /column idem of entry 5 is "forged", the signed entry says "job-5"/,
        },
        {
          name: 'idem removed',
          edit: (fx) => [`UPDATE ${t(fx)} SET idem = NULL WHERE seq = 5`],
          code: 'STORE_CORRUPT',
          message: /column idem of entry 5 is null/,
        },
        {
          name: 'idem added',
          edit: (fx) => [`UPDATE ${t(fx)} SET idem = 'extra' WHERE seq = 2`],
          code: 'STORE_CORRUPT',
          message: /column idem of entry 2 is "extra", the signed entry says null/,
        },
        {
          name: 'seq (two rows swapped)',
          edit: (fx) => [
            `UPDATE ${t(fx)} SET seq = 1000 WHERE seq = 3`,
            `UPDATE ${t(fx)} SET seq = 3 WHERE seq = 4`,
            `UPDATE ${t(fx)} SET seq = 4 WHERE seq = 1000`,
          ],
          code: 'LEDGER_ROOT_MISMATCH',
          message: /column seq of entry 3 is 3, the signed entry says 4/,
        },
        {
          name: 'leaf',
          edit: (fx) => [`UPDATE ${t(fx)} SET leaf = (SELECT leaf FROM ${t(fx)} WHERE seq = 1) WHERE seq = 2`],
          code: 'LEDGER_ROOT_MISMATCH',
          message: /column leaf of entry 2/,
        },
        {
          name: 'an older checkpoint root',
          edit: (fx) => [
            `UPDATE ${fx.table('ledger_checkpoints')} SET root = (SELECT root FROM ${fx.table('ledger_checkpoints')} WHERE size = 1) WHERE size = 3`,
          ],
          code: 'STORE_CORRUPT',
          message: /ledger_checkpoints: column root of the checkpoint of size 3/,
        },
      ];
      for (const c of cases) {
        const { writer, fx, key, store } = await ledger();
        for (let i = 1; i <= 7; i++) await writer.append(draft(i, i === 5 ? { idem: 'job-5' } : {}));
        // The untouched ledger passes, so what fails below is the edit.
        await LedgerWriter.open({ store, origin: ORIGIN, signers: [key], startupCheck: 'full' });
        for (const q of c.edit(fx)) await fx.tamper(q);
        await rejectsWith(LedgerWriter.open({ store, origin: ORIGIN, signers: [key], startupCheck: 'full' }), c.code, c.message);
        // Connections are scarce on a shared PostgreSQL: close each case's store now.
        await store.close();
      }
    });

    it('a dropped ledger table is LEDGER_TABLE_MISSING when the store opens', async () => {
      for (const table of ['ledger_entries', 'ledger_nodes', 'ledger_checkpoints']) {
        const { fx, store } = await ledger();
        await store.close();
        await fx.admin(`DROP TABLE ${fx.table(table)}${fx.dialect === 'postgres' ? ' CASCADE' : ''}`);
        await rejectsWith(openStore(fx.config), 'LEDGER_TABLE_MISSING', new RegExp(table));
      }
    });

    it('refuses UPDATE and DELETE on every ledger table (and TRUNCATE on PostgreSQL), even for the owner', async () => {
      const { store } = await ledger();
      const attempts = [
        'UPDATE ledger_entries SET ts = ts',
        'DELETE FROM ledger_entries',
        'DELETE FROM ledger_entries WHERE seq = 0',
        'UPDATE ledger_nodes SET hash = hash',
        'DELETE FROM ledger_nodes',
        'UPDATE ledger_checkpoints SET note = note',
        'DELETE FROM ledger_checkpoints',
      ];
      if (store.kind === 'postgres')
        attempts.push(
          'TRUNCATE ledger_entries',
          'TRUNCATE ledger_nodes',
          'TRUNCATE ledger_checkpoints',
          'TRUNCATE ledger_entries, ledger_nodes, ledger_checkpoints',
        );
      else attempts.push(`INSERT OR REPLACE INTO ledger_checkpoints (size, root, note) SELECT size, root, 'x' FROM ledger_checkpoints`);
      for (const a of attempts) {
        await assert.rejects(sql.raw(a).execute(store.db), /append-only/, a);
      }
      const reader = new LedgerReader(store);
      assert.equal((await reader.head()).size, 1);
    });

    it('serves inclusion and consistency proofs that verify, for many (index, size) pairs', async () => {
      const { writer, reader } = await ledger();
      for (const burst of [1, 2, 3, 5, 8, 13, 1, 1, 21, 34, 7, 4]) await Promise.all(Array.from({ length: burst }, (_, i) => writer.append(draft(i))));
      const leaves = await storedLeaves(reader);
      const n = leaves.length;
      assert.equal(n, 101);
      const roots: Hash[] = [EMPTY_ROOT];
      for (let s = 1; s <= n; s++) {
        roots.push(await reader.rootAt(s));
        assert.deepEqual(Buffer.from(roots[s]!), Buffer.from(rootOfLeaves(leaves.slice(0, s))), `rootAt(${s})`);
      }
      let checked = 0;
      for (let size = 1; size <= n; size++) {
        const indexes = new Set([0, size - 1, Math.floor(size / 2), (size * 7) % size, (size * 13 + 5) % size]);
        for (const index of indexes) {
          const proof = await reader.inclusionProof(index, size);
          assert.ok(verifyInclusion(index, size, leaves[index]!, proof, roots[size]!), `inclusion ${index}/${size}`);
          if (proof.length > 0) {
            const bad = proof.map((h) => Buffer.from(h));
            bad[bad.length - 1]![0]! ^= 1;
            assert.ok(!verifyInclusion(index, size, leaves[index]!, bad, roots[size]!), `tampered inclusion ${index}/${size}`);
          }
          checked++;
        }
      }
      for (let m = 0; m <= n; m += 3) {
        for (const to of [m, m + 1, Math.min(n, m + 17), n]) {
          if (to > n || to < m) continue;
          const proof = await reader.consistencyProof(m, to);
          assert.ok(verifyConsistency(m, to, roots[m]!, roots[to]!, proof), `consistency ${m}->${to}`);
          checked++;
        }
      }
      assert.ok(checked > 400);
      // Defaults: the latest signed checkpoint's size.
      const head = await reader.head();
      assert.ok(verifyInclusion(50, head.size, leaves[50]!, await reader.inclusionProof(50), head.root));
      assert.ok(verifyConsistency(40, head.size, roots[40]!, head.root, await reader.consistencyProof(40)));
      await rejectsWith(reader.inclusionProof(5, n + 1), 'NOT_FOUND', /beyond/);
      await rejectsWith(reader.inclusionProof(n, n), 'NOT_FOUND');
      await rejectsWith(reader.consistencyProof(10, n + 5), 'NOT_FOUND');
      await rejectsWith(reader.rootAt(n + 1), 'NOT_FOUND');
    });

    it('rotates keys: a dual-signed handover checkpoint, then the new key alone', async () => {
      const { writer, reader, key: k1, store } = await ledger();
      await writer.append(draft(1));
      const k2 = generateSigner(ORIGIN);
      const rot = await writer.rotateKey({ newSigner: k2, retire: 'all-current', actor });
      assert.equal(rot.entry.type, 'ledger.key.rotate');
      assert.deepEqual(rot.entry.data, { add: [k2.vkey], retire: [k1.vkey] });
      const handover = (await reader.checkpointCovering(rot.seq))!;
      assert.equal(handover.size, rot.seq + 1);
      const sigs = parseNote(handover.note).signatures.map((s) => s.keyId);
      assert.deepEqual(sigs, [k1.keyId, k2.keyId]);
      assert.equal(openNote(handover.note, [k1]).signers.length, 1);
      assert.equal(openNote(handover.note, [k2]).signers.length, 1);

      const after1 = await writer.append(draft(2));
      const next = (await reader.checkpoint(after1.checkpointSize))!;
      assert.deepEqual(
        parseNote(next.note).signatures.map((s) => s.keyId),
        [k2.keyId],
      );
      assert.throws(() => openNote(next.note, [k1]), /no signature from a trusted key/);
      assert.deepEqual(
        writer.activeSigners.map((k) => k.vkey),
        [k2.vkey],
      );
      assert.deepEqual(
        writer.knownKeys.map((k) => k.vkey),
        [k1.vkey, k2.vkey],
      );

      // Reopen: both keys held, only the new one signs; the old one alone is refused.
      const w2 = await LedgerWriter.open({ store, origin: ORIGIN, signers: [k1, k2] });
      assert.deepEqual(
        w2.activeSigners.map((k) => k.vkey),
        [k2.vkey],
      );
      await rejectsWith(LedgerWriter.open({ store, origin: ORIGIN, signers: [k1] }), 'SIGNER_NOT_ACTIVE', /none of the signing keys/);
      await rejectsWith(writer.rotateKey({ newSigner: k2, retire: [], actor }), 'ENTRY_REJECTED', /already active/);
      await rejectsWith(writer.rotateKey({ newSigner: generateSigner(ORIGIN), retire: [k1], actor }), 'ENTRY_REJECTED', /not active/);
      await rejectsWith(writer.rotateKey({ newSigner: generateSigner('other.origin/x'), retire: [], actor }), 'CONFIG_INVALID', /origin/);
    });

    it('round-trips 64-bit indexes beyond 2^32 as safe JS numbers', async () => {
      const { store, fx } = await ledger();
      const big = 2 ** 40 + 3;
      // Stands in for a tree that large (the continuity triggers would refuse a node with no entry).
      await fx.tamper(
        `INSERT INTO ${fx.table('ledger_nodes')} (level, idx, hash) SELECT 0, ${big}, hash FROM ${fx.table('ledger_nodes')} WHERE level = 0 AND idx = 0`,
      );
      const [node] = await store.fetchNodes([{ level: 0, index: big }]);
      assert.equal(node!.index, big);
      assert.equal(typeof node!.index, 'number');
      const [node2] = await store.withReadSnapshot((snap) => store.fetchNodes([{ level: 0, index: big }], snap));
      assert.equal(node2!.index, big);
    });

    it('exports a consistent snapshot while appends continue', async () => {
      const { writer, reader } = await ledger();
      await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append(draft(i))));
      const result = await reader.exportSnapshot(async (snap) => {
        const head = await snap.head();
        // Appends committed now are invisible to the snapshot.
        await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append(draft(i))));
        const leaves: Hash[] = [];
        for await (const e of snap.iterateEntries(0, undefined, 9)) leaves.push(e.leaf);
        const latest = await snap.latestCheckpoint();
        const proof = await snap.inclusionProof(3);
        return { head, leaves, latest, proof };
      });
      assert.equal(result.head.size, 41);
      assert.equal(result.leaves.length, 41);
      assert.equal(result.latest!.size, 41);
      assert.deepEqual(Buffer.from(rootOfLeaves(result.leaves)), Buffer.from(result.head.root));
      assert.ok(verifyInclusion(3, 41, result.leaves[3]!, result.proof, result.head.root));
      assert.equal((await reader.head()).size, 51);
    });
  });
}
