// Backups and restore of Runledger's own store.
export { backupNow, defaultBackupDir, listBackups, pruneBackups, BACKUP_DIR_SETTING, DUMP_FILE_NAME } from './backup.js';
export type { BackupOptions, BackupResult, ListedBackup, PruneResult } from './backup.js';
export { checkBackupFiles, readBackupManifest, restoreBackup, type RestoreOptions, type RestoreResult } from './restore.js';
export { DEFAULT_PG_DUMP_COMPRESS, pgEnvOf } from './pgdump.js';
export { pgArchiveStatus, type PgArchiveStatus, type PgQueryable } from './pg-physical.js';
export { backupStatus, DEFAULT_RPO_TARGET_SECONDS, type BackupStatus } from './status.js';
export { checkPgRestoreTarget, emptyPgRestoreTarget, type PgRestored, type PgRestoreTarget } from './pgrestore.js';
export type { PgPromoted, PgSwitch } from './pgpromote.js';
export { openSealedKey, PASSPHRASE_SETTING, readPassphrase, sealSigner } from './sealed-keys.js';
export {
  BACKUP_DESTINATIONS_SETTING,
  BACKUP_PATH_VARIABLE,
  backupDestinationsOf,
  DEFAULT_BACKUP_COMMAND_TIMEOUT_MS,
  runBackupDestinations,
  type BackupDestinationsOptions,
  type DestinationOutcome,
} from './destinations.js';
export { readAnchorNote, type AnchorNote } from './restore-anchors.js';
export { BackupVerifier, backupFact, type VerifiedBackup } from './verified.js';
export { BACKUP_RPO_SETTING, backupRpoTargetSeconds, DEFAULT_BACKUP_RPO_SECONDS } from './settings.js';
