/**
 * Errors raised by the store. Codes are a closed union so the CLI and HTTP layers can map every one
 * (exit codes, statuses) exhaustively. Messages name the setting, file, role or table at fault and
 * never carry a secret (DSN passwords are redacted before they reach a message).
 */
import { CodedError } from '@runledger/ledger';

export type StoreErrorCode =
  | 'CONFIG_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'WRITER_ROLE_MISSING'
  | 'WRITER_ROLE_TOO_POWERFUL'
  | 'WRITER_ROLE_INSUFFICIENT'
  | 'WRITER_ROLE_SAME_AS_MAIN'
  | 'LEDGER_ROOT_MISMATCH'
  | 'LEDGER_INTEGRITY_FAILED'
  | 'LEDGER_CHECKPOINT_INVALID'
  | 'LEDGER_ORIGIN_MISMATCH'
  | 'LEDGER_TABLE_MISSING'
  | 'LEDGER_NOT_INITIALISED'
  | 'LEDGER_ALREADY_INITIALISED'
  | 'SIGNER_NOT_ACTIVE'
  | 'KEY_FILE_INSECURE'
  | 'KEY_FILE_MISSING'
  | 'KEY_FILE_INVALID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ENTRY_REJECTED'
  | 'APPEND_FAILED'
  | 'NOT_FOUND'
  | 'STORE_CORRUPT'
  | 'STORE_CLOSED'
  | 'RUN_NOT_FOUND'
  | 'RUN_CONFLICT'
  | 'LOCK_HELD'
  | 'INCIDENT_NOT_FOUND'
  | 'INCIDENT_CONFLICT'
  | 'RELEASE_NOT_FOUND'
  | 'RELEASE_CONFLICT';

export const STORE_ERROR_CODES: readonly StoreErrorCode[] = [
  'CONFIG_INVALID',
  'STORE_UNAVAILABLE',
  'MIGRATION_FAILED',
  'WRITER_ROLE_MISSING',
  'WRITER_ROLE_TOO_POWERFUL',
  'WRITER_ROLE_INSUFFICIENT',
  'WRITER_ROLE_SAME_AS_MAIN',
  'LEDGER_ROOT_MISMATCH',
  'LEDGER_INTEGRITY_FAILED',
  'LEDGER_CHECKPOINT_INVALID',
  'LEDGER_ORIGIN_MISMATCH',
  'LEDGER_TABLE_MISSING',
  'LEDGER_NOT_INITIALISED',
  'LEDGER_ALREADY_INITIALISED',
  'SIGNER_NOT_ACTIVE',
  'KEY_FILE_INSECURE',
  'KEY_FILE_MISSING',
  'KEY_FILE_INVALID',
  'IDEMPOTENCY_CONFLICT',
  'ENTRY_REJECTED',
  'APPEND_FAILED',
  'NOT_FOUND',
  'STORE_CORRUPT',
  'STORE_CLOSED',
  'RUN_NOT_FOUND',
  'RUN_CONFLICT',
  'LOCK_HELD',
  'INCIDENT_NOT_FOUND',
  'INCIDENT_CONFLICT',
  'RELEASE_NOT_FOUND',
  'RELEASE_CONFLICT',
];

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** The message of an unknown thrown value, for wrapping (never includes stack or secrets we add). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
