// The one place where SQLite and PostgreSQL differ. Everything else talks to a Backend and reads its
// capability object; no other module asks "is this SQLite?".
import type { Kysely } from 'kysely';
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
  /** How appenders in several processes are serialised. */
  readonly appendLock: 'begin-immediate' | 'pg-advisory-xact-lock';
  /** Statements that make a ledger table append-only (run by the migration). */
  appendOnlyTriggers(table: LedgerTable): string[];
  /** Statements run once before the per-table triggers (e.g. the PL/pgSQL trigger function). */
  appendOnlyPrelude(): string[];
  /** The table's name as the main role must write it in DDL. */
  qualified(table: LedgerTable): string;
}

/** Executors handed to one append transaction. */
export interface AppendSession {
  /** Runs the INSERTs inside the transaction (PostgreSQL: as the ledger-writer role). */
  readonly write: Kysely<Database>;
  /**
   * Reads committed state while the append lock is held (PostgreSQL: the main role, since the writer
   * cannot SELECT; SQLite: the same connection, inside BEGIN IMMEDIATE).
   */
  readonly read: Kysely<Database>;
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
  /** One append transaction, serialised across processes; rolls back if fn throws. */
  withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>): Promise<T>;
  /** One read-only transaction over a consistent snapshot. */
  withReadSnapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Fetches stored tree nodes in one query. `db` selects a snapshot executor; default: the read path. */
  fetchNodes(ids: readonly NodeId[], db?: Kysely<Database>): Promise<StoredNode[]>;
  close(): Promise<void>;
}
