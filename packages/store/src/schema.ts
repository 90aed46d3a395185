// Kysely table types. Tables are append-only, so the update type of every column is `never`.
import type { ColumnType } from 'kysely';

/**
 * A 64-bit integer column. pg returns int8 as a string and SQLite as a number, so reads are typed
 * loosely and must go through `toSafeNumber`, which refuses values beyond 2^53-1.
 */
export type Int8 = ColumnType<number | string | bigint, number, never>;
/** BLOB / bytea. Both drivers return a Buffer. */
export type Bytes = ColumnType<Buffer, Buffer, never>;
type Ro<T> = ColumnType<T, T, never>;

export interface LedgerEntriesTable {
  seq: Int8;
  idem: Ro<string | null>;
  type: Ro<string>;
  ts: Ro<string>;
  bytes: Bytes;
  leaf: Bytes;
}

export interface LedgerNodesTable {
  level: Ro<number>;
  idx: Int8;
  hash: Bytes;
}

export interface LedgerCheckpointsTable {
  size: Int8;
  root: Bytes;
  note: Ro<string>;
}

export interface Database {
  ledger_entries: LedgerEntriesTable;
  ledger_nodes: LedgerNodesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
}

export const LEDGER_TABLES = ['ledger_entries', 'ledger_nodes', 'ledger_checkpoints'] as const;
export type LedgerTable = (typeof LEDGER_TABLES)[number];
