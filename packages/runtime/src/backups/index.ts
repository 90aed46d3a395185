// Backups and restore of Runledger's own store.
export { backupNow, defaultBackupDir, listBackups, pruneBackups, BACKUP_DIR_SETTING, DUMP_FILE_NAME } from './backup.js';
export type { BackupOptions, BackupResult, ListedBackup, PruneResult } from './backup.js';
export { checkBackupFiles, readBackupManifest, restoreBackup, type RestoreOptions, type RestoreResult } from './restore.js';
export { pgEnvOf } from './pgdump.js';
export { pgArchiveStatus, type PgArchiveStatus, type PgQueryable } from './pg-physical.js';
export { backupStatus, DEFAULT_RPO_TARGET_SECONDS, type BackupStatus } from './status.js';
export type { PgRestored, PgRestoreTarget } from './pgrestore.js';
export type { PgPromoted, PgSwitch } from './pgpromote.js';
