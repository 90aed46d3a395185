// The scheduled backup: backupNow (backup.created in the ledger), then, when the schedule keeps N,
// the retention prune (backup.pruned). The backup id is the slot's ref.
import { isAbsolute, resolve } from 'node:path';
import type { BackupJob } from '@runledger/core';
import { backupNow, pruneBackups } from '../../backups/backup.js';
import { describeError } from '../../errors.js';
import type { LedgerContext } from '../../ledger/service.js';
import type { JobHandler } from '../types.js';

export interface BackupJobOptions {
  /** The live ledger, opened for writing. */
  readonly ctx: LedgerContext;
  /** Where backups go when the schedule names no dir (defaultBackupDir). */
  readonly defaultDir: string;
  /** A relative `dir` is taken from here (the schedules file's directory). */
  readonly baseDir: string;
}

export function backupJob(o: BackupJobOptions): JobHandler<BackupJob> {
  return async (job, jc) => {
    const dir = job.dir === undefined ? o.defaultDir : isAbsolute(job.dir) ? job.dir : resolve(o.baseDir, job.dir);
    const r = await backupNow({ ctx: o.ctx, dir, actor: jc.actor, now: jc.now });
    const took = `backup ${r.id} (ledger size ${r.manifest.ledger.size}, ${r.bytes} bytes, entry ${r.entry})`;
    if (job.keep === undefined) return { ok: true, ref: r.id, detail: took };
    try {
      const p = await pruneBackups({
        ctx: o.ctx,
        dir,
        actor: jc.actor,
        policy: { keepLast: job.keep, ...(job.daily !== undefined ? { daily: job.daily } : {}), ...(job.weekly !== undefined ? { weekly: job.weekly } : {}) },
      });
      return { ok: true, ref: r.id, detail: `${took}; kept ${p.kept.length}, removed ${p.removed.length}` };
    } catch (e) {
      // The backup is whole and recorded; the prune that failed is the operator's to look at.
      const d = describeError(e);
      return { ok: false, ref: r.id, detail: `${took} taken, but the prune failed: ${d.code}: ${d.message}` };
    }
  };
}
