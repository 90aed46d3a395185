// The database refuses ledger rows that do not continue the stored tree, even from the ledger-writer
// role itself (PostgreSQL: connected as that role; SQLite: a connection of its own). Afterwards the
// ledger still appends and passes the full check.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { TreeState, buildEntry, generateSigner, leafHash, openNote, parseVkey, toBase64, type Hash } from '@runledger/ledger';
import { IntegrityCheck, LedgerReader, LedgerWriter, openStore, type Store } from '../src/index.js';
import { registerTreeFunctions } from '../src/dialects/sqlite-continuity.js';
import { PG_ADMIN_URL, pgFactory, sqliteFactory, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { ORIGIN, rejectsWith } from './helpers/suite.js';

type Stmt = readonly [sql: string, params: readonly unknown[]];

/**
 * Runs inserts on a connection of the ledger writer, all or nothing. PostgreSQL: as ONE statement (the
 * first ones as CTEs), the way the writer appends; SQLite: one after the other in a transaction.
 */
interface WriterConnection {
  attempt(stmts: readonly Stmt[]): Promise<void>;
  close(): Promise<void>;
}

async function writerConnection(fx: Fixture): Promise<WriterConnection> {
  if (fx.config.kind === 'postgres') {
    const client = new pg.Client({ connectionString: fx.config.ledgerWriterUrl });
    await client.connect();
    return {
      async attempt(stmts) {
        const ctes = stmts.slice(0, -1).map(([text], i) => `s${i} AS (${text})`);
        const text = `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}${stmts[stmts.length - 1]![0]}`;
        let i = 0;
        await client.query(
          text.replace(/\?/g, () => `$${++i}`),
          stmts.flatMap(([, params]) => [...params]),
        );
      },
      close: () => client.end(),
    };
  }
  const raw = new BetterSqlite3(join(fx.home, 'runledger.db'), { timeout: 5000 });
  registerTreeFunctions(raw);
  return {
    async attempt(stmts) {
      raw.transaction(() => {
        for (const [text, params] of stmts) raw.prepare(text).run(...params);
      })();
    },
    async close() {
      raw.close();
    },
  };
}

const actor = { kind: 'system', id: 'test' } as const;

function suite(factory: FixtureFactory): void {
  describe(`ledger tree continuity on ${factory.name}`, () => {
    const stores: Store[] = [];
    const conns: WriterConnection[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const c of conns) await c.close();
      for (const s of stores) await s.close();
      await factory.teardown();
    });

    async function ledger() {
      const fx = await factory.create();
      const store = await openStore(fx.config);
      stores.push(store);
      const key = generateSigner(ORIGIN);
      const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key] });
      await writer.init({ actor });
      // One group commit of 8: checkpoints exist for sizes 1 and 9 only, so 5 is a free size below the head.
      await Promise.all(Array.from({ length: 8 }, (_, i) => writer.append({ type: 'run.step.finished', actor, data: { i } })));
      assert.equal(writer.size, 9);
      const conn = await writerConnection(fx);
      conns.push(conn);
      const reader = new LedgerReader(store);
      const leaves: Hash[] = [];
      for await (const e of reader.iterateEntries()) leaves.push(e.leaf);
      return { fx, store, key, writer, conn, reader, leaves };
    }

    const t = (fx: Fixture, name: string) => fx.table(name);
    const entry = (fx: Fixture, seq: number, bytes: Buffer, leaf: Uint8Array = leafHash(bytes)): Stmt => [
      `INSERT INTO ${t(fx, 'ledger_entries')} (seq, idem, type, ts, bytes, leaf) VALUES (?, NULL, 'x.y', '2026-01-01T00:00:00Z', ?, ?)`,
      [seq, bytes, Buffer.from(leaf)],
    ];
    const node = (fx: Fixture, level: number, idx: number, hash: Uint8Array): Stmt => [
      `INSERT INTO ${t(fx, 'ledger_nodes')} (level, idx, hash) VALUES (?, ?, ?)`,
      [level, idx, Buffer.from(hash)],
    ];
    const checkpoint = (fx: Fixture, size: number, root: Uint8Array, note = noteFor(size, root)): Stmt => [
      `INSERT INTO ${t(fx, 'ledger_checkpoints')} (size, root, note) VALUES (?, ?, ?)`,
      [size, Buffer.from(root), note],
    ];
    const noteFor = (size: number, root: Uint8Array, origin = ORIGIN) => `${origin}\n${size}\n${toBase64(root)}\n\n— ${origin} AAAA\n`;

    /** The rows a real append of `bytes` would add after `leaves`: its entry, its new nodes, its root. */
    function nextBatch(fx: Fixture, leaves: readonly Hash[], bytes: Buffer) {
      const state = TreeState.empty();
      for (const l of leaves) state.append(l);
      const nodes = state.append(leafHash(bytes)).map((n) => node(fx, n.level, n.index, n.hash));
      return { entry: entry(fx, leaves.length, bytes), nodes, root: state.root(), size: leaves.length + 1 };
    }

    it('refuses bogus checkpoints, nodes and out-of-order entries from the writer; the ledger still appends and checks', async () => {
      const { fx, store, key, writer, conn, leaves } = await ledger();
      const head = leaves.length;
      const root = writer.root;
      const bytes = Buffer.from('{"forged":true}');
      const batch = nextBatch(fx, leaves, bytes);
      const rnd = () => randomBytes(32);
      const wrongLeafNode = node(fx, 0, head, rnd());
      const cp = /ledger tree: checkpoint/;
      const nd = /ledger tree: node/;
      const en = /ledger tree: entry/;
      // [what, rows, expected refusal on PostgreSQL, on SQLite (one message per table)]
      const cases: Array<[string, Stmt[], RegExp, RegExp]> = [
        ['a checkpoint for a size that does not exist', [checkpoint(fx, head + 1000, root)], /checkpoint for size 1009 does not match the stored entries/, cp],
        ['a checkpoint one past the head, without its entry', [checkpoint(fx, head + 1, root)], /checkpoint for size 10 does not match the stored entries/, cp],
        ['a checkpoint behind the head', [checkpoint(fx, 5, root)], /checkpoint for size 5 is behind the stored head/, cp],
        [
          'a node for a leaf that is not stored',
          [node(fx, 0, head, rnd())],
          /node \(level 0, index 9\) does not continue the stored tree \(what it covers is not stored\)/,
          nd,
        ],
        ['a node above the stored tree', [node(fx, 3, 100, rnd())], /node \(level 3, index 100\) .*what it covers is not stored/, nd],
        [
          'a batch with a node of the wrong hash',
          [batch.entry, wrongLeafNode, ...batch.nodes.slice(1), checkpoint(fx, batch.size, batch.root)],
          /node \(level \d, index \d+\) does not continue the stored tree \(wrong hash\)/,
          nd,
        ],
        ['an entry after a gap', [entry(fx, head + 2, bytes)], /entry 11 does not continue the stored entries \(entry 10 is missing\)/, en],
        ['an entry whose leaf is not the hash of its bytes', [entry(fx, head, bytes, rnd())], /entry 9: leaf is not the hash of its bytes/, en],
        [
          'a full batch whose checkpoint root is wrong',
          [batch.entry, ...batch.nodes, checkpoint(fx, batch.size, rnd())],
          /checkpoint for size 10 has a root the stored tree does not give/,
          cp,
        ],
        [
          'a full batch whose checkpoint is for another size',
          [batch.entry, ...batch.nodes, checkpoint(fx, batch.size, batch.root, noteFor(batch.size + 1, batch.root))],
          /checkpoint for size 10: its note is not/,
          cp,
        ],
        [
          'a full batch whose checkpoint is for another origin',
          [batch.entry, ...batch.nodes, checkpoint(fx, batch.size, batch.root, noteFor(batch.size, batch.root, 'evil.example/x'))],
          /checkpoint for size 10: its note is not/,
          cp,
        ],
        [
          'a full batch with one node missing',
          [batch.entry, ...batch.nodes.slice(0, -1), checkpoint(fx, batch.size, batch.root)],
          /checkpoint for size 10 has a root the stored tree does not give/,
          cp,
        ],
        ...(fx.dialect === 'postgres'
          ? [
              ['an entry with no checkpoint', [batch.entry, ...batch.nodes], /entry 9 is not covered by a checkpoint stored by the same statement/, en] as [
                string,
                Stmt[],
                RegExp,
                RegExp,
              ],
            ]
          : []),
      ];
      const counts = async () => [await fx.count('ledger_entries'), await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')];
      const before = await counts();
      for (const [what, stmts, onPg, onSqlite] of cases) {
        await assert.rejects(
          conn.attempt(stmts),
          (e: { code?: string; message: string }) => {
            assert.match(e.message, fx.dialect === 'postgres' ? onPg : onSqlite, `${what}: ${e.message}`);
            if (fx.dialect === 'postgres') assert.equal(e.code, 'RLT01', what);
            return true;
          },
          what,
        );
      }
      assert.deepEqual(await counts(), before);

      // The ledger goes on: the writer appends, and a fresh writer's full check and the signatures pass.
      const r = await writer.append({ type: 'run.step.finished', actor, data: { after: true } });
      assert.equal(r.seq, head);
      const again = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key], startupCheck: 'full' });
      assert.equal(again.size, head + 1);
      const reader = new LedgerReader(store);
      const sizes = await reader.checkpoints();
      assert.deepEqual(sizes, [1, head, head + 1]);
      for (const size of sizes) openNote((await reader.checkpoint(size))!.note, [key]);
    });

    // Entry bytes the database cannot judge: garbage, or an entry built exactly as the writer would.
    const forgeries: Array<[string, (l: Awaited<ReturnType<typeof ledger>>) => Buffer, (size: number) => [number, RegExp]]> = [
      ['bytes that are no entry', () => Buffer.from('{"forged":true}'), (size) => [size - 1, /^ENTRY_/]],
      [
        'a well-formed entry',
        (l) => Buffer.from(buildEntry({ type: 'run.step.finished', actor, data: { forged: true } }, l.leaves.length, ORIGIN, l.writer.root, new Date()).bytes),
        (size) => [size, /^CHECKPOINT_SIGNATURE_INVALID$/],
      ],
    ];
    for (const [what, forge, expected] of forgeries) {
      it(`lets a well-formed batch of ${what} through (the database cannot check a signature); the integrity check names it`, async () => {
        const l = await ledger();
        const { fx, store, key, writer, conn, leaves } = l;
        const batch = nextBatch(fx, leaves, forge(l));
        await conn.attempt([batch.entry, ...batch.nodes, checkpoint(fx, batch.size, batch.root)]);
        assert.equal(await fx.count('ledger_checkpoints'), 3);
        // The writer reloads the moved head (its peaks fold to the stored root) and signs on top.
        await writer.append({ type: 'run.step.finished', actor, data: { on: 'top' } });
        const r = await new IntegrityCheck(store, { trusted: [parseVkey(key.vkey)] }).start();
        assert.equal(r.state, 'failed');
        const [index, reason] = expected(batch.size);
        assert.equal(r.failure!.index, index);
        assert.match(r.failure!.reason, reason);
      });
    }

    it('the documented repair removes checkpoint and node rows past the entries; the ledger then appends, checks and records it', async () => {
      const { fx, store, key, writer } = await ledger();
      const rnd = () => randomBytes(32);
      // Rows as they could be stored before migration 0007 (or by someone bypassing the triggers).
      const bogus = [checkpoint(fx, 1000, rnd(), 'x'), node(fx, 3, 100, rnd())];
      const triggersBefore = await triggers(fx);
      await bypassingContinuity(fx, bogus);
      const countsBogus = [await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')];
      await assert.rejects(LedgerWriter.open({ store, origin: ORIGIN, signers: [key] }), /latest checkpoint \(size 1000\)/);
      await rejectsWith(writer.append({ type: 'run.step.finished', actor, data: {} }), 'APPEND_FAILED');

      await runRepairBlock(fx);
      assert.deepEqual([await fx.count('ledger_nodes'), await fx.count('ledger_checkpoints')], [countsBogus[0]! - 1, countsBogus[1]! - 1]);
      assert.deepEqual(await triggers(fx), triggersBefore, 'the repair leaves every trigger as the migrations made it');

      const w2 = await LedgerWriter.open({ store, origin: ORIGIN, signers: [key], startupCheck: 'full' });
      const rec = await w2.append({
        type: 'ledger.repair',
        actor: { kind: 'user', id: 'ops' },
        data: { removed_checkpoints: [1000], removed_nodes: [[3, 100]] },
      });
      assert.equal(rec.seq, 9);
      const reader = new LedgerReader(store);
      for (const size of await reader.checkpoints()) openNote((await reader.checkpoint(size))!.note, [key]);
      assert.equal((await reader.entry(9))!.entry.type, 'ledger.repair');
    });
  });
}

/** Every trigger on the ledger tables, with its definition and (PostgreSQL) whether it is enabled. */
async function triggers(fx: Fixture): Promise<string[]> {
  const rows =
    fx.dialect === 'postgres'
      ? await fx.admin(`SELECT tgname || ' ' || tgenabled::text || ' ' || pg_get_triggerdef(oid) AS t FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`)
      : await fx.admin(`SELECT name || ' ' || sql AS t FROM sqlite_master WHERE type = 'trigger' ORDER BY name`);
  return rows.map((r) => String(r.t));
}

/** Inserts rows with the continuity triggers out of the way, leaving them as they were. */
async function bypassingContinuity(fx: Fixture, stmts: readonly Stmt[]): Promise<void> {
  if (fx.config.kind === 'postgres') {
    // As the superuser: session_replication_role = replica skips ordinary triggers.
    const admin = new URL(fx.config.url);
    admin.username = new URL(PG_ADMIN_URL).username;
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      for (const [text, params] of stmts) {
        let i = 0;
        await client.query(
          text.replace(/\?/g, () => `$${++i}`),
          [...params],
        );
      }
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    return;
  }
  const raw = new BetterSqlite3(join(fx.home, 'runledger.db'));
  try {
    raw.transaction(() => {
      const saved = raw.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_continue'`).all() as Array<{
        name: string;
        sql: string;
      }>;
      for (const t of saved) raw.exec(`DROP TRIGGER ${t.name}`);
      for (const [text, params] of stmts) raw.prepare(text).run(...params);
      for (const t of saved) raw.exec(t.sql);
    })();
  } finally {
    raw.close();
  }
}

/** Runs the repair block of docs/storage.md for this dialect exactly as written, with psql or the sqlite3 shell. */
async function runRepairBlock(fx: Fixture): Promise<void> {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/storage.md', import.meta.url)), 'utf8');
  const block = [...doc.matchAll(/```sql\n(-- repair: (\w+)[^\n]*\n[\s\S]*?)```/g)].find((m) => m[2] === fx.dialect)?.[1];
  assert.ok(block, `docs/storage.md has no repair block for ${fx.dialect}`);
  if (fx.config.kind === 'postgres') {
    execFileSync('psql', ['-X', '-q', '-f', '-', fx.config.url], { input: block, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return;
  }
  execFileSync('sqlite3', [join(fx.home, 'runledger.db')], { input: block, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

suite(sqliteFactory);
suite(pgFactory());
