// RPO measured: the age of the newest VERIFIED backup, i.e. its manifest checks and every file matches
// its digest. Hashing a large backup on every /metrics scrape would be wasteful, so each backup's
// verdict is cached under a fingerprint of its directory (the manifest's digest and each file's size,
// inode, mtime and ctime): a file changed, added or removed changes the fingerprint and the backup is
// verified again. ctime cannot be set back from user space, so a rewrite that restores mtime still shows.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { rpoStatus, type BackupFact } from '@runledger/core';
import { listBackups } from './backup.js';
import { listFiles } from './files.js';
import { checkBackupFiles } from './restore.js';

export interface VerifiedBackup {
  readonly id: string;
  readonly path: string;
  readonly createdAt: string;
  readonly bytes: number;
  readonly manifestSha256: string;
}

interface Verdict {
  readonly fingerprint: string;
  readonly ok: boolean;
  readonly problem?: string;
}

export class BackupVerifier {
  private readonly cache = new Map<string, Verdict>();
  private running: Promise<VerifiedBackup | undefined> | undefined;
  /** How many times a backup's files were hashed (tests, and to show the cache works). */
  hashed = 0;

  constructor(readonly dir: string) {}

  /** The newest backup that verifies, looking no further than needed; concurrent callers share one pass. */
  newest(): Promise<VerifiedBackup | undefined> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Why a backup did not verify, when it was looked at and did not. */
  problemOf(id: string): string | undefined {
    return this.cache.get(id)?.problem;
  }

  private async pass(): Promise<VerifiedBackup | undefined> {
    const listed = await listBackups(this.dir);
    const present = new Set(listed.map((b) => b.id));
    for (const id of this.cache.keys()) if (!present.has(id)) this.cache.delete(id);
    for (const b of listed) {
      if (!b.manifest || !b.manifestSha256) continue;
      const fingerprint = await this.fingerprint(b.path, b.manifestSha256).catch(() => undefined);
      if (fingerprint === undefined) continue; // removed while we looked (a prune)
      let v = this.cache.get(b.id);
      if (v?.fingerprint !== fingerprint) {
        this.hashed++;
        v = await checkBackupFiles(b.path, b.manifest).then(
          () => ({ fingerprint, ok: true }),
          (e: unknown) => ({ fingerprint, ok: false, problem: (e as Error).message }),
        );
        this.cache.set(b.id, v);
      }
      if (v.ok)
        return {
          id: b.id,
          path: b.path,
          createdAt: b.manifest.createdAt,
          bytes: b.manifest.files.reduce((n, f) => n + f.bytes, 0),
          manifestSha256: b.manifestSha256,
        };
    }
    return undefined;
  }

  private async fingerprint(path: string, manifestSha256: string): Promise<string> {
    const parts = [manifestSha256];
    for (const rel of await listFiles(path)) {
      const s = await stat(join(path, rel), { bigint: true });
      parts.push(`${rel}:${s.size}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`);
    }
    return parts.join('|');
  }
}

/** The checklist's `backup: fresh` fact: the newest verified backup against the RPO target. */
export async function backupFact(verifier: BackupVerifier, now: Date, targetSeconds: number): Promise<BackupFact> {
  const newest = await verifier.newest();
  const s = rpoStatus(newest ? [newest.createdAt] : [], now, targetSeconds);
  const base = { dir: verifier.dir, targetSeconds, ageSeconds: s.ageSeconds === null ? null : Math.round(s.ageSeconds) };
  if (!newest) return { ok: false, ...base, detail: `no verified backup in ${verifier.dir}` };
  return {
    ok: s.ok,
    ...base,
    newest: { id: newest.id, createdAt: newest.createdAt, bytes: newest.bytes },
    detail: s.ok
      ? `the newest verified backup ${newest.id} is ${Math.round(s.ageSeconds!)} s old (target ${targetSeconds} s)`
      : `the newest verified backup ${newest.id} is ${Math.round(s.ageSeconds!)} s old, over the target of ${targetSeconds} s`,
  };
}
