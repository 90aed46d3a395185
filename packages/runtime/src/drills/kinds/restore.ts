// The restore drill (seed 001, monthly): take a fresh backup (or use the one named, or the newest),
// restore it into the drill's scratch directory with the restore's own checks (files, the ledger
// re-derived in full and equal to the manifest's checkpoint, keys, anchors), and measure RTO (restore
// and verify) and RPO (the age of the backup's data when the restore starts, in seconds and in entries).
// On PostgreSQL the dump is restored into a scratch database that the drill empties again (restore-pg.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_MANIFEST_FILE, type DrillCheck } from '@runledger/core';
import { parseDestinations } from '../../destinations/spec.js';
import { backupIdem, backupNow, defaultBackupDir, listBackups } from '../../backups/backup.js';
import { checkPgRestoreTarget } from '../../backups/pgrestore.js';
import { readBackupManifest, restoreBackup } from '../../backups/restore.js';
import { describeError, RuntimeError } from '../../errors.js';
import type { DrillKindRunner, DrillOutcome, DrillPreflight, DrillSetup } from '../kind.js';
import { onlyOptions, stringOption } from '../options.js';
import { checkPgScratch, emptyPgScratch, pgScratchOf, TARGET_DATABASE_OPTION } from './restore-pg.js';

const OPTIONS = ['backup', 'backupDir', TARGET_DATABASE_OPTION] as const;

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
  const pg = pgScratchOf(s);
  await pickBackup(s);
  if (pg) await checkPgScratch(pg);
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
  const pg = pgScratchOf(ctx);

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
  const into = pg ? `the scratch database ${pg.database}` : 'the scratch directory';
  ctx.log(`restoring ${manifest.id} (${manifest.dialect}, ledger size ${manifest.ledger.size}) into ${into}; live ledger size ${liveSize}`);

  const anchors = parseDestinations(settings['RUNLEDGER_ANCHORS'], process.cwd()).flatMap((d) => (d.kind === 'dir' ? [d.dir] : []));
  let t: number | undefined;
  let rtoSeconds: number | undefined;
  let result: unknown;
  // PostgreSQL: set when the scratch database was found empty, so what is emptied afterwards is only what this drill put there.
  let filled = false;
  try {
    // Checked again here (the preflight did): the drill empties the database afterwards, never one it did not find empty.
    if (pg) await checkPgRestoreTarget(pg.target);
    filled = pg !== undefined;
    t = performance.now();
    const r = await restoreBackup({
      backup: picked.path,
      dataDir: join(ctx.scratch, 'restored'),
      recordedIn: { home: ctx.ledger.home, env: settings },
      anchors,
      ...(pg ? { pgTarget: pg.target } : {}),
      now: () => ctx.now(),
    });
    rtoSeconds = (performance.now() - t) / 1000;
    timings['restore'] = rtoSeconds;
    checks.push(...r.checks.map(checkOf));
    result = { ...r, dataDir: '(the drill’s scratch directory, removed afterwards)' };
    steps.push(`restored ${r.id} into ${into} and verified it: ${r.checks.length} checks held`);
    ctx.log(`restored and verified in ${rtoSeconds.toFixed(2)} s: ${r.checks.length} checks held`);
  } catch (e) {
    const d = describeError(e);
    if (t !== undefined) timings['restore'] = (performance.now() - t) / 1000;
    checks.push({ name: 'restore', ok: false, detail: `${d.code}: ${d.message}` });
    result = { error: { code: d.code, message: d.message } };
    steps.push(`restoring ${manifest.id} was refused: ${d.code}`);
    ctx.log(`the restore was refused: ${d.code}: ${d.message}`);
  }

  // Pass or fail, the scratch database is emptied for the next drill; one left full would refuse it.
  let scratchDatabase: { name: string; emptied: boolean; error?: string } | undefined;
  if (pg && filled) {
    const te = performance.now();
    try {
      await emptyPgScratch(pg);
      timings['empty'] = (performance.now() - te) / 1000;
      scratchDatabase = { name: pg.database, emptied: true };
      checks.push({ name: 'scratch database', ok: true, detail: `${pg.database} emptied for the next drill (Runledger's schemas kept, as set up)` });
      steps.push(`emptied the scratch database ${pg.database} for the next drill`);
      ctx.log(`emptied the scratch database ${pg.database}`);
    } catch (e) {
      const d = describeError(e);
      scratchDatabase = { name: pg.database, emptied: false, error: `${d.code}: ${d.message}` };
      checks.push({
        name: 'scratch database',
        ok: false,
        detail: `${pg.database} could not be emptied (${d.code}: ${d.message}): the next restore drill would be refused; drop it, create it again and set it up with docs/sql/postgres-roles.sql`,
      });
      steps.push(`emptying the scratch database ${pg.database} failed: ${d.code}`);
      ctx.log(`the scratch database ${pg.database} could not be emptied: ${d.code}: ${d.message}`);
    }
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
            ...(scratchDatabase ? { scratchDatabase } : {}),
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
