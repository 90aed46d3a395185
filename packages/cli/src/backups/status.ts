// `runledger backup status [--dir DIR] [--rpo-target 15m] [--json]`: the newest backup's age against the
// RPO target and, on PostgreSQL, the WAL archiver's (docs/backups.md). A report: exit 0 whatever it says.
import type { Command } from 'commander';
import { parseDuration } from '@runledger/core';
import { backupStatus, DEFAULT_RPO_TARGET_SECONDS, RuntimeError, type BackupStatus, type LedgerLocation } from '@runledger/runtime';
import type { Io } from '../io.js';

export function registerBackupStatus(backup: Command, io: Io, location: () => LedgerLocation, dirOf: (dir: string | undefined) => string): void {
  backup
    .command('status')
    .description("RPO as measured: the newest backup's age against the target and, on PostgreSQL, the WAL archiver's")
    .option('--dir <dir>', 'backup directory')
    .option('--rpo-target <duration>', `the RPO target, e.g. 15m (default ${DEFAULT_RPO_TARGET_SECONDS / 60}m, seed 001)`)
    .option('--json', 'one JSON object')
    .action(async (o: { dir?: string; rpoTarget?: string; json?: boolean }) => {
      let targetSeconds: number | undefined;
      if (o.rpoTarget !== undefined) {
        const ms = parseDuration(o.rpoTarget);
        if (ms === undefined || ms < 1000) throw new RuntimeError('USAGE', `--rpo-target ${o.rpoTarget}: a duration of at least 1s, such as 15m or 1h`);
        targetSeconds = ms / 1000;
      }
      const s = await backupStatus({ loc: location(), dir: dirOf(o.dir), ...(targetSeconds !== undefined ? { targetSeconds } : {}) });
      io.out(o.json ? `${JSON.stringify(s)}\n` : statusText(s));
    });
}

function statusText(s: BackupStatus): string {
  const out: string[] = [];
  const r = s.rpo;
  if (!s.newest) out.push(`backups   none in ${s.dir}: RPO target ${r.targetSeconds} s NOT met`);
  else
    out.push(
      `backups   ${s.backups} in ${s.dir}; newest ${s.newest.id} (ledger size ${s.newest.ledgerSize}) is ${Math.round(r.ageSeconds!)} s old: ${r.ok ? `within the RPO target of ${r.targetSeconds} s` : `${Math.round(r.breachSeconds!)} s past the RPO target of ${r.targetSeconds} s`}`,
    );
  if (s.invalid > 0) out.push(`          ${s.invalid} director${s.invalid === 1 ? 'y' : 'ies'} without a valid manifest (backup list)`);
  const w = s.wal;
  if (w) {
    if (w.archiveMode === 'off') out.push('wal       archive_mode is off: no point-in-time recovery (docs/backups.md, PostgreSQL physical path)');
    else
      out.push(
        `wal       archive_mode ${w.archiveMode}; ${w.lastArchivedWal ? `last archived ${w.lastArchivedWal} at ${w.lastArchivedTime}, ${Math.round(w.rpoSeconds!)} s ago` : 'nothing archived yet'}; ${w.failedCount} failure${w.failedCount === 1 ? '' : 's'}${w.failing ? ` — FAILING since ${w.lastFailedTime} (${w.lastFailedWal})` : ''}`,
      );
  }
  return out.map((l) => `${l}\n`).join('');
}
