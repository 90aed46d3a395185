// `runledger backup status`: RPO as measured here, from two sources that are reported apart: the age
// of the newest backup in the directory (a valid manifest; its data digests are checked by a restore,
// not here), and, on PostgreSQL, the WAL archiver (pg-physical.ts), whose archive reaches further.
import { rpoStatus, type RpoStatus } from '@runledger/core';
import { resolveConfig, StoreError } from '@runledger/store';
import type { LedgerLocation } from '../ledger/service.js';
import { listBackups } from './backup.js';
import { pgArchiveStatus, type PgArchiveStatus } from './pg-physical.js';
import { withPgClient } from './pgtool.js';

/** Seed 001's target: RPO at most 15 minutes. */
export const DEFAULT_RPO_TARGET_SECONDS = 900;

export interface BackupStatus {
  readonly dir: string;
  /** Backups whose manifest is valid, and directories whose manifest is not. */
  readonly backups: number;
  readonly invalid: number;
  readonly newest: { readonly id: string; readonly createdAt: string; readonly ledgerSize: number; readonly dialect: string } | null;
  /** The newest backup's age against the target. */
  readonly rpo: RpoStatus;
  /** PostgreSQL stores: the WAL archiver, read as the main role. */
  readonly wal?: PgArchiveStatus;
}

export async function backupStatus(opts: { loc: LedgerLocation; dir: string; targetSeconds?: number; now?: () => Date }): Promise<BackupStatus> {
  const listed = await listBackups(opts.dir);
  const valid = listed.filter((b) => b.manifest);
  const newest = valid[0]?.manifest;
  const rpo = rpoStatus(
    valid.map((b) => b.manifest!.createdAt),
    (opts.now ?? (() => new Date()))(),
    opts.targetSeconds ?? DEFAULT_RPO_TARGET_SECONDS,
  );
  const loc = opts.loc;
  const config = resolveConfig({ env: loc.env ?? process.env, ...(loc.home ? { home: loc.home } : {}), ...(loc.cwd ? { cwd: loc.cwd } : {}) });
  const status: BackupStatus = {
    dir: opts.dir,
    backups: valid.length,
    invalid: listed.length - valid.length,
    newest: newest ? { id: newest.id, createdAt: newest.createdAt, ledgerSize: newest.ledger.size, dialect: newest.dialect } : null,
    rpo,
  };
  if (config.kind !== 'postgres') return status;
  const wal = await withPgClient(
    config.url,
    (c) => pgArchiveStatus(c),
    (m, cause) => new StoreError('STORE_UNAVAILABLE', m, { cause }),
  );
  return { ...status, wal };
}
