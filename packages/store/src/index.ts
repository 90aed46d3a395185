// Public surface of @runledger/store.
export { StoreError, isStoreError, STORE_ERROR_CODES, type StoreErrorCode } from './errors.js';
export {
  resolveConfig,
  redactDsn,
  roleOfDsn,
  SETTINGS,
  SECRET_SETTINGS,
  DEFAULT_HOME,
  SQLITE_FILE_NAME,
  type StoreConfig,
  type SqliteConfig,
  type PostgresConfig,
  type ResolveConfigOptions,
  type Env,
} from './config.js';
export { openStore, type Store } from './open.js';
export type { Database, LedgerEntriesTable, LedgerNodesTable, LedgerCheckpointsTable, LedgerTable, Int8, Bytes } from './schema.js';
export { LEDGER_TABLES } from './schema.js';
export type { DialectCapabilities, DialectName, AppendSession, OpenOptions, StoredNode, WriteOptions } from './dialects/types.js';
export { MIGRATION_HEAD, MIGRATION_NAMES } from './migrations/index.js';
export { runTablesMigration } from './migrations/0002-runs.js';
export { apiTokensMigration } from './migrations/0004-api-tokens.js';
export { webSessionsMigration } from './migrations/0005-web-sessions.js';
export {
  bootstrapPostgresRoles,
  renderPsqlVariables,
  POSTGRES_ROLES_STATEMENTS,
  APP_SCHEMA,
  LEDGER_SCHEMA,
  DEFAULT_APP_ROLE,
  DEFAULT_WRITER_ROLE,
  type BootstrapOptions,
} from './postgres-roles.js';
export { auditWriterRole } from './dialects/postgres-audit.js';
export { probePostgresLedgerGuards } from './dialects/postgres-guards.js';
export {
  LedgerWriter,
  DEFAULT_MAX_BATCH,
  type AppendResult,
  type CommitInfo,
  type WriterHooks,
  type LedgerWriterOptions,
  type WriterStats,
  type InitOptions,
  type RotateOptions,
} from './ledger/writer.js';
export {
  LedgerReader,
  LedgerView,
  ENTRY_PAGE_SIZE,
  type LedgerHead,
  type LedgerSearch,
  type LedgerSearchPage,
  type LedgerSnapshot,
  type StoredCheckpoint,
  type StoredEntry,
} from './ledger/reader.js';
export { IntegrityCheck, type IntegrityCheckOptions, type IntegrityStatus } from './ledger/integrity.js';
export { startupCheck } from './ledger/startup.js';
export { writeKeyFile, readKeyFile, loadSigners, keyFileName, KEYS_DIR } from './keyfiles.js';
export { toSafeNumber } from './util.js';
export { RunStore, type RunRecord, type RunSummaryRecord, type StoredEvent, type StepOutput, type FreezeState, type RunFilter } from './runs/run-store.js';
export type { RunsDatabase } from './runs/schema.js';
export {
  TokenStore,
  TOKEN_ROLES,
  TOKEN_PREFIX,
  hashToken,
  isTokenShaped,
  isSessionSecretShaped,
  isTokenRole,
  isValidTokenName,
  validateGroups,
  type WebSession,
  type TokenRole,
  type TokenRecord,
  type CreateTokenResult,
  type TokensDatabase,
} from './tokens/token-store.js';
export { AuthEpoch, AUTH_EPOCH_CHANNEL, authEpochMigration } from './tokens/epoch.js';
export * from './operations/index.js';
export * from './health/index.js';
export * from './releases/index.js';
export * from './schedules/index.js';
