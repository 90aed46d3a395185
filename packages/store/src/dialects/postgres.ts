// PostgreSQL backend: two pools. The main role owns the schema, migrates and reads; the ledger-writer
// role (INSERT only on the ledger tables) performs every ledger insert.
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { NodeId } from '@runledger/ledger';
import { SETTINGS, redactDsn, roleOfDsn, type PostgresConfig } from '../config.js';
import { StoreError, messageOf } from '../errors.js';
import { migrateToLatest } from '../migrations/index.js';
import { requireLedgerTables } from '../ledger/tables.js';
import { APP_SCHEMA, LEDGER_SCHEMA } from '../postgres-roles.js';
import { AUTH_EPOCH_CHANNEL } from '../migrations/0008-auth-epoch.js';
import { auditWriterRole } from './postgres-audit.js';
import { postgresTreeContinuity } from './postgres-continuity.js';
import type { Database, LedgerTable } from '../schema.js';
import { buf, toSafeNumber } from '../util.js';
import {
  AppendConflict,
  type AppendOptions,
  type OpenOptions,
  type AppendRows,
  type AppendSession,
  type Backend,
  type DialectCapabilities,
  type IdemRow,
  type StoredHead,
  type StoredNode,
} from './types.js';

/** Advisory lock key serialising appenders across processes (per database). */
const APPEND_LOCK_KEY = '5238972113460741001';
/** A stuck appender elsewhere makes ours fail after this instead of hanging forever. */
const APPEND_LOCK_TIMEOUT = '30s';
const REFUSE_FN = `${LEDGER_SCHEMA}.refuse_ledger_change`;
const GUARD_FN = `${LEDGER_SCHEMA}.append_guard`;
/** SQLSTATE the guard raises when the stored head is not the one the append was built on. */
const HEAD_MOVED_SQLSTATE = 'RLH01';
const UNIQUE_VIOLATION = '23505';

/**
 * The whole append in one statement, one round trip, run by the INSERT-only writer role (no
 * RETURNING, no ON CONFLICT, no SELECT on the tables). The guard (SECURITY DEFINER, owned by the main
 * role) runs first, because the checkpoint row is selected FROM it: it takes the advisory lock and
 * raises HEAD_MOVED_SQLSTATE unless the latest stored checkpoint is ($15, $16). Rows arrive as
 * arrays, so the text (and its server-side prepared plan) is the same for every batch size; the byte
 * columns arrive as one concatenated bytea each (sent in binary, where a bytea[] would travel as hex
 * text) and are cut apart with substring. Another appender that got in between anyway collides on a
 * primary key (23505).
 */
const APPEND_SQL = `WITH guard AS MATERIALIZED (SELECT ${GUARD_FN}($15::int8, $16::bytea)),
  e AS (INSERT INTO ${LEDGER_SCHEMA}.ledger_entries (seq, idem, type, ts, bytes, leaf)
        SELECT u.seq, u.idem, u.type, u.ts, substring($5::bytea FROM u.off + 1 FOR u.len), substring($6::bytea FROM u.i::int * 32 - 31 FOR 32)
          FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $7::int[], $8::int[]) WITH ORDINALITY AS u(seq, idem, type, ts, off, len, i)),
  n AS (INSERT INTO ${LEDGER_SCHEMA}.ledger_nodes (level, idx, hash)
        SELECT u.level, u.idx, substring($11::bytea FROM u.i::int * 32 - 31 FOR 32)
          FROM unnest($9::int[], $10::int8[]) WITH ORDINALITY AS u(level, idx, i))
INSERT INTO ${LEDGER_SCHEMA}.ledger_checkpoints (size, root, note) SELECT $12::int8, $13::bytea, $14::text FROM guard`;
/** One simple-protocol round trip: open the transaction and take the append lock (the retry path). */
const LOCK_SQL = `BEGIN; SET LOCAL lock_timeout = '${APPEND_LOCK_TIMEOUT}'; SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;
const HEAD_SQL = `SELECT size, root FROM ${LEDGER_SCHEMA}.ledger_checkpoints ORDER BY size DESC LIMIT 1`;
const IDEM_SQL = `SELECT seq, idem, bytes, leaf FROM ${LEDGER_SCHEMA}.ledger_entries WHERE idem = ANY($1::text[])`;

function appendValues(rows: AppendRows, expected: StoredHead): unknown[] {
  const n = rows.entries.length;
  const seqs = new Array<number>(n);
  const idems = new Array<string | null>(n);
  const types = new Array<string>(n);
  const tss = new Array<string>(n);
  const offsets = new Array<number>(n);
  const lengths = new Array<number>(n);
  const bytes = new Array<Buffer>(n);
  const leaves = new Array<Buffer>(n);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const e = rows.entries[i]!;
    if (e.leaf.byteLength !== 32) throw new StoreError('STORE_CORRUPT', `entry ${e.seq}: a leaf hash must be 32 bytes`);
    seqs[i] = e.seq;
    idems[i] = e.idem;
    types[i] = e.type;
    tss[i] = e.ts;
    offsets[i] = offset;
    lengths[i] = e.bytes.byteLength;
    offset += e.bytes.byteLength;
    bytes[i] = e.bytes;
    leaves[i] = e.leaf;
  }
  const m = rows.nodes.length;
  const levels = new Array<number>(m);
  const idxs = new Array<number>(m);
  const hashes = new Array<Buffer>(m);
  for (let i = 0; i < m; i++) {
    const nd = rows.nodes[i]!;
    if (nd.hash.byteLength !== 32) throw new StoreError('STORE_CORRUPT', `node (${nd.level}, ${nd.idx}): a hash must be 32 bytes`);
    levels[i] = nd.level;
    idxs[i] = nd.idx;
    hashes[i] = nd.hash;
  }
  const cp = rows.checkpoint;
  return [
    seqs,
    idems,
    types,
    tss,
    Buffer.concat(bytes, offset),
    Buffer.concat(leaves, 32 * n),
    offsets,
    lengths,
    levels,
    idxs,
    Buffer.concat(hashes, 32 * m),
    cp.size,
    cp.root,
    cp.note,
    expected.size,
    buf(expected.root),
  ];
}

/** A moved head or a key another appender took: nothing was stored, the writer re-reads and retries. */
function conflictOf(e: unknown): AppendConflict | undefined {
  const code = (e as { code?: unknown }).code;
  if (code === HEAD_MOVED_SQLSTATE) return new AppendConflict(messageOf(e), { cause: e });
  if (code === UNIQUE_VIOLATION) return new AppendConflict(`another appender stored the same key first: ${messageOf(e)}`, { cause: e });
  return undefined;
}

export const postgresCapabilities: DialectCapabilities = {
  name: 'postgres',
  bytesType: 'bytea',
  int8Type: 'bigint',
  byteLengthFn: 'octet_length',
  ledgerSchema: LEDGER_SCHEMA,
  compositeKeyTableSuffix: '',
  appendLock: 'guarded-commit',
  commitChecksHead: true,
  appendGuard: () => [
    // Runs as the main role (SECURITY DEFINER) because the writer cannot SELECT. It reveals only
    // whether (size, root) is the current head. VOLATILE: after waiting for the lock, its query takes
    // a fresh snapshot and sees the commit of whoever held it.
    `CREATE FUNCTION ${GUARD_FN}(expected_size bigint, expected_root bytea) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '${APPEND_LOCK_TIMEOUT}'
AS $$
DECLARE
  stored_size bigint;
  stored_root bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(${APPEND_LOCK_KEY});
  SELECT c.size, c.root INTO stored_size, stored_root FROM ${LEDGER_SCHEMA}.ledger_checkpoints c ORDER BY c.size DESC LIMIT 1;
  IF coalesce(stored_size, 0) <> expected_size OR (stored_size IS NOT NULL AND stored_root IS DISTINCT FROM expected_root) THEN
    RAISE EXCEPTION 'ledger head moved: storage is at size %, this append was built on size %', coalesce(stored_size, 0), expected_size
      USING ERRCODE = '${HEAD_MOVED_SQLSTATE}';
  END IF;
END
$$`,
  ],
  // Trigger functions fire without EXECUTE; nobody needs to call them directly.
  privateFunctions: () => [`REVOKE EXECUTE ON FUNCTION ${REFUSE_FN}() FROM PUBLIC`],
  treeContinuity: postgresTreeContinuity,
  appendOnlyPrelude: () => [
    `CREATE FUNCTION ${REFUSE_FN}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger tables are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING HINT = 'entries, tree nodes and checkpoints are never changed or removed';
END
$$`,
  ],
  appendOnlyTriggers: (t: LedgerTable) => [
    `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${LEDGER_SCHEMA}.${t} FOR EACH ROW EXECUTE FUNCTION ${REFUSE_FN}()`,
    `CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${LEDGER_SCHEMA}.${t} FOR EACH STATEMENT EXECUTE FUNCTION ${REFUSE_FN}()`,
  ],
  qualified: (t) => `${LEDGER_SCHEMA}.${t}`,
  bytewiseIdem: 'idem collate "C"',
  idemPrefixIndex: () => [`CREATE INDEX IF NOT EXISTS ledger_entries_idem_bytewise ON ${LEDGER_SCHEMA}.ledger_entries (idem COLLATE "C")`],
};

function pool(url: string, searchPath: string, max: number): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max, options: `-c search_path=${searchPath}` });
  // An idle client dropped by the server emits 'error' on the pool; unhandled, that would kill the
  // process. The next query reports the problem instead.
  p.on('error', () => {});
  // A client checked out between two statements (a transaction awaiting its caller) emits 'error' on
  // itself, where the pool does not listen: the same rule, so a terminated backend fails that
  // transaction's next statement instead of the whole process.
  p.on('connect', (client) => {
    client.on('error', () => {});
  });
  return p;
}

function toNode(r: { level: number; idx: unknown; hash: Buffer }): StoredNode {
  return { level: r.level, index: toSafeNumber(r.idx, 'ledger_nodes.idx'), hash: r.hash };
}

const AUTH_CODES = new Set(['28000', '28P01']);

async function currentUser(db: Kysely<Database>): Promise<string> {
  const res = await sql<{ u: string }>`SELECT current_user AS u`.execute(db);
  return res.rows[0]!.u;
}

export async function openPostgresBackend(config: PostgresConfig, opts: OpenOptions = {}): Promise<Backend> {
  const mainSource = config.sources?.url ?? SETTINGS.databaseUrl;
  const writerSource = config.sources?.ledgerWriterUrl ?? SETTINGS.ledgerDatabaseUrl;
  const writerUrl = config.ledgerWriterUrl;
  if (!writerUrl) {
    throw new StoreError(
      'CONFIG_INVALID',
      `${SETTINGS.ledgerDatabaseUrl} (or ${SETTINGS.ledgerDatabaseUrl}_FILE) is required with PostgreSQL: the ledger is written by a separate INSERT-only role`,
    );
  }
  const mainPool = pool(config.url, `${APP_SCHEMA},${LEDGER_SCHEMA}`, config.poolSize ?? 10);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: mainPool }) });
  let ledgerDb: Kysely<Database> | undefined;
  try {
    let mainRole: string;
    try {
      mainRole = await currentUser(db);
    } catch (e) {
      throw new StoreError('STORE_UNAVAILABLE', `cannot connect to PostgreSQL with ${mainSource}=${redactDsn(config.url)}: ${messageOf(e)}`, { cause: e });
    }
    const schemas = await sql<{ nspname: string }>`SELECT nspname FROM pg_namespace WHERE nspname IN (${APP_SCHEMA}, ${LEDGER_SCHEMA})`.execute(db);
    for (const s of [APP_SCHEMA, LEDGER_SCHEMA]) {
      if (!schemas.rows.some((r) => r.nspname === s)) {
        throw new StoreError(
          'MIGRATION_FAILED',
          `schema ${s} does not exist in the database of ${mainSource}; run docs/sql/postgres-roles.sql as an administrator first`,
        );
      }
    }
    if (opts.create === false) {
      const found = await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration') AS t`.execute(db);
      if (!found.rows[0]?.t) {
        throw new StoreError(
          'LEDGER_NOT_INITIALISED',
          `no ledger in the database of ${mainSource}=${redactDsn(config.url)} (its schema was never created): create one with \`runledger init\`, or point RUNLEDGER_DATABASE_URL at an existing one`,
        );
      }
    }
    await migrateToLatest(db, postgresCapabilities);
    await requireLedgerTables(db, postgresCapabilities);

    // The writer never needs more than one connection: appends are serialised by the advisory lock.
    const writerPool = pool(writerUrl, LEDGER_SCHEMA, 2);
    ledgerDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: writerPool }) });
    let writerRole: string;
    try {
      writerRole = await currentUser(ledgerDb);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const named = roleOfDsn(writerUrl);
      const what = `${writerSource}=${redactDsn(writerUrl)}`;
      if (code !== undefined && AUTH_CODES.has(code)) {
        throw new StoreError('WRITER_ROLE_MISSING', `ledger writer role "${named ?? '(default user)'}" cannot log in (${what}): ${messageOf(e)}`, { cause: e });
      }
      throw new StoreError('STORE_UNAVAILABLE', `cannot connect as the ledger writer (${what}): ${messageOf(e)}`, { cause: e });
    }
    await auditWriterRole(db, writerRole, mainRole, writerSource);

    const writer = ledgerDb;
    const listeners = new Set<() => Promise<void>>();
    let closed = false;
    return {
      caps: postgresCapabilities,
      db,
      readDb: db,
      ledgerDb: writer,
      mainRole,
      writerRole,

      async withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>, opts: AppendOptions = {}): Promise<T> {
        // Without lockFirst no transaction is open while the batch is built: reads go to the main
        // role, and `commit` is one guarded statement (its own transaction), or BEGIN, that statement,
        // the beforeCommit hook and COMMIT when there is a hook.
        let held: pg.PoolClient | undefined;
        if (opts.lockFirst) {
          held = await writerPool.connect();
          try {
            await held.query(LOCK_SQL);
          } catch (e) {
            held.release(true);
            throw e;
          }
        }
        let open = held !== undefined;
        let reusable = true;
        try {
          return await fn({
            read: db,
            async readHead(): Promise<StoredHead | undefined> {
              const res = await mainPool.query<{ size: string; root: Buffer }>({ name: 'runledger_append_head', text: HEAD_SQL });
              const r = res.rows[0];
              return r && { size: toSafeNumber(r.size, 'ledger_checkpoints.size'), root: r.root };
            },
            async entriesByIdem(idems: readonly string[]): Promise<IdemRow[]> {
              if (idems.length === 0) return [];
              const res = await mainPool.query<{ seq: string; idem: string; bytes: Buffer; leaf: Buffer }>({
                name: 'runledger_append_idem',
                text: IDEM_SQL,
                values: [idems],
              });
              return res.rows.map((r) => ({ seq: toSafeNumber(r.seq, 'ledger_entries.seq'), idem: r.idem, bytes: r.bytes, leaf: r.leaf }));
            },
            async commit(rows: AppendRows, expected: StoredHead, beforeCommit?: () => void | Promise<void>): Promise<void> {
              const query = { name: 'runledger_append', text: APPEND_SQL, values: appendValues(rows, expected) };
              if (!held && !beforeCommit) {
                try {
                  await writerPool.query(query);
                } catch (e) {
                  throw conflictOf(e) ?? e;
                }
                return;
              }
              if (!held) {
                held = await writerPool.connect();
                try {
                  await held.query('BEGIN');
                } catch (e) {
                  reusable = false;
                  throw e;
                }
                open = true;
              }
              try {
                await held.query(query);
                await beforeCommit?.();
              } catch (e) {
                throw conflictOf(e) ?? e;
              }
              // From here the outcome is unknown until COMMIT answers.
              open = false;
              reusable = false;
              await held.query('COMMIT');
              reusable = true;
            },
          });
        } finally {
          if (held) {
            if (open) {
              await held.query('ROLLBACK').then(
                () => {},
                () => (reusable = false),
              );
            }
            // A client left in an unknown state (a failed BEGIN, COMMIT or ROLLBACK) is discarded.
            held.release(!reusable);
          }
        }
      },

      async checkWritable(): Promise<string> {
        const state = async (k: Kysely<Database>, who: string): Promise<void> => {
          let r: { recovery: boolean; ro: string };
          try {
            r = (
              await sql<{ recovery: boolean; ro: string }>`SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro`.execute(k)
            ).rows[0]!;
          } catch (e) {
            throw new StoreError('STORE_UNAVAILABLE', `the ${who} cannot reach PostgreSQL: ${messageOf(e)}`, { cause: e });
          }
          if (r.recovery)
            throw new StoreError('STORE_UNAVAILABLE', `PostgreSQL is in recovery (a standby or restoring): it takes no writes (seen by the ${who})`);
          if (r.ro === 'on')
            throw new StoreError(
              'STORE_UNAVAILABLE',
              `transactions of the ${who} are read-only (transaction_read_only = on; see default_transaction_read_only)`,
            );
        };
        await state(db, `main role ${mainRole}`);
        await state(writer, `ledger writer ${writerRole}`);
        return 'primary, read-write for the main role and the ledger writer';
      },

      // WriteOptions.deferSync changes nothing here: a PostgreSQL commit never blocks the event loop.
      writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
        return db.transaction().execute(fn);
      },

      async withReadSnapshot<T>(fn: (snap: Kysely<Database>) => Promise<T>): Promise<T> {
        return db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute((trx) => fn(trx));
      },

      async fetchNodes(ids: readonly NodeId[], via: Kysely<Database> = db): Promise<StoredNode[]> {
        if (ids.length === 0) return [];
        const levels = ids.map((id) => id.level);
        const idxs = ids.map((id) => id.index);
        const res = await sql<{ level: number; idx: string; hash: Buffer }>`
          SELECT level, idx, hash FROM ledger_nodes
           WHERE (level, idx) IN (SELECT * FROM unnest(${levels}::int[], ${idxs}::int8[]))`.execute(via);
        return res.rows.map(toNode);
      },

      async readAuthEpoch(): Promise<number> {
        const res = await mainPool.query<{ n: string }>({ name: 'runledger_auth_epoch', text: 'SELECT n FROM auth_epoch WHERE id = 1' });
        return Number(res.rows[0]!.n);
      },

      // A dedicated connection (a pooled one would be handed to queries): notifications arrive on it.
      async listenAuthEpoch(onNotify: () => void, onLost: () => void): Promise<() => Promise<void>> {
        const client = new pg.Client({ connectionString: config.url, options: `-c search_path=${APP_SCHEMA}` });
        let ended = false;
        const end = async (): Promise<void> => {
          if (ended) return;
          ended = true;
          listeners.delete(end);
          await client.end().catch(() => undefined);
        };
        client.on('notification', (m) => {
          if (m.channel === AUTH_EPOCH_CHANNEL) onNotify();
        });
        client.on('error', () => {
          if (ended) return;
          void end();
          onLost();
        });
        try {
          await client.connect();
          await client.query(`LISTEN ${AUTH_EPOCH_CHANNEL}`);
        } catch (e) {
          await end();
          throw e;
        }
        listeners.add(end);
        return end;
      },

      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        for (const end of [...listeners]) await end();
        await writer.destroy();
        await db.destroy();
      },
    };
  } catch (e) {
    await ledgerDb?.destroy();
    await db.destroy();
    throw e;
  }
}
