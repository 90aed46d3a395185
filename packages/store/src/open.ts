// openStore: connects, migrates and (on PostgreSQL) audits the ledger-writer role before anything runs.
import type { Kysely, Transaction } from 'kysely';
import type { NodeId } from '@runledger/ledger';
import { resolveConfig, type StoreConfig } from './config.js';
import { openPostgresBackend } from './dialects/postgres.js';
import { openSqliteBackend } from './dialects/sqlite.js';
import type { AppendOptions, AppendSession, Backend, DialectCapabilities, DialectName, OpenOptions, StoredNode, WriteOptions } from './dialects/types.js';
import { StoreError } from './errors.js';
import { appliedHead } from './migrations/index.js';
import type { Database } from './schema.js';

export interface Store {
  readonly kind: DialectName;
  readonly config: StoreConfig;
  readonly capabilities: DialectCapabilities;
  /** Main role: the application's queries and migrations. */
  readonly db: Kysely<Database>;
  /** Committed-data reads (SQLite: a separate query-only connection; PostgreSQL: same as db). */
  readonly readDb: Kysely<Database>;
  /** Ledger-writer role (PostgreSQL); same as db on SQLite. Only the LedgerWriter should use it. */
  readonly ledgerDb: Kysely<Database>;
  /** Database role names (PostgreSQL only). */
  readonly roles: { readonly main: string | undefined; readonly writer: string | undefined };
  /** Name of the newest applied migration. */
  migrationHead(): Promise<string | undefined>;
  /** One append session (used by LedgerWriter); see Backend.withAppendTransaction. */
  withAppendTransaction<T>(fn: (s: AppendSession) => Promise<T>, opts?: AppendOptions): Promise<T>;
  /** One read-then-write transaction of the application's tables (see Backend.writeTransaction). */
  writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** One read-only transaction over a consistent snapshot (used by LedgerReader.exportSnapshot). */
  withReadSnapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Whether a write could happen now (see Backend.checkWritable); rejects naming what is not writable. */
  checkWritable(): Promise<string>;
  /** Stored tree nodes in one query; `via` selects a snapshot transaction. */
  fetchNodes(ids: readonly NodeId[], via?: Kysely<Database>): Promise<StoredNode[]>;
  /** The revocation counter (see tokens/epoch.ts); use it through AuthEpoch. */
  readAuthEpoch(): number | Promise<number>;
  /** Push notification of counter bumps where the database has it (PostgreSQL LISTEN). */
  readonly listenAuthEpoch?: (onNotify: () => void, onLost: () => void) => Promise<() => Promise<void>>;
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Opens (creating, unless `create: false`, and migrating if needed) the store described by config (default: resolved from process.env). */
export async function openStore(config: StoreConfig = resolveConfig(), opts: OpenOptions = {}): Promise<Store> {
  const backend: Backend = config.kind === 'sqlite' ? await openSqliteBackend(config, opts) : await openPostgresBackend(config, opts);
  let closed = false;
  const live = (): void => {
    if (closed) throw new StoreError('STORE_CLOSED', 'the store has been closed');
  };
  return {
    kind: backend.caps.name,
    config,
    capabilities: backend.caps,
    db: backend.db,
    readDb: backend.readDb,
    ledgerDb: backend.ledgerDb,
    roles: { main: backend.mainRole, writer: backend.writerRole },
    migrationHead: () => {
      live();
      return appliedHead(backend.db, backend.caps);
    },
    withAppendTransaction: (fn, opts) => {
      live();
      return backend.withAppendTransaction(fn, opts);
    },
    writeTransaction: (fn, opts) => {
      live();
      return backend.writeTransaction(fn, opts);
    },
    withReadSnapshot: (fn) => {
      live();
      return backend.withReadSnapshot(fn);
    },
    checkWritable: () => {
      live();
      return backend.checkWritable();
    },
    fetchNodes: (ids, via) => {
      live();
      return backend.fetchNodes(ids, via);
    },
    readAuthEpoch: () => {
      live();
      return backend.readAuthEpoch();
    },
    ...(backend.listenAuthEpoch
      ? {
          listenAuthEpoch: (onNotify: () => void, onLost: () => void) => {
            live();
            return backend.listenAuthEpoch!(onNotify, onLost);
          },
        }
      : {}),
    get closed() {
      return closed;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await backend.close();
    },
  };
}
