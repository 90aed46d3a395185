// The one place where SQLite and PostgreSQL differ. Everything else talks to a Backend and reads its
// capability object; no other module asks "is this SQLite?".
import type { Kysely, Transaction } from 'kysely';
import type { NodeId } from '@runledger/ledger';
import type { Database, LedgerTable } from '../schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectCapabilities {
  readonly name: DialectName;
  /** Column type for byte strings. */
  readonly bytesType: 'blob' | 'bytea';
  /** Column type for 64-bit integers (SQLite's INTEGER PRIMARY KEY is the rowid, which is 64-bit). */
  readonly int8Type: 'integer' | 'bigint';
  /** SQL function giving a byte string's length, for CHECK constraints. */
  readonly byteLengthFn: 'length' | 'octet_length';
  /**
   * Schema holding exactly the ledger tables (PostgreSQL), so that default privileges grant the writer
   * INSERT on them and on nothing else. Undefined: no schemas (SQLite).
   */
  readonly ledgerSchema: string | undefined;
  /** Appended to CREATE TABLE for tables with a composite primary key (SQLite: WITHOUT ROWID clusters on it). */
  readonly compositeKeyTableSuffix: string;
  /**
   * How appenders in several processes are serialised and how an append learns that storage moved:
   * - 'begin-immediate' (SQLite): BEGIN IMMEDIATE takes the file's write lock; the writer then reads the
   *   head under it (`readHead`) before building the batch.
   * - 'guarded-commit' (PostgreSQL): the insert statement itself takes the advisory lock and checks the
   *   stored head against the writer's expected one (a SECURITY DEFINER guard, the writer cannot SELECT);
   *   a moved head or a key collision rolls the statement back and surfaces as `AppendConflict`.
   */
  readonly appendLock: 'begin-immediate' | 'guarded-commit';
  /**
   * True when `AppendSession.commit` itself verifies the stored head (PostgreSQL's guard), so the
   * writer's first attempt need not read it first; false when the writer must read it under the lock.
   */
  readonly commitChecksHead: boolean;
  /** Statements creating the append guard the commit statement calls (run by a migration; none on SQLite). */
  appendGuard(): string[];
  /** Statements taking EXECUTE on the trigger functions from PUBLIC, so the writer may call only the guard (0006). */
  privateFunctions(): string[];
  /** Triggers refusing ledger rows that do not continue the stored tree (0007; *-continuity.ts). */
  treeContinuity(): string[];
  /** Statements that make a ledger table append-only (run by the migration). */
  appendOnlyTriggers(table: LedgerTable): string[];
  /** Statements run once before the per-table triggers (e.g. the PL/pgSQL trigger function). */
  appendOnlyPrelude(): string[];
  /** The table's name as the main role must write it in DDL. */
  qualified(table: LedgerTable): string;
  /**
   * The idem column compared byte by byte, so a prefix is a range (`>= p`, `< p'`) whatever the
   * database's collation; the 0005 migration indexes exactly this expression.
   */
  readonly bytewiseIdem: 'idem' | 'idem collate "C"';
  /** Statements creating the index behind `bytewiseIdem` (SQLite's BINARY collation needs none). */
  idemPrefixIndex(): string[];
}

export interface OpenOptions {
  /**
   * false: never create the database or its schema; a missing one is LEDGER_NOT_INITIALISED naming
   * where it was looked for (every command but `init`). Default true.
   */
  readonly create?: boolean;
}

/** The latest stored checkpoint's size and root (size 0: none yet). */
export interface StoredHead {
  readonly size: number;
  readonly root: Uint8Array;
}

export interface EntryRow {
  readonly seq: number;
  readonly idem: string | null;
  readonly type: string;
  readonly ts: string;
  readonly bytes: Buffer;
  readonly leaf: Buffer;
}

export interface NodeRow {
  readonly level: number;
  readonly idx: number;
  readonly hash: Buffer;
}

export interface CheckpointRow {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
}

/** Everything one append commits: the new entries, their tree nodes and one signed checkpoint. */
export interface AppendRows {
  readonly entries: readonly EntryRow[];
  readonly nodes: readonly NodeRow[];
  readonly checkpoint: CheckpointRow;
}

export interface IdemRow {
  readonly seq: number;
  readonly idem: string;
  readonly bytes: Buffer;
  readonly leaf: Buffer;
}

/**
 * One append, from the dialect's side. The writer asks for the head and idempotency keys, builds and
 * signs the batch, then calls `commit` once (or not at all when nothing is new).
 */
export interface AppendSession {
  /**
   * The latest committed checkpoint (undefined: none). SQLite reads it under the write lock;
   * PostgreSQL on the main role without a lock (its commit re-checks the head).
   */
  readHead(): Promise<StoredHead | undefined>;
  /** Stored entries carrying any of these idempotency keys (committed data). */
  entriesByIdem(idems: readonly string[]): Promise<IdemRow[]>;
  /**
   * Committed-data reads for the rare paths (reloading after another process appended, genesis):
   * SQLite the transaction's own connection, PostgreSQL the main role.
   */
  readonly read: Kysely<Database>;
  /**
   * Inserts the rows, runs `beforeCommit` inside the transaction, and commits, all or nothing.
   * `expected` is the head the batch was built on. Throws `AppendConflict` when the dialect finds
   * that storage is not at `expected` (or that another appender took one of the keys) before
   * anything commits; every other error also means nothing was committed, except a failure of the
   * commit itself, whose outcome is unknown.
   */
  commit(rows: AppendRows, expected: StoredHead, beforeCommit?: () => void | Promise<void>): Promise<void>;
}

export interface WriteOptions {
  /**
   * SQLite: commit without the synchronous fsync (which blocks the event loop for 1–3 ms here), then
   * flush the WAL file on a libuv thread before resolving. When the promise resolves the change is as
   * durable as a synchronous=FULL commit; meanwhile the event loop serves other requests. PostgreSQL:
   * no difference (its commit never blocks the event loop).
   */
  readonly deferSync?: boolean;
}

export interface AppendOptions {
  /** Take the cross-process append lock before the session starts (the writer's retry after a conflict). */
  readonly lockFirst?: boolean;
}

/**
 * The append was not committed because storage is not where the writer thought (another process
 * appended, or storage went backwards): nothing was stored; the writer re-reads the head and retries.
 */
export class AppendConflict extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppendConflict';
  }
}

export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

export interface Backend {
  readonly caps: DialectCapabilities;
  /** Main role: migrations and the application's own queries. */
  readonly db: Kysely<Database>;
  /** Reads of committed ledger data (SQLite: a second connection, so reads never see an open append). */
  readonly readDb: Kysely<Database>;
  /** Ledger-writer role (PostgreSQL); the main connection on SQLite. */
  readonly ledgerDb: Kysely<Database>;
  /** Main role name (PostgreSQL) or undefined. */
  readonly mainRole: string | undefined;
  /** Writer role name (PostgreSQL) or undefined. */
  readonly writerRole: string | undefined;
  /**
   * One append session; whatever `fn` did not commit through `session.commit` is rolled back.
   * SQLite: inside BEGIN IMMEDIATE, so always serialised across processes. PostgreSQL: nothing is
   * held until `commit` (whose guard takes the lock), unless `lockFirst`: then the advisory lock is
   * held from before `fn` runs to COMMIT, so no other appender can commit in between.
   */
  withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>, opts?: AppendOptions): Promise<T>;
  /**
   * One read-write transaction of the application's tables that may read, then write. SQLite: serialised
   * with appends in this process and holding the file's write lock from its first statement, so a
   * concurrent writer in another process makes it wait (busy_timeout), never fail. PostgreSQL: a plain
   * transaction (callers use conditional writes for concurrency).
   */
  writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** One read-only transaction over a consistent snapshot. */
  withReadSnapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Checks, without changing anything, that a write could happen now. SQLite: the database file, its
   * WAL files and directory are writable, and a write transaction begins and takes a write statement
   * (then rolls back). PostgreSQL: the server is not in recovery, transactions are not read-only, and
   * the ledger writer's connection answers and is read-write too. Resolves with a short description;
   * rejects (STORE_UNAVAILABLE) naming what is not writable.
   */
  checkWritable(): Promise<string>;
  /** Fetches stored tree nodes in one query. `db` selects a snapshot executor; default: the read path. */
  fetchNodes(ids: readonly NodeId[], db?: Kysely<Database>): Promise<StoredNode[]>;
  /** The revocation counter (auth_epoch) as committed now; SQLite answers synchronously. */
  readAuthEpoch(): number | Promise<number>;
  /**
   * PostgreSQL: LISTENs on a dedicated connection and calls `onNotify` for each bump, `onLost` once if
   * the connection fails. Returns the closer. Undefined where the database cannot push (SQLite).
   */
  listenAuthEpoch?(onNotify: () => void, onLost: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
