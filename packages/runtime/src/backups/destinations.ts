// Destinations run after a backup (`backup now --copy-to DIR --then CMD`, RUNLEDGER_BACKUP_DESTINATIONS):
// off-host copies with tools people already trust. A directory gets a staged copy whose digests are
// checked again where it landed before it is renamed into place; a command gets the backup's path
// (../destinations/command.ts, the rule anchors use too). Each outcome is a backup.copied entry; a
// failed destination never touches the local backup.
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Actor } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import type { LedgerContext } from '../ledger/service.js';
import { runDestinationCommand } from '../destinations/command.js';
import { destinationLabel, parseDestinations, type Destination } from '../destinations/spec.js';
import { listFiles, syncFile } from './files.js';
import { checkBackupFiles, readBackupManifest } from './restore.js';
import { PASSPHRASE_SETTING } from './sealed-keys.js';

export const BACKUP_DESTINATIONS_SETTING = 'RUNLEDGER_BACKUP_DESTINATIONS';
/** The backup directory's path, in a command destination's environment (beside `{path}`). */
export const BACKUP_PATH_VARIABLE = 'RUNLEDGER_BACKUP_PATH';
export const DEFAULT_BACKUP_COMMAND_TIMEOUT_MS = 30 * 60_000;

export interface DestinationOutcome {
  /** The destination as recorded: a directory's path, a command's program (destinationLabel). */
  readonly destination: string;
  readonly kind: Destination['kind'];
  readonly ok: boolean;
  /** One line: where the copy landed, or what failed (`exit 3`, `timed out after 60 s`, a digest mismatch). */
  readonly detail: string;
  readonly seconds: number;
  /** A command's output, redacted and capped (never recorded in the ledger). */
  readonly output?: { readonly stdout: string; readonly stderr: string };
  /** The backup.copied entry's index. */
  readonly entry: number;
}

export interface BackupDestinationsOptions {
  readonly ctx: LedgerContext;
  readonly backup: { readonly id: string; readonly path: string; readonly manifestSha256: string };
  readonly destinations: readonly Destination[];
  readonly actor: Actor;
  /** The environment commands start from (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values to redact from commands' output (the backup passphrase). */
  readonly secrets?: readonly string[];
  readonly commandTimeoutMs?: number;
}

/** RUNLEDGER_BACKUP_DESTINATIONS: the anchors' syntax, comma-separated `DIR` or `cmd:PROG ARGS`. */
export function backupDestinationsOf(env: Readonly<Record<string, string | undefined>>, cwd: string): Destination[] {
  return parseDestinations(env[BACKUP_DESTINATIONS_SETTING], cwd, BACKUP_DESTINATIONS_SETTING);
}

/** Runs each destination in order; every outcome is recorded, and none stops the next. */
export async function runBackupDestinations(o: BackupDestinationsOptions): Promise<DestinationOutcome[]> {
  if (o.destinations.length > 0 && !o.ctx.writer)
    throw new RuntimeError('INTERNAL', 'runBackupDestinations needs a ledger opened for writing (it appends backup.copied)');
  const out: DestinationOutcome[] = [];
  for (const d of o.destinations) {
    const started = performance.now();
    let ok: boolean;
    let detail: string;
    let output: DestinationOutcome['output'];
    if (d.kind === 'dir') {
      try {
        detail = await copyBackupTo(o.backup, d.dir);
        ok = true;
      } catch (e) {
        ok = false;
        detail = (e as Error).message;
      }
    } else {
      const r = await runDestinationCommand({
        argv: d.argv,
        path: o.backup.path,
        env: o.env ?? process.env,
        extraEnv: { [BACKUP_PATH_VARIABLE]: o.backup.path, RUNLEDGER_BACKUP_ID: o.backup.id },
        withhold: [PASSPHRASE_SETTING, `${PASSPHRASE_SETTING}_FILE`],
        secrets: o.secrets ?? [],
        timeoutMs: o.commandTimeoutMs ?? DEFAULT_BACKUP_COMMAND_TIMEOUT_MS,
      });
      ok = r.ok;
      detail = r.summary;
      output = { stdout: r.stdout, stderr: r.stderr };
    }
    const seconds = (performance.now() - started) / 1000;
    const destination = destinationLabel(d);
    const e = await o.ctx.writer!.append({
      type: 'backup.copied',
      actor: o.actor,
      subject: { kind: 'backup', id: o.backup.id },
      data: {
        destination,
        kind: d.kind,
        outcome: ok ? 'ok' : 'failed',
        detail,
        manifestSha256: o.backup.manifestSha256,
        seconds: Math.round(seconds * 1000) / 1000,
      },
    });
    out.push({ destination, kind: d.kind, ok, detail, seconds, ...(output ? { output } : {}), entry: e.seq });
  }
  return out;
}

/**
 * DIR/.staging-<id>, every file fsynced, the manifest and every digest checked there, then renamed to
 * DIR/<id>: a copy that looks whole at the destination is whole. One already there is checked, not redone.
 */
async function copyBackupTo(backup: BackupDestinationsOptions['backup'], destDir: string): Promise<string> {
  const root = resolve(destDir);
  const final = join(root, backup.id);
  const landed = async (dir: string): Promise<void> => {
    const { manifest, sha256 } = await readBackupManifest(dir);
    if (sha256 !== backup.manifestSha256) throw new RuntimeError('BACKUP_COPY_FAILED', `${dir}: its manifest is not the backup's (SHA-256 ${sha256})`);
    await checkBackupFiles(dir, manifest);
  };
  if (await exists(final)) {
    await landed(final);
    return `${final} (already there; digests match)`;
  }
  await mkdir(root, { recursive: true });
  const staging = join(root, `.staging-${backup.id}`);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const rel of await listFiles(backup.path)) {
      const to = join(staging, rel);
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await copyFile(join(backup.path, rel), to);
      await syncFile(to);
    }
    await landed(staging);
    await rename(staging, final);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  await syncDir(root);
  return `${final} (digests match)`;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
  );
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
}
