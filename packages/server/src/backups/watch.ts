// RPO measured in the server: the age of the newest verified backup (runtime's BackupVerifier, which
// caches each backup's verdict until its directory changes, so a scrape does not re-hash the data) as
// metrics, the `backup: fresh` checklist fact, and the alert `BackupRpoBreached` through the incident
// path while the age is over the target (no verified backup at all is over it), resolved by a fresh one.
import { Gauge, type Registry } from 'prom-client';
import type { BackupFact } from '@runledger/core';
import { backupFact, BackupVerifier, type OperationsHost } from '@runledger/runtime';
import { AlertLatch } from '../alert-latch.js';

export interface BackupWatchOptions {
  readonly dir: string;
  readonly targetSeconds: number;
  readonly now: () => Date;
  readonly operations: Pick<OperationsHost, 'raiseFrom'>;
}

export class BackupWatch {
  readonly verifier: BackupVerifier;
  private readonly latch: AlertLatch;

  constructor(private readonly o: BackupWatchOptions) {
    this.verifier = new BackupVerifier(o.dir);
    this.latch = new AlertLatch(o.operations, 'backups', 'a verified backup within the RPO target exists again');
  }

  get targetSeconds(): number {
    return this.o.targetSeconds;
  }

  fact(): Promise<BackupFact> {
    return backupFact(this.verifier, this.o.now(), this.o.targetSeconds);
  }

  /** One pass: the fact now, and the alert raised or resolved when it changed. */
  async evaluate(): Promise<BackupFact> {
    const f = await this.fact();
    await this.latch.update(
      f.ok
        ? []
        : [
            {
              fingerprint: 'runledger:backup-rpo',
              labels: { alertname: 'BackupRpoBreached', service: 'runledger', severity: 'error' },
              annotations: {
                summary: f.newest
                  ? `Runledger's newest verified backup is ${f.ageSeconds} s old, over the RPO target of ${f.targetSeconds} s`
                  : `Runledger has no verified backup (RPO target ${f.targetSeconds} s)`,
                description: f.detail,
              },
            },
          ],
    );
    return f;
  }

  /**
   * runledger_backup_age_seconds (+Inf while there is no verified backup: "older than any target", so a rule
   * `age > target` fires), runledger_backup_rpo_target_seconds, runledger_backup_last_bytes (0 while there is none).
   */
  metrics(registry: Registry): void {
    const fact = (): Promise<BackupFact | undefined> => this.fact().catch(() => undefined);
    const target = this.o.targetSeconds;
    new Gauge({
      name: 'runledger_backup_age_seconds',
      help: 'Seconds since the newest verified backup was taken (manifest checked, data digests matched): the measured RPO. +Inf while there is none.',
      registers: [registry],
      async collect() {
        this.set((await fact())?.ageSeconds ?? Infinity);
      },
    });
    new Gauge({
      name: 'runledger_backup_rpo_target_seconds',
      help: 'The RPO target the newest verified backup is held to (RUNLEDGER_BACKUP_RPO).',
      registers: [registry],
      collect() {
        this.set(target);
      },
    });
    new Gauge({
      name: 'runledger_backup_last_bytes',
      help: 'Bytes of the newest verified backup (every file of its manifest). 0 while there is none.',
      registers: [registry],
      async collect() {
        this.set((await fact())?.newest?.bytes ?? 0);
      },
    });
  }
}
