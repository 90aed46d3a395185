// `runledger backup now|list|prune` and `runledger restore BACKUP --data-dir NEW [--promote]`.
// Exit codes: 0 ok, 1 a check failed or a destination failed (the error catalogue's BACKUP_* codes), 2 bad input.
// A passphrase is read from a file or the environment only, never from a flag's value.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  backupDestinationsOf,
  backupNow,
  defaultActor,
  defaultBackupDir,
  listBackups,
  openLedger,
  parseDestination,
  parseDestinations,
  pruneBackups,
  readAnchorNote,
  readPassphrase,
  resolveLedgerHome,
  restoreBackup,
  runBackupDestinations,
  RuntimeError,
  type Destination,
  type DestinationOutcome,
  type LedgerLocation,
  type RestoreResult,
} from '@runledger/runtime';
import { nonNegativeInt, positiveInt } from '../args.js';
import { progressBar, type Io } from '../io.js';
import { registerBackupStatus } from './status.js';

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * `restore --data-dir NEW` names the restore's target; commander hands a --data-dir anywhere on the line to
 * the program's own option, so the target is read from there, and the live data directory that --promote
 * replaces comes from RUNLEDGER_HOME (else ./.runledger), never from the flag.
 */
export function registerBackupCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const backup = program.command('backup').description('backups of the store: now, list, prune');
  const dirOf = (dir: string | undefined): string => (dir ? resolve(io.cwd, dir) : defaultBackupDir(resolveLedgerHome(location()), io.env));

  backup
    .command('now')
    .description('take a consistent backup while the server keeps writing; records backup.created; then runs its destinations')
    .option('--dir <dir>', 'backup directory (default: $RUNLEDGER_BACKUP_DIR, else DATA_DIR-backups beside the data directory)')
    .option('--with-private-keys', 'also seal the private signing keys with a passphrase (--passphrase-file, else $RUNLEDGER_BACKUP_PASSPHRASE)')
    .option('--passphrase-file <file>', 'the passphrase for --with-private-keys: the file’s text (never a value on the command line)')
    .option('--copy-to <dir>', 'after the backup, copy it to this directory (staged, digests re-checked there); repeatable', collectList, [])
    .option(
      '--then <command>',
      'after the backup, run this command ({path} is the backup directory, else it is the last argument; also $RUNLEDGER_BACKUP_PATH); repeatable',
      collectList,
      [],
    )
    .option('--destination-timeout <seconds>', 'longest a --then command may run', '1800')
    .option('--pg-compress <level>', 'PostgreSQL: pg_dump compression 0–9 (default 0: fast; compress in a --then command instead)')
    .option('--json', 'one JSON object')
    .action(
      async (o: {
        dir?: string;
        json?: boolean;
        withPrivateKeys?: boolean;
        passphraseFile?: string;
        copyTo: string[];
        then: string[];
        destinationTimeout: string;
        pgCompress?: string;
      }) => {
        const dir = dirOf(o.dir);
        const pgCompress = nonNegativeInt('--pg-compress', o.pgCompress);
        if (pgCompress !== undefined && pgCompress > 9) throw new RuntimeError('USAGE', `--pg-compress ${o.pgCompress}: expected a level from 0 to 9`);
        if (o.passphraseFile !== undefined && !o.withPrivateKeys) throw new RuntimeError('USAGE', '--passphrase-file goes with --with-private-keys');
        const passphrase = o.withPrivateKeys ? await readPassphrase({ file: o.passphraseFile, env: io.env, cwd: io.cwd }) : undefined;
        if (o.withPrivateKeys && passphrase === undefined)
          throw new RuntimeError('USAGE', '--with-private-keys needs a passphrase: --passphrase-file FILE or RUNLEDGER_BACKUP_PASSPHRASE');
        const timeout = positiveInt('--destination-timeout', o.destinationTimeout)!;
        const destinations = destinationsOf(o.copyTo, o.then, io);
        const ctx = await openLedger(location(), { write: true });
        let failed: DestinationOutcome[] = [];
        try {
          const bar = progressBar(io, 'backing up');
          const r = await backupNow({
            ctx,
            dir,
            actor: defaultActor(io.env),
            progress: (d, t) => bar.update(d, t),
            ...(passphrase !== undefined ? { privateKeys: { passphrase } } : {}),
            ...(pgCompress !== undefined ? { pgCompress } : {}),
          });
          bar.done();
          const copies = await runBackupDestinations({
            ctx,
            backup: r,
            destinations,
            actor: defaultActor(io.env),
            env: io.env,
            secrets: passphrase !== undefined ? [passphrase] : [],
            commandTimeoutMs: timeout * 1000,
          });
          failed = copies.filter((c) => !c.ok);
          if (o.json)
            io.out(
              `${JSON.stringify({
                id: r.id,
                path: r.path,
                manifestSha256: r.manifestSha256,
                entry: r.entry,
                bytes: r.bytes,
                seconds: r.seconds,
                privateKeys: r.manifest.keys.private,
                ledger: { size: r.manifest.ledger.size, root: r.manifest.ledger.root },
                destinations: copies.map((c) => ({ destination: c.destination, kind: c.kind, ok: c.ok, detail: c.detail, seconds: c.seconds, entry: c.entry })),
              })}\n`,
            );
          else {
            io.out(
              `backup ${r.id} in ${r.path}\n  ledger    size ${r.manifest.ledger.size}, root ${r.manifest.ledger.root}\n  data      ${mb(r.bytes)} in ${r.seconds.toFixed(2)} s\n  keys      ${r.manifest.keys.private ? 'public and private (sealed with the passphrase)' : 'public parts only'}\n  manifest  sha256 ${r.manifestSha256} (ledger entry ${r.entry})\n`,
            );
            for (const c of copies) io.out(`  ${c.ok ? 'copied' : 'FAILED'}    ${c.destination}: ${c.detail} (ledger entry ${c.entry})\n`);
          }
          // What a failed command said (redacted), for whoever reads the terminal or the cron mail.
          for (const c of failed) if (c.output?.stderr.trim()) io.err(`${c.destination}: ${c.output.stderr.trim().split('\n').slice(-10).join('\n')}\n`);
        } finally {
          await ctx.close();
        }
        if (failed.length > 0)
          throw new RuntimeError(
            'BACKUP_COPY_FAILED',
            `${failed.length} of ${destinations.length} destination(s) failed (${failed.map((c) => `${c.destination}: ${c.detail}`).join('; ')}); the local backup stays`,
          );
      },
    );

  registerBackupStatus(backup, io, location, dirOf);

  backup
    .command('list')
    .description('backups in the directory, newest first (manifests checked, not the data digests)')
    .option('--dir <dir>', 'backup directory')
    .option('--json', 'a JSON array')
    .action(async (o: { dir?: string; json?: boolean }) => {
      const list = await listBackups(dirOf(o.dir));
      if (o.json) {
        io.out(
          `${JSON.stringify(
            list.map((b) =>
              b.manifest
                ? {
                    id: b.id,
                    path: b.path,
                    createdAt: b.manifest.createdAt,
                    dialect: b.manifest.dialect,
                    ledgerSize: b.manifest.ledger.size,
                    manifestSha256: b.manifestSha256,
                    valid: true,
                  }
                : { id: b.id, path: b.path, valid: false, problems: b.problems },
            ),
          )}\n`,
        );
        return;
      }
      if (list.length === 0) io.out('no backups\n');
      for (const b of list) {
        if (b.manifest)
          io.out(
            `${b.id}  ${b.manifest.createdAt}  ${b.manifest.dialect}  ledger size ${b.manifest.ledger.size}  ${mb(b.manifest.files.reduce((n, f) => n + f.bytes, 0))}\n`,
          );
        else io.out(`${b.id}  INVALID: ${(b.problems ?? []).join('; ')}\n`);
      }
    });

  backup
    .command('prune')
    .description('delete backups the policy does not keep (never the newest); records backup.pruned')
    .option('--keep-last <n>', 'keep the newest N backups')
    .option('--keep-daily <d>', 'keep the newest backup of each of the D newest days holding one (UTC)')
    .option('--keep-weekly <w>', 'keep the newest backup of each of the W newest ISO weeks holding one (UTC)')
    .option('--dir <dir>', 'backup directory')
    .option('--dry-run', 'print the plan, delete nothing')
    .option('--json', 'one JSON object')
    .action(async (o: { keepLast?: string; keepDaily?: string; keepWeekly?: string; dir?: string; dryRun?: boolean; json?: boolean }) => {
      const keepLast = nonNegativeInt('--keep-last', o.keepLast) ?? 0;
      const daily = nonNegativeInt('--keep-daily', o.keepDaily);
      const weekly = nonNegativeInt('--keep-weekly', o.keepWeekly);
      if (keepLast === 0 && !daily && !weekly)
        throw new RuntimeError('USAGE', 'a prune never deletes the newest backup: give --keep-last, --keep-daily or --keep-weekly of at least 1');
      const ctx = await openLedger(location(), { write: !o.dryRun });
      try {
        const r = await pruneBackups({
          ctx,
          dir: dirOf(o.dir),
          actor: defaultActor(io.env),
          policy: { keepLast, ...(daily !== undefined ? { daily } : {}), ...(weekly !== undefined ? { weekly } : {}) },
          ...(o.dryRun ? { dryRun: true } : {}),
        });
        if (o.json) io.out(`${JSON.stringify(r)}\n`);
        else {
          for (const id of r.removed) io.out(`${o.dryRun ? 'would delete' : 'deleted'}  ${id}\n`);
          for (const id of r.skipped) io.out(`skipped  ${id} (its manifest is not valid)\n`);
          io.out(
            `kept ${r.kept.length}, ${o.dryRun ? 'would delete' : 'deleted'} ${r.removed.length}${r.entry !== undefined ? ` (ledger entry ${r.entry})` : ''}\n`,
          );
        }
      } finally {
        await ctx.close();
      }
    });

  program
    .command('restore')
    .description('restore a backup into a new directory and verify it (files, ledger re-derived in full, keys); --promote swaps it in')
    .argument('<backup>', 'the backup directory')
    .option('--data-dir <dir>', 'a new or empty directory to restore into (required)')
    .option(
      '--target-database <name>',
      'PostgreSQL backups: the new, empty database to restore into, on the server and roles of RUNLEDGER_DATABASE_URL (set up with docs/sql/postgres-roles.sql)',
    )
    .option(
      '--promote',
      'after the checks pass, make the restore the live store (SQLite: swap the data directory; PostgreSQL: rewrite the DSN files, or say what to set); stop the server first',
    )
    .option(
      '--anchors <dir>',
      'an anchor directory the restored ledger must extend (repeatable; default: the directories of $RUNLEDGER_ANCHORS)',
      collectList,
      [],
    )
    .option(
      '--anchor <note>',
      'a signed checkpoint the restored ledger must extend: a note file, a .anchor shipment, or the note text (repeatable; counts with the anchor directories)',
      collectList,
      [],
    )
    .option('--allow-rollback <reason>', 'restore although the ledger is behind an anchor (entries it proves existed are lost); the reason is recorded')
    .option('--passphrase-file <file>', 'open the private keys the backup sealed (else $RUNLEDGER_BACKUP_PASSPHRASE); without one, public parts only')
    .option('--json', 'one JSON object')
    .action(async (backupDir: string, o: RestoreFlags) => {
      const target = o.dataDir ?? (program.opts().dataDir as string | undefined);
      if (!target) throw new RuntimeError('USAGE', 'restore needs --data-dir NEW: a new or empty directory to restore into');
      const live = resolveLedgerHome({ env: io.env, cwd: io.cwd });
      const anchorNotes = [];
      for (const a of o.anchor) anchorNotes.push(await readAnchorNote(a, io.cwd));
      const passphrase = await readPassphrase({ file: o.passphraseFile, env: io.env, cwd: io.cwd });
      const r = await restoreBackup({
        backup: resolve(io.cwd, backupDir),
        dataDir: resolve(io.cwd, target),
        recordedIn: { env: io.env, cwd: io.cwd },
        anchors: anchorDirsOf(o.anchors, io),
        anchorNotes,
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(o.allowRollback !== undefined ? { allowRollback: { reason: o.allowRollback } } : {}),
        ...(o.targetDatabase !== undefined ? { pgTarget: { database: o.targetDatabase, env: io.env, cwd: io.cwd } } : {}),
        ...(o.promote ? { promote: { actor: defaultActor(io.env), liveHome: live, env: io.env, cwd: io.cwd } } : {}),
      });
      if (o.json) io.out(`${JSON.stringify(r)}\n`);
      else {
        io.out(`restored ${r.id} into ${r.dataDir} in ${r.seconds.toFixed(2)} s\n${r.checks.map((c) => `  ok  ${c}\n`).join('')}`);
        if (r.privateKeys && r.privateKeys.sealed > 0 && r.privateKeys.restored === 0)
          io.out(
            `the signer must be provided: the backup's ${r.privateKeys.sealed} private key(s) are sealed; give the passphrase, or copy the key files into ${r.dataDir}/keys\n`,
          );
        if (r.promoted)
          io.out(`promoted: ${r.promoted.home} now holds the restore; the old data is in ${r.promoted.movedAside} (ledger entry ${r.promoted.entry})\n`);
        if (r.postgres) io.out(pgRestoreText(r.postgres));
      }
    });
}

interface RestoreFlags {
  dataDir: string;
  promote?: boolean;
  json?: boolean;
  anchors: string[];
  anchor: string[];
  allowRollback?: string;
  passphraseFile?: string;
  targetDatabase?: string;
}

function collectList(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** --copy-to and --then, else RUNLEDGER_BACKUP_DESTINATIONS (the anchors' syntax). */
function destinationsOf(copyTo: readonly string[], then: readonly string[], io: Io): Destination[] {
  if (copyTo.length === 0 && then.length === 0) return backupDestinationsOf(io.env, io.cwd);
  return [
    ...copyTo.map((d) => parseDestination(`dir:${d}`, io.cwd, '--copy-to')),
    ...then.map((c) => parseDestination(c.startsWith('cmd:') ? c : `cmd:${c}`, io.cwd, '--then')),
  ];
}

/** --anchors, else the directory destinations of RUNLEDGER_ANCHORS (command destinations cannot be read back). */
function anchorDirsOf(flags: readonly string[], io: Io): string[] {
  if (flags.length > 0) return flags.map((d) => resolve(io.cwd, d));
  return parseDestinations(io.env['RUNLEDGER_ANCHORS'], io.cwd).flatMap((d) => (d.kind === 'dir' ? [d.dir] : []));
}

/** What a PostgreSQL restore did, and exactly what promote switched or left to the operator. */
function pgRestoreText(pg: NonNullable<RestoreResult['postgres']>): string {
  const out = [`database: ${pg.database} (${pg.url})`];
  const p = pg.promoted;
  if (!p) out.push('not promoted: the live store still uses its own database; --promote makes this one live');
  else {
    out.push(
      `promoted: restore.promoted is entry ${p.entry} of the restored ledger; ${p.replaced} is left as it was${p.liveReachable ? '' : ' (it did not answer)'}`,
    );
    const sw = p.switched;
    if (sw.kind === 'files') {
      sw.files.forEach((f, i) => out.push(`  ${f} now names ${pg.database} (the previous one is kept as ${sw.movedAside[i]})`));
      out.push('  start the server to use it');
    } else {
      out.push('  the DSNs are environment variables, which this command cannot change: set');
      for (const [k, v] of Object.entries(sw.set)) out.push(`    ${k}=${v}`);
      out.push('  (passwords as before) and start the server');
    }
  }
  return out.map((l) => `${l}\n`).join('');
}
