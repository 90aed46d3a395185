// Where error codes meet process exit codes and HTTP statuses. Every code raised by the ledger core,
// the store and the runtime appears here (TypeScript checks the table is complete); the HTTP API's
// own codes are added by packages/server/src/errors.ts, and the two make docs/errors.md.
import { CodedError, LedgerError, type ErrorDetail, type LedgerErrorCode } from '@runledger/ledger';
import { StoreError, type StoreErrorCode } from '@runledger/store';
import { IncidentRuleError, ReleaseRuleError, type IncidentRuleCode, type MachineErrorCode, type ReleaseErrorCode } from '@runledger/core';

export type RuntimeErrorCode =
  | 'USAGE'
  | 'INPUT_INVALID'
  | 'RUNBOOK_INVALID'
  | 'ENV_REQUIRED'
  | 'EXPORT_TARGET_EXISTS'
  | 'NOT_CHECKPOINTED'
  | 'IO_ERROR'
  | 'INTERNAL'
  | 'SECRET_IN_ENTRY'
  | 'OPERATIONS_CONFIG_INVALID'
  | 'OPERATIONS_SECRET_MISSING'
  | 'CATALOG_INVALID'
  | 'RECEIVER_UNKNOWN'
  | 'NOTIFICATION_FAILED'
  | 'BACKUP_FAILED'
  | 'BACKUP_MANIFEST_INVALID'
  | 'BACKUP_FILE_MISMATCH'
  | 'BACKUP_LEDGER_MISMATCH'
  | 'BACKUP_KEYS_MISMATCH'
  | 'BACKUP_DECRYPT_FAILED'
  | 'BACKUP_COPY_FAILED'
  | 'RESTORE_TARGET_NOT_EMPTY'
  | 'RESTORE_LIVE_IN_USE'
  | 'RESTORE_NOT_SUPPORTED'
  | 'RESTORE_ROLLBACK'
  | 'RESTORE_TARGET_NOT_READY'
  | 'RESTORE_FAILED'
  | 'RESTORE_UNGUARDED'
  | 'ANCHOR_INCONSISTENT'
  | 'ANCHOR_SHIP_FAILED'
  | 'DRILL_INVALID'
  | 'DRILL_REFUSED'
  | 'DRILL_NOT_AVAILABLE'
  | 'DRILL_NOT_FOUND'
  | 'DRILL_BUSY'
  | 'SCHEDULES_INVALID'
  | 'SCHEDULE_JOB_NOT_WIRED';

export type EngineErrorCode = MachineErrorCode | 'POLICY_DENIED' | 'RUN_BUSY' | 'RUN_CORRUPT' | 'ORPHAN_ALIVE';

export type ErrorCode = LedgerErrorCode | StoreErrorCode | RuntimeErrorCode | EngineErrorCode | IncidentRuleCode | ReleaseErrorCode;

/** Errors of the engine driver and the run state machine. */
export class EngineError extends CodedError<EngineErrorCode> {
  override readonly name = 'EngineError';
}

export type { ErrorDetail };

export class RuntimeError extends CodedError<RuntimeErrorCode> {
  override readonly name = 'RuntimeError';
}

/** CLI exit codes (docs/errors.md explains each). */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  DENIED: 3,
  WAITING: 4,
  NOT_FOUND: 5,
  CONFLICT: 6,
  INTEGRITY: 7,
  UNAVAILABLE: 8,
  CONFIG: 9,
  INTERNAL: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorInfo {
  readonly exit: ExitCode;
  readonly http: number;
  readonly summary: string;
}

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, ErrorInfo>> = {
  // runtime
  USAGE: { exit: EXIT.USAGE, http: 400, summary: 'The command line or request is not usable as given.' },
  INPUT_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'An input value (JSON, subject, size) is malformed.' },
  RUNBOOK_INVALID: { exit: EXIT.USAGE, http: 422, summary: 'The runbook has errors, each as file:line:col with its RB_ code (`runledger lint` lists them).' },
  ENV_REQUIRED: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'The runbook declares several environments and none was chosen: pass --env NAME (API: `environment`); the message lists them.',
  },
  EXPORT_TARGET_EXISTS: { exit: EXIT.CONFLICT, http: 409, summary: 'The export directory already exists and is not empty.' },
  NOT_CHECKPOINTED: { exit: EXIT.USAGE, http: 400, summary: 'Proofs are only given for tree sizes covered by a signed checkpoint.' },
  IO_ERROR: { exit: EXIT.FAILED, http: 500, summary: 'A file could not be read or written.' },
  INTERNAL: { exit: EXIT.INTERNAL, http: 500, summary: 'An unexpected error; the message says where.' },
  SECRET_IN_ENTRY: {
    exit: EXIT.USAGE,
    http: 422,
    summary: 'A ledger entry holds the value of a secret of a run in progress (in some form): the append is refused, nothing is stored.',
  },
  // The operations file is the server's configuration: a problem in it is the operator's to fix, not the client's.
  OPERATIONS_CONFIG_INVALID: {
    exit: EXIT.CONFIG,
    http: 500,
    summary:
      'The operations file (`operations.yaml`: integrations, receivers, routes, schedules) has errors, each as `file:line:col: $.json.path: message` (`runledger config check` lists them).',
  },
  CATALOG_INVALID: {
    exit: EXIT.CONFIG,
    http: 500,
    summary:
      'The service catalog (`catalog.yaml` or `catalog/`: services, checks, dependencies, checklists, SLOs) cannot be read or has errors, each as `file:line:col: $.json.path: message`.',
  },
  OPERATIONS_SECRET_MISSING: {
    exit: EXIT.CONFIG,
    http: 500,
    summary:
      'A secret the operations file refers to (`env:NAME` or `file:/path`) is unset, empty, unreadable or not text; the message names the reference, never a value.',
  },
  RECEIVER_UNKNOWN: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No receiver of that name in the operations file; the message lists the configured ones.' },
  NOTIFICATION_FAILED: {
    exit: EXIT.FAILED,
    http: 502,
    summary: 'A test notification (`runledger notify test`) was not delivered; the message (and the delivery record) says what the receiver answered.',
  },
  BACKUP_FAILED: {
    exit: EXIT.FAILED,
    http: 500,
    summary: 'A backup could not be taken (VACUUM INTO or pg_dump failed, or the copy could not be written); nothing was left behind in the backup directory.',
  },
  BACKUP_MANIFEST_INVALID: {
    exit: EXIT.FAILED,
    http: 422,
    summary: 'The backup has no readable MANIFEST.json, or it is not a valid runledger.backup/v1 manifest; the message lists each problem.',
  },
  BACKUP_FILE_MISMATCH: {
    exit: EXIT.FAILED,
    http: 422,
    summary: 'A file of the backup is missing, extra, or differs from its SHA-256 or size in the manifest: the restore is refused.',
  },
  BACKUP_LEDGER_MISMATCH: {
    exit: EXIT.FAILED,
    http: 422,
    summary: "The restored ledger, re-derived in full, does not verify or does not equal the manifest's checkpoint (size and root): the restore is refused.",
  },
  BACKUP_KEYS_MISMATCH: {
    exit: EXIT.FAILED,
    http: 422,
    summary: "The backup's keys are not the trust file's (a key that the trust file does not hold, or a ledger key it does not trust): the restore is refused.",
  },
  BACKUP_DECRYPT_FAILED: {
    exit: EXIT.FAILED,
    http: 422,
    summary:
      "The backup's sealed private keys could not be opened: the passphrase is wrong, or a sealed file was altered (its AES-GCM tag does not verify). Nothing was restored.",
  },
  BACKUP_COPY_FAILED: {
    exit: EXIT.FAILED,
    http: 502,
    summary:
      'A destination run after a backup failed (a copy whose digests do not match at the destination, or a command that failed or timed out); the local backup stays, and backup.copied records the outcome.',
  },
  RESTORE_TARGET_NOT_EMPTY: {
    exit: EXIT.USAGE,
    http: 409,
    summary:
      'A restore goes into a new or empty directory (and, for PostgreSQL, a new database holding nothing yet), never over a live store or next to stale -wal/-shm files.',
  },
  RESTORE_LIVE_IN_USE: {
    exit: EXIT.USAGE,
    http: 409,
    summary:
      "restore --promote found the live database open (SQLite: a -wal or -shm file beside it; PostgreSQL: sessions of Runledger's roles on it): stop the server first; after a SQLite crash, open and close the store once (`runledger ledger check`) so its log is folded in.",
  },
  RESTORE_NOT_SUPPORTED: {
    exit: EXIT.USAGE,
    http: 501,
    summary:
      'This promote cannot be done: a backup of one dialect promoted over a live store of the other, or a SQLite database that lives outside its data directory.',
  },
  RESTORE_ROLLBACK: {
    exit: EXIT.FAILED,
    http: 409,
    summary:
      'The restored ledger is behind an anchor held off-host: restoring it would lose entries the anchor proves existed. Refused unless allowed with a reason, which the promote entry records.',
  },
  RESTORE_TARGET_NOT_READY: {
    exit: EXIT.USAGE,
    http: 409,
    summary:
      "The PostgreSQL database to restore into cannot be reached as the main role, or was not set up for Runledger's roles (docs/sql/postgres-roles.sql makes its two schemas).",
  },
  RESTORE_FAILED: {
    exit: EXIT.FAILED,
    http: 500,
    summary:
      "pg_restore failed (its message is included, e.g. a role the archive's grants name is missing); it ran in one transaction, so nothing was restored.",
  },
  RESTORE_UNGUARDED: {
    exit: EXIT.FAILED,
    http: 422,
    summary:
      'The restored PostgreSQL ledger tables do not refuse an UPDATE, DELETE, TRUNCATE or a row that does not continue the tree (a trigger missing, disabled or changed): history would be editable, so the restore is refused.',
  },
  ANCHOR_INCONSISTENT: {
    exit: EXIT.FAILED,
    http: 409,
    summary:
      'An anchor destination holds a checkpoint the live ledger does not extend (ROLLED_BACK: the ledger is smaller; FORKED: another root), or its chain of shipments does not verify: nothing is shipped over it and `anchors prune` deletes nothing from it.',
  },
  ANCHOR_SHIP_FAILED: {
    exit: EXIT.FAILED,
    http: 502,
    summary: 'A shipment could not be written to an anchor destination, or its command failed; the message names the destination.',
  },
  DRILL_INVALID: {
    exit: EXIT.USAGE,
    http: 400,
    summary:
      'A drill cannot start as asked: an unknown kind or option, a missing one (rollback: --service and --version), or what it needs is not there (a service not in the catalog, a backup that does not exist); nothing was recorded.',
  },
  DRILL_REFUSED: {
    exit: EXIT.DENIED,
    http: 403,
    summary: 'A rollback drill deploys and rolls back for real: refused in production (`production`, `prod`) unless allowed explicitly (--allow-production).',
  },
  DRILL_NOT_AVAILABLE: {
    exit: EXIT.USAGE,
    http: 501,
    summary:
      'This drill cannot run here: its kind is not wired in yet, the scenario needs the other database (chaos db-pause: PostgreSQL), or the host lacks a part it needs (the release driver, the `runledger` command).',
  },
  DRILL_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No drill with that id in the ledger.' },
  DRILL_BUSY: { exit: EXIT.CONFLICT, http: 409, summary: 'Another drill is running in this server; one at a time (a chaos drill would fail the other).' },
  SCHEDULES_INVALID: {
    exit: EXIT.CONFIG,
    http: 500,
    summary:
      'The schedules file (`serve --schedules FILE`, `RUNLEDGER_SCHEDULES`) cannot be read or has errors, each as `file:line:col: $.json.path: message` (`runledger schedules check FILE` lists them).',
  },
  SCHEDULE_JOB_NOT_WIRED: {
    exit: EXIT.FAILED,
    http: 501,
    summary:
      "A schedule's job kind has no handler in this server (drill jobs until the drill runner registers one): the slot is recorded as `schedule.failed` with this code.",
  },
  // ledger core
  JCS_UNSUPPORTED_VALUE: { exit: EXIT.USAGE, http: 400, summary: 'A value cannot be canonicalised as I-JSON (NaN, lone surrogate, …).' },
  ENTRY_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'An entry field is malformed (type, actor, subject, data, idem).' },
  ENTRY_TOO_LARGE: { exit: EXIT.USAGE, http: 413, summary: 'An entry is over 64 KiB; store large data as a blob digest.' },
  KEY_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A key or vkey text is malformed.' },
  NOTE_MALFORMED: { exit: EXIT.USAGE, http: 400, summary: 'A signed note is malformed.' },
  NOTE_SIGNATURE_INVALID: { exit: EXIT.INTEGRITY, http: 422, summary: 'A known key’s signature on a note does not verify.' },
  NOTE_UNTRUSTED: { exit: EXIT.INTEGRITY, http: 422, summary: 'A note carries no signature from a trusted key.' },
  CHECKPOINT_MALFORMED: { exit: EXIT.USAGE, http: 400, summary: 'A checkpoint is malformed.' },
  PROOF_MALFORMED: { exit: EXIT.USAGE, http: 400, summary: 'A proof is malformed.' },
  PROOF_RANGE: { exit: EXIT.USAGE, http: 400, summary: 'A proof index or size is out of range.' },
  RECEIPT_MALFORMED: { exit: EXIT.USAGE, http: 400, summary: 'A tlog-proof receipt is malformed.' },
  EVIDENCE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'An evidence manifest cannot be built: a bad path, a duplicate, or a bad kind, subject or time.' },
  // store
  CONFIG_INVALID: { exit: EXIT.CONFIG, http: 500, summary: 'A setting is missing or malformed; the message names it.' },
  STORE_UNAVAILABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'The database is unreachable; writes are refused (fail closed).' },
  MIGRATION_FAILED: { exit: EXIT.CONFIG, http: 503, summary: 'A schema migration failed or the migration head does not match.' },
  WRITER_ROLE_MISSING: { exit: EXIT.CONFIG, http: 503, summary: 'The ledger-writer role or its DSN (RUNLEDGER_LEDGER_DATABASE_URL) is missing.' },
  WRITER_ROLE_TOO_POWERFUL: { exit: EXIT.CONFIG, http: 503, summary: 'The ledger-writer role can do more than append.' },
  WRITER_ROLE_INSUFFICIENT: { exit: EXIT.CONFIG, http: 503, summary: 'The ledger-writer role cannot INSERT into the ledger tables.' },
  WRITER_ROLE_SAME_AS_MAIN: { exit: EXIT.CONFIG, http: 503, summary: 'The ledger-writer DSN uses the same role as the main DSN.' },
  LEDGER_ROOT_MISMATCH: { exit: EXIT.INTEGRITY, http: 503, summary: 'The root re-derived from storage disagrees with the latest checkpoint: appends refused.' },
  LEDGER_INTEGRITY_FAILED: {
    exit: EXIT.INTEGRITY,
    http: 503,
    summary: 'Verifying the stored ledger in full found an entry or checkpoint that does not verify: appends refused until it is repaired.',
  },
  LEDGER_CHECKPOINT_INVALID: { exit: EXIT.INTEGRITY, http: 503, summary: 'The latest stored checkpoint does not verify: appends refused.' },
  LEDGER_ORIGIN_MISMATCH: { exit: EXIT.INTEGRITY, http: 503, summary: 'The store holds another ledger (origin) than configured.' },
  LEDGER_TABLE_MISSING: {
    exit: EXIT.INTEGRITY,
    http: 503,
    summary: 'A ledger table (entries, nodes or checkpoints) was dropped after migration: restore it from a backup.',
  },
  LEDGER_NOT_INITIALISED: { exit: EXIT.NOT_FOUND, http: 503, summary: 'No ledger yet: run `runledger init`.' },
  LEDGER_ALREADY_INITIALISED: { exit: EXIT.CONFLICT, http: 409, summary: 'The store already holds a ledger.' },
  SIGNER_NOT_ACTIVE: { exit: EXIT.INTEGRITY, http: 503, summary: 'No key file holds a key active for this ledger.' },
  KEY_FILE_INSECURE: { exit: EXIT.INTEGRITY, http: 503, summary: 'A key file is readable by group or others; fix with chmod 600.' },
  KEY_FILE_MISSING: { exit: EXIT.CONFIG, http: 503, summary: 'A signing key file is missing.' },
  KEY_FILE_INVALID: { exit: EXIT.CONFIG, http: 503, summary: 'A signing key file is malformed.' },
  IDEMPOTENCY_CONFLICT: { exit: EXIT.CONFLICT, http: 409, summary: 'The idempotency key was used for a different entry.' },
  ENTRY_REJECTED: { exit: EXIT.USAGE, http: 400, summary: 'The entry was refused (reserved type or invalid field).' },
  APPEND_FAILED: {
    exit: EXIT.FAILED,
    http: 503,
    summary:
      'The append transaction failed and rolled back (or the connection dropped during COMMIT, so the outcome is unknown): retry with the same idempotency key.',
  },
  NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No such entry, checkpoint, size, token or route.' },
  STORE_CORRUPT: { exit: EXIT.INTEGRITY, http: 503, summary: 'Stored ledger data is inconsistent.' },
  STORE_CLOSED: { exit: EXIT.INTERNAL, http: 503, summary: 'The store was used after it was closed.' },
  RUN_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No run with that id (or the id prefix is ambiguous).' },
  RUN_CONFLICT: { exit: EXIT.CONFLICT, http: 409, summary: 'Another process changed the run at the same moment; look again and retry.' },
  LOCK_HELD: { exit: EXIT.CONFLICT, http: 409, summary: 'The runbook’s lock is held by another run; two runs holding one lock never overlap.' },
  INCIDENT_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No incident with that id (or the id prefix is ambiguous).' },
  INCIDENT_CONFLICT: {
    exit: EXIT.CONFLICT,
    http: 409,
    summary: 'Another process changed the incident at the same moment and retries ran out; look again and retry.',
  },
  // engine and run state machine
  POLICY_DENIED: {
    exit: EXIT.DENIED,
    http: 403,
    summary: 'Policy (a rule, a freeze window or the kill switch) denied the run; the decision is in the ledger.',
  },
  RUN_BUSY: { exit: EXIT.CONFLICT, http: 409, summary: 'Another live process is driving this run.' },
  ORPHAN_ALIVE: {
    exit: EXIT.CONFLICT,
    http: 409,
    summary: 'The step of unknown outcome still runs from a driver that stopped: wait for it or end it first (orphan --wait / --kill, or --kill-orphan).',
  },
  RUN_CORRUPT: { exit: EXIT.INTEGRITY, http: 500, summary: 'A run’s stored history or runbook does not match its records.' },
  RUN_EXISTS: { exit: EXIT.CONFLICT, http: 409, summary: 'The run already exists.' },
  RUN_NOT_STARTED: { exit: EXIT.INTERNAL, http: 500, summary: 'A run event arrived before the run was created.' },
  RUN_FINISHED: { exit: EXIT.CONFLICT, http: 409, summary: 'The run has finished; nothing more can happen to it.' },
  INVALID_TRANSITION: { exit: EXIT.CONFLICT, http: 409, summary: 'That action does not apply to the run in its current state.' },
  STEP_MISMATCH: { exit: EXIT.CONFLICT, http: 409, summary: 'The step named is not the run’s current step.' },
  NOT_WAITING_FOR_APPROVAL: { exit: EXIT.CONFLICT, http: 409, summary: 'The run is not waiting for an approval.' },
  APPROVAL_SELF: { exit: EXIT.DENIED, http: 403, summary: 'The requester of a run never approves it.' },
  APPROVAL_ROLE: { exit: EXIT.DENIED, http: 403, summary: 'The approver lacks a role the gate requires.' },
  APPROVAL_DUPLICATE: { exit: EXIT.CONFLICT, http: 409, summary: 'This approver already approved the gate; a quorum needs distinct people.' },
  RESUME_NEEDS_DECISION: { exit: EXIT.CONFLICT, http: 409, summary: 'The current step may or may not have run: retry it or skip it.' }, // incidents (the rules in @runledger/core refuse a person's action)
  INCIDENT_RESOLVED: { exit: EXIT.CONFLICT, http: 409, summary: 'The incident is resolved; a new alert opens or reopens one.' },
  INCIDENT_ALREADY_ACKNOWLEDGED: { exit: EXIT.CONFLICT, http: 409, summary: 'Someone acknowledged the incident already (the message says who and when).' },
  INCIDENT_NOTE_EMPTY: { exit: EXIT.USAGE, http: 400, summary: 'A note needs text.' },
  INCIDENT_REASON_REQUIRED: { exit: EXIT.USAGE, http: 400, summary: 'Resolving by hand or changing the severity needs a reason.' },
  // releases (storage, and the rules in @runledger/core that refuse a request; exit 3 is "refused")
  RELEASE_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No release with that id (or the id prefix is ambiguous).' },
  RELEASE_CONFLICT: {
    exit: EXIT.CONFLICT,
    http: 409,
    summary: 'Another process changed the release at the same moment, or another release of the service and environment is busy.',
  },
  RELEASE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'The release request is malformed (the message names the field: digest, version, bake window …).' },
  RELEASE_STATE: { exit: EXIT.CONFLICT, http: 409, summary: 'That action does not apply to the release in its current state.' },
  RELEASE_UNKNOWN_GATE: { exit: EXIT.USAGE, http: 400, summary: 'The release has no gate of that name; the message lists its gates.' },
  RELEASE_BUSY: {
    exit: EXIT.DENIED,
    http: 409,
    summary: 'Another release of the service and environment is deploying, verifying or rolling back: one deploy at a time.',
  },
  ROLLBACK_NO_TARGET: { exit: EXIT.DENIED, http: 409, summary: 'Nothing to roll back, or no earlier announced release to go back to (name one with --to).' },
  ROLLBACK_BAD_TARGET: { exit: EXIT.USAGE, http: 400, summary: 'The named target is not an announced release of the same service and environment.' },
  ROLLBACK_REASON_REQUIRED: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'A rollback (and a ledger override) needs a reason: seed 003 records one with every rollback.',
  },
  ROLLBACK_DESTRUCTIVE_NEEDS_REVISION: {
    exit: EXIT.DENIED,
    http: 409,
    summary: 'A destructive migration lies between the release and its target: give the schema revision to downgrade to (--revision).',
  },
  ROLLBACK_NEEDS_APPROVAL: { exit: EXIT.DENIED, http: 403, summary: 'The rollback needs an approval from someone else with the approver or admin role.' },
  ROLLBACK_LEDGER_UNVERIFIED: {
    exit: EXIT.DENIED,
    http: 409,
    summary: 'The ledger did not verify (or was not verified recently): investigate audit anomalies first (seed 003), or an admin overrides with a reason.',
  },
  ROLLBACK_OVERRIDE_FORBIDDEN: { exit: EXIT.DENIED, http: 403, summary: 'Only an admin may roll back past a ledger that does not verify.' },
};

export interface DescribedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly exit: ExitCode;
  readonly http: number;
}

/** Maps any thrown value to its code, exit code and HTTP status. Unknown errors are INTERNAL. */
export function describeError(e: unknown): DescribedError {
  if (
    e instanceof LedgerError ||
    e instanceof StoreError ||
    e instanceof RuntimeError ||
    e instanceof EngineError ||
    e instanceof IncidentRuleError ||
    e instanceof ReleaseRuleError
  ) {
    const info = ERROR_CATALOGUE[e.code];
    return { code: e.code, message: e.message, exit: info.exit, http: info.http };
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    return { code: 'IO_ERROR', message: `${err.syscall} ${err.path ?? ''}: ${err.code}`.trim(), exit: EXIT.FAILED, http: 500 };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), exit: EXIT.INTERNAL, http: 500 };
}
