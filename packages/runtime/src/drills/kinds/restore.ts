// The restore drill (seed 001, monthly): take a fresh backup (or use the one named, or the newest),
// restore it into the drill's scratch directory with the restore's own checks (files, the ledger
// re-derived in full and equal to the manifest's checkpoint, keys, anchors), and measure RTO (restore
// and verify) and RPO (the age of the backup's data when the restore starts, in seconds and in entries).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_MANIFEST_FILE, type DrillCheck } from '@runledger/core';
import { parseDestinations } from '../../destinations/spec.js';
import { backupIdem, backupNow, defaultBackupDir, listBackups } from '../../backups/backup.js';
import { readBackupManifest, restoreBackup } from '../../backups/restore.js';
import { describeError, RuntimeError } from '../../errors.js';
import type { DrillKindRunner, DrillOutcome, DrillPreflight, DrillSetup } from '../kind.js';
import { onlyOptions, stringOption } from '../options.js';

const OPTIONS = ['backup', 'backupDir'] as const;

function backupDirOf(s: DrillSetup): string {
  return stringOption(s.options, 'backupDir') ?? defaultBackupDir(s.ledger.home, s.settings ?? process.env);
}

/** The backup the drill restores: `{ path }` of one named or the newest valid one; undefined: take a fresh one. */
async function pickBackup(s: DrillSetup): Promise<{ id: string; path: string } | undefined> {
  const which = stringOption(s.options, 'backup');
  if (which === undefined) return undefined;
  const dir = backupDirOf(s);
  const listed = await listBackups(dir);
  if (which === 'newest') {
    // Backup ids are named to the second: two taken in one second are ordered by their manifests' times.
    const b = listed.filter((x) => x.manifest).sort((x, y) => y.manifest!.createdAt.localeCompare(x.manifest!.createdAt))[0];
    if (!b) throw new RuntimeError('DRILL_INVALID', `no valid backup in ${dir} to restore (take one with \`runledger backup now\`, or leave out --backup)`);
    return { id: b.id, path: b.path };
  }
  const b = listed.find((x) => x.id === which);
  if (!b) throw new RuntimeError('DRILL_INVALID', `no backup ${JSON.stringify(which)} in ${dir} (\`runledger backup list\` lists them)`);
  return { id: b.id, path: b.path };
}

export const restorePreflight: DrillPreflight = async (s) => {
  onlyOptions('restore', s.options, OPTIONS);
  await pickBackup(s);
};

/** A restore check line (`files: 3 match the manifest`) as a drill check. */
function checkOf(line: string): DrillCheck {
  const i = line.indexOf(': ');
  return i > 0 ? { name: line.slice(0, i), ok: true, detail: line.slice(i + 2) } : { name: 'restore', ok: true, detail: line };
}

export const runRestoreDrill: DrillKindRunner = async (ctx) => {
  const settings = ctx.settings ?? process.env;
  const dir = backupDirOf(ctx);
  const steps: string[] = [];
  const timings: Record<string, number> = {};
  const checks: DrillCheck[] = [];
  const cite: number[] = [];

  let picked = await pickBackup(ctx);
  if (!picked) {
    ctx.log(`taking a fresh backup into ${dir}`);
    const t = performance.now();
    const b = await backupNow({ ctx: ctx.ledger, dir, actor: ctx.actor, now: () => ctx.now() });
    timings['backup'] = (performance.now() - t) / 1000;
    picked = { id: b.id, path: b.path };
    steps.push(`took backup ${b.id} (ledger size ${b.manifest.ledger.size}, ${b.bytes} bytes) into ${dir}; backup.created is ledger entry ${b.entry}`);
    ctx.log(`backup ${b.id}: ledger size ${b.manifest.ledger.size}, ${b.bytes} bytes in ${timings['backup'].toFixed(2)} s`);
  } else steps.push(`picked backup ${picked.id} in ${dir}`);

  const { manifest, sha256 } = await readBackupManifest(picked.path);
  const recorded = await ctx.ledger.reader.entryByIdem(backupIdem(manifest.id));
  if (recorded) cite.push(recorded.seq);

  // RPO: how old the restored data is when the restore starts, in time and in entries appended since.
  const restoreStart = ctx.now();
  const liveSize = (await ctx.ledger.reader.head()).size;
  const rpoSeconds = Math.max(0, (restoreStart.getTime() - Date.parse(manifest.createdAt)) / 1000);
  const rpoEntries = Math.max(0, liveSize - manifest.ledger.size);
  ctx.log(`restoring ${manifest.id} (${manifest.dialect}, ledger size ${manifest.ledger.size}) into the scratch directory; live ledger size ${liveSize}`);

  const anchors = parseDestinations(settings['RUNLEDGER_ANCHORS'], process.cwd()).flatMap((d) => (d.kind === 'dir' ? [d.dir] : []));
  const t = performance.now();
  let rtoSeconds: number | undefined;
  let result: unknown;
  try {
    const r = await restoreBackup({
      backup: picked.path,
      dataDir: join(ctx.scratch, 'restored'),
      recordedIn: { home: ctx.ledger.home, env: settings },
      anchors,
      now: () => ctx.now(),
    });
    rtoSeconds = (performance.now() - t) / 1000;
    timings['restore'] = rtoSeconds;
    checks.push(...r.checks.map(checkOf));
    result = { ...r, dataDir: '(the drill’s scratch directory, removed afterwards)' };
    steps.push(`restored ${r.id} into a scratch directory and verified it: ${r.checks.length} checks held`);
    ctx.log(`restored and verified in ${rtoSeconds.toFixed(2)} s: ${r.checks.length} checks held`);
  } catch (e) {
    const d = describeError(e);
    timings['restore'] = (performance.now() - t) / 1000;
    checks.push({ name: 'restore', ok: false, detail: `${d.code}: ${d.message}` });
    result = { error: { code: d.code, message: d.message } };
    steps.push(`restoring ${manifest.id} was refused: ${d.code}`);
    ctx.log(`the restore was refused: ${d.code}: ${d.message}`);
  }

  const outcome: DrillOutcome = {
    measured: { ...(rtoSeconds !== undefined ? { rtoSeconds } : {}), rpoSeconds, rpoEntries, steps: timings },
    checks,
    files: [
      { path: 'restore/backup-manifest.json', bytes: await readFile(join(picked.path, BACKUP_MANIFEST_FILE)) },
      {
        path: 'restore/result.json',
        bytes: `${JSON.stringify(
          {
            backup: {
              id: manifest.id,
              createdAt: manifest.createdAt,
              dialect: manifest.dialect,
              manifestSha256: sha256,
              ledger: manifest.ledger,
              recordedAt: recorded?.seq ?? null,
            },
            restoreStartedAt: restoreStart.toISOString(),
            liveLedgerSize: liveSize,
            rpo: { seconds: rpoSeconds, entries: rpoEntries },
            anchors,
            result,
          },
          null,
          2,
        )}\n`,
      },
    ],
    cite,
    steps,
  };
  return outcome;
};
