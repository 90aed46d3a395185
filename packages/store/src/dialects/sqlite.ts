// SQLite backend: better-sqlite3 under Kysely. One read-write connection for appends and migrations,
// a second query-only connection for reads, and a fresh connection per export snapshot.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase, type Transaction } from 'kysely';
import type { NodeId } from '@runledger/ledger';
import type { SqliteConfig } from '../config.js';
import { StoreError, messageOf } from '../errors.js';
import { requireLedgerTables } from '../ledger/tables.js';
import { migrateToLatest } from '../migrations/index.js';
import type { Database, LedgerTable } from '../schema.js';
import { toSafeNumber } from '../util.js';
import { registerTreeFunctions, sqliteTreeContinuity } from './sqlite-continuity.js';
import type { AppendRows, AppendSession, Backend, DialectCapabilities, IdemRow, OpenOptions, StoredHead, StoredNode, WriteOptions } from './types.js';

const APPEND_ONLY = 'ledger tables are append-only';

/** When an insert would hit an existing key: the BEFORE INSERT guard refuses it instead of letting REPLACE delete. */
const KEY_TAKEN: Record<LedgerTable, string> = {
  ledger_entries:
    'EXISTS (SELECT 1 FROM ledger_entries WHERE seq = NEW.seq) OR ' + '(NEW.idem IS NOT NULL AND EXISTS (SELECT 1 FROM ledger_entries WHERE idem = NEW.idem))',
  ledger_nodes: 'EXISTS (SELECT 1 FROM ledger_nodes WHERE level = NEW.level AND idx = NEW.idx)',
  ledger_checkpoints: 'EXISTS (SELECT 1 FROM ledger_checkpoints WHERE size = NEW.size)',
};

export const sqliteCapabilities: DialectCapabilities = {
  name: 'sqlite',
  bytesType: 'blob',
  int8Type: 'integer',
  byteLengthFn: 'length',
  ledgerSchema: undefined,
  compositeKeyTableSuffix: 'WITHOUT ROWID',
  appendLock: 'begin-immediate',
  commitChecksHead: false,
  appendGuard: () => [],
  privateFunctions: () => [],
  treeContinuity: sqliteTreeContinuity,
  appendOnlyPrelude: () => [],
  appendOnlyTriggers: (t) => [
    `CREATE TRIGGER ${t}_no_update BEFORE UPDATE ON ${t} BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: UPDATE on ${t} refused'); END`,
    `CREATE TRIGGER ${t}_no_delete BEFORE DELETE ON ${t} BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: DELETE on ${t} refused'); END`,
    // INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless recursive_triggers
    // is on in the offending connection), so refuse the insert itself when the key is taken.
    `CREATE TRIGGER ${t}_no_replace BEFORE INSERT ON ${t} WHEN ${KEY_TAKEN[t]} ` +
      `BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: ${t} already has a row with this key'); END`,
  ],
  qualified: (t) => t,
  bytewiseIdem: 'idem',
  idemPrefixIndex: () => [],
};

type Raw = BetterSqlite3.Database;

/**
 * better-sqlite3 waits for a busy lock synchronously, blocking the event loop. Two stores on the same
 * file in ONE process would then deadlock until busy_timeout: the holder cannot run to COMMIT while
 * the waiter spins. So write transactions on a file are first serialised in-process by this queue;
 * BEGIN IMMEDIATE and busy_timeout then only ever wait for other processes.
 */
const fileQueues = new Map<string, Promise<unknown>>();

async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = fileQueues.get(file) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  fileQueues.set(file, tail);
  try {
    return await run;
  } finally {
    if (fileQueues.get(file) === tail) fileQueues.delete(file);
  }
}

function connect(config: SqliteConfig, queryOnly: boolean): Raw {
  let raw: Raw;
  try {
    raw = new BetterSqlite3(config.file, { timeout: config.busyTimeoutMs });
  } catch (e) {
    throw new StoreError('STORE_UNAVAILABLE', `cannot open SQLite database ${config.file}: ${messageOf(e)}`, { cause: e });
  }
  try {
    const mode = raw.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new StoreError('STORE_UNAVAILABLE', `SQLite database ${config.file}: cannot switch to WAL mode (got ${String(mode)})`);
    }
    // FULL: a commit is durable once it returns; the ledger promises exactly that to its callers.
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('recursive_triggers = ON');
    if (queryOnly) raw.pragma('query_only = ON');
    else registerTreeFunctions(raw);
    // Proof reads touch a few B-tree pages each at random: map the file and keep a larger page cache,
    // so a lookup costs memory accesses, not read() calls.
    raw.pragma('mmap_size = 1073741824');
    raw.pragma('cache_size = -65536');
  } catch (e) {
    raw.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError('STORE_UNAVAILABLE', `cannot configure SQLite database ${config.file}: ${messageOf(e)}`, { cause: e });
  }
  return raw;
}

/**
 * The connection as Kysely sees it, with statements cached by their SQL text: Kysely prepares on every
 * query, and preparing costs about as much as running a small indexed read. A cached statement still
 * iterating (a streamed query) is busy; then a fresh one is prepared for the caller.
 */
function cachingDatabase(raw: Raw, max = 512): SqliteDatabase {
  const cache = new Map<string, ReturnType<Raw['prepare']>>();
  return {
    close: () => void raw.close(),
    prepare(sqlText: string) {
      const hit = cache.get(sqlText);
      if (hit && !hit.busy) return hit;
      const st = raw.prepare(sqlText);
      if (!hit) {
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sqlText, st);
      }
      return st;
    },
  };
}

function kyselyOver(raw: Raw): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) });
}

function toNode(r: { level: number; idx: unknown; hash: Buffer }): StoredNode {
  return { level: r.level, index: toSafeNumber(r.idx, 'ledger_nodes.idx'), hash: r.hash };
}

/** Rows per multi-row INSERT in a batch; the remainder goes one row per statement. */
const ROWS_PER_INSERT = 16;

function valuesList(columns: number, rows: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/**
 * The append path's statements, prepared once on the read-write connection. An append runs them
 * synchronously inside BEGIN IMMEDIATE: no Kysely compile and no re-prepare per call, and no round
 * trips, so a single-row statement per row is cheap; a batch uses 16-row statements for the bulk.
 */
function appendStatements(raw: Raw) {
  const entries = 'INSERT INTO ledger_entries (seq, idem, type, ts, bytes, leaf) VALUES ';
  const nodes = 'INSERT INTO ledger_nodes (level, idx, hash) VALUES ';
  return {
    begin: raw.prepare('BEGIN IMMEDIATE'),
    commit: raw.prepare('COMMIT'),
    rollback: raw.prepare('ROLLBACK'),
    head: raw.prepare('SELECT size, root FROM ledger_checkpoints ORDER BY size DESC LIMIT 1'),
    byIdem: raw.prepare('SELECT seq, idem, bytes, leaf FROM ledger_entries WHERE idem = ?'),
    entry: raw.prepare(entries + valuesList(6, 1)),
    entries: raw.prepare(entries + valuesList(6, ROWS_PER_INSERT)),
    node: raw.prepare(nodes + valuesList(3, 1)),
    nodes: raw.prepare(nodes + valuesList(3, ROWS_PER_INSERT)),
    checkpoint: raw.prepare('INSERT INTO ledger_checkpoints (size, root, note) VALUES (?, ?, ?)'),
  };
}

function insertAll(rows: AppendRows, st: ReturnType<typeof appendStatements>): void {
  const { entries, nodes, checkpoint: cp } = rows;
  const params: unknown[] = [];
  let i = 0;
  for (; i + ROWS_PER_INSERT <= entries.length; i += ROWS_PER_INSERT) {
    params.length = 0;
    for (let j = i; j < i + ROWS_PER_INSERT; j++) {
      const e = entries[j]!;
      params.push(e.seq, e.idem, e.type, e.ts, e.bytes, e.leaf);
    }
    st.entries.run(params);
  }
  for (; i < entries.length; i++) {
    const e = entries[i]!;
    st.entry.run(e.seq, e.idem, e.type, e.ts, e.bytes, e.leaf);
  }
  i = 0;
  for (; i + ROWS_PER_INSERT <= nodes.length; i += ROWS_PER_INSERT) {
    params.length = 0;
    for (let j = i; j < i + ROWS_PER_INSERT; j++) {
      const n = nodes[j]!;
      params.push(n.level, n.idx, n.hash);
    }
    st.nodes.run(params);
  }
  for (; i < nodes.length; i++) {
    const n = nodes[i]!;
    st.node.run(n.level, n.idx, n.hash);
  }
  st.checkpoint.run(cp.size, cp.root, cp.note);
}

/** fdatasync of the WAL on a libuv thread: the commit's frames reach the disk as FULL would have put them. */
async function syncWal(path: string): Promise<void> {
  try {
    // A fresh descriptor each time: fsync flushes the file (inode), whichever descriptor wrote it.
    const h = await openFile(path, 'r');
    try {
      await h.datasync();
    } finally {
      await h.close();
    }
  } catch (e) {
    throw new StoreError('STORE_UNAVAILABLE', `flushing the SQLite WAL ${path} to disk failed: ${messageOf(e)}`, { cause: e });
  }
}

export async function openSqliteBackend(config: SqliteConfig, opts: OpenOptions = {}): Promise<Backend> {
  if (opts.create === false && !existsSync(config.file)) {
    throw new StoreError(
      'LEDGER_NOT_INITIALISED',
      `no ledger database at ${config.file} (data directory ${config.home}): create one with \`runledger init\`, or point --data-dir (RUNLEDGER_HOME) or RUNLEDGER_DATABASE_URL at an existing one`,
    );
  }
  try {
    mkdirSync(config.home, { recursive: true, mode: 0o700 });
    mkdirSync(dirname(config.file), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StoreError('STORE_UNAVAILABLE', `cannot create the data directory for ${config.file}: ${messageOf(e)}`, { cause: e });
  }
  const lockKey = resolvePath(config.file);
  const main = connect(config, false);
  const db = kyselyOver(main);
  try {
    // Kysely's SQLite migrator takes no lock; BEGIN IMMEDIATE serialises processes that open a new
    // database at once and makes the whole migration atomic (SQLite DDL is transactional).
    await withFileLock(lockKey, async () => {
      main.exec('BEGIN IMMEDIATE');
      try {
        await migrateToLatest(db, sqliteCapabilities);
        main.exec('COMMIT');
      } catch (e) {
        if (main.inTransaction) main.exec('ROLLBACK');
        throw e;
      }
    });
  } catch (e) {
    await db.destroy();
    if (e instanceof StoreError) throw e;
    throw new StoreError('MIGRATION_FAILED', `migrating ${config.file} failed: ${messageOf(e)}`, { cause: e });
  }
  try {
    await requireLedgerTables(db, sqliteCapabilities);
  } catch (e) {
    await db.destroy();
    throw e;
  }

  const st = appendStatements(main);
  const reader = connect(config, true);
  const readDb = kyselyOver(reader);
  // Proof reads are latency-critical (p99 < 1 ms): one cached prepared statement per id count,
  // executed synchronously on the query-only connection, skips Kysely's per-call compile.
  const nodeStatements = new Map<number, BetterSqlite3.Statement>();
  const nodeStatement = (n: number): BetterSqlite3.Statement => {
    let st = nodeStatements.get(n);
    if (!st) {
      const values = Array.from({ length: n }, () => '(?, ?)').join(', ');
      st = reader.prepare(`SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN (VALUES ${values})`);
      nodeStatements.set(n, st);
    }
    return st;
  };

  let epochStatement: BetterSqlite3.Statement | undefined;

  let closed = false;
  return {
    caps: sqliteCapabilities,
    db,
    readDb,
    ledgerDb: db,
    mainRole: undefined,
    writerRole: undefined,

    // Always serialised (BEGIN IMMEDIATE holds the file's write lock), so `lockFirst` changes nothing.
    async withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>): Promise<T> {
      // The Kysely connection is held only as a mutex: other users of `db` (e.g. the run store's
      // transactions) wait instead of running inside the append transaction.
      return withFileLock(lockKey, () =>
        db.connection().execute(async (conn) => {
          st.begin.run();
          const session: AppendSession = {
            read: conn,
            async readHead(): Promise<StoredHead | undefined> {
              const r = st.head.get() as { size: unknown; root: Buffer } | undefined;
              return r && { size: toSafeNumber(r.size, 'ledger_checkpoints.size'), root: r.root };
            },
            async entriesByIdem(idems: readonly string[]): Promise<IdemRow[]> {
              const out: IdemRow[] = [];
              for (const idem of idems) {
                const r = st.byIdem.get(idem) as { seq: unknown; idem: string; bytes: Buffer; leaf: Buffer } | undefined;
                if (r) out.push({ seq: toSafeNumber(r.seq, 'ledger_entries.seq'), idem: r.idem, bytes: r.bytes, leaf: r.leaf });
              }
              return out;
            },
            // The head was read under BEGIN IMMEDIATE, so `expected` is already known to be current.
            async commit(rows: AppendRows, _expected: StoredHead, beforeCommit?: () => void | Promise<void>): Promise<void> {
              insertAll(rows, st);
              await beforeCommit?.();
              st.commit.run();
            },
          };
          try {
            return await fn(session);
          } finally {
            // Anything not committed through session.commit (a failure, or a batch with nothing new).
            if (main.inTransaction) st.rollback.run();
          }
        }),
      );
    },

    // File queue first, then Kysely's connection (the append path's order, so neither waits on the
    // other); the first statement writes, so the transaction holds the write lock from its start: a
    // read-then-write transaction would otherwise fail at once when another process wrote in between.
    writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>, opts?: WriteOptions): Promise<T> {
      const body = async (trx: Transaction<Database>): Promise<T> => {
        await sql`DELETE FROM kysely_migration WHERE 0`.execute(trx);
        return fn(trx);
      };
      if (!opts?.deferSync) return withFileLock(lockKey, () => db.transaction().execute(body));
      return (async () => {
        // The safety level cannot change inside a transaction, and no other statement may run on the
        // connection with it lowered: hold the connection from before BEGIN to after COMMIT.
        const result = await withFileLock(lockKey, () =>
          db.connection().execute(async (conn) => {
            main.pragma('synchronous = NORMAL');
            try {
              return await conn.transaction().execute(body);
            } finally {
              main.pragma('synchronous = FULL');
            }
          }),
        );
        await syncWal(`${config.file}-wal`);
        return result;
      })();
    },

    async checkWritable(): Promise<string> {
      // access(W_OK) also sees what file modes do not show to root: an immutable file, a read-only mount.
      const paths: [string, string][] = [
        ['database file', config.file],
        ['WAL file', `${config.file}-wal`],
        ['shared-memory file', `${config.file}-shm`],
        ['directory', dirname(config.file)],
      ];
      for (const [what, path] of paths) {
        if (what.endsWith('file') && what !== 'database file' && !existsSync(path)) continue;
        try {
          accessSync(path, constants.W_OK);
        } catch (e) {
          throw new StoreError('STORE_UNAVAILABLE', `the SQLite ${what} ${path} is not writable (${(e as NodeJS.ErrnoException).code ?? messageOf(e)})`, {
            cause: e,
          });
        }
      }
      // A connection that cannot write (opened read-only, query_only) fails here; serialised with appends
      // like one, and with a short busy timeout so the check never blocks the event loop for long.
      return withFileLock(lockKey, () =>
        db.connection().execute(async () => {
          const timeout = Number(main.pragma('busy_timeout', { simple: true }));
          main.pragma('busy_timeout = 200');
          try {
            main.exec('BEGIN IMMEDIATE');
            try {
              main.exec('DELETE FROM kysely_migration WHERE 0');
            } finally {
              if (main.inTransaction) main.exec('ROLLBACK');
            }
          } catch (e) {
            if ((e as { code?: string }).code === 'SQLITE_BUSY') return `${config.file}: writable; another process holds the write lock just now`;
            throw new StoreError('STORE_UNAVAILABLE', `cannot write to SQLite database ${config.file}: ${messageOf(e)}`, { cause: e });
          } finally {
            main.pragma(`busy_timeout = ${timeout}`);
          }
          return `${config.file} and its directory are writable; a write transaction begins`;
        }),
      );
    },

    async withReadSnapshot<T>(fn: (snap: Kysely<Database>) => Promise<T>): Promise<T> {
      const snapDb = kyselyOver(connect(config, true));
      try {
        // A deferred transaction takes its snapshot at the first read and keeps it to the end.
        return await snapDb.transaction().execute((trx) => fn(trx));
      } finally {
        await snapDb.destroy();
      }
    },

    async fetchNodes(ids: readonly NodeId[], via?: Kysely<Database>): Promise<StoredNode[]> {
      if (ids.length === 0) return [];
      if (via === undefined || via === readDb) {
        const params: number[] = [];
        for (const id of ids) params.push(id.level, id.index);
        const rows = nodeStatement(ids.length).all(params) as Array<{ level: number; idx: number; hash: Buffer }>;
        return rows.map(toNode);
      }
      const rows = await via
        .selectFrom('ledger_nodes')
        .select(['level', 'idx', 'hash'])
        .where((eb) => eb.or(ids.map((id) => eb.and([eb('level', '=', id.level), eb('idx', '=', id.index)]))))
        .execute();
      return rows.map(toNode);
    },

    // A few microseconds: a cached statement on the query-only connection, which sees every commit.
    readAuthEpoch(): number {
      epochStatement ??= reader.prepare('SELECT n FROM auth_epoch WHERE id = 1').pluck();
      return Number(epochStatement.get());
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      nodeStatements.clear();
      await readDb.destroy();
      await db.destroy();
    },
  };
}
