// `runledger backup now|list|prune`: a backup is a directory (the data, the keys' public parts and
// MANIFEST.json), written under a staging name and renamed into place, so a crash never leaves a
// half backup that looks whole. The manifest's digest is appended to the ledger as backup.created.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  BACKUP_FORMAT,
  BACKUP_MANIFEST_FILE,
  backupId,
  checkBackupManifest,
  formatBackupManifest,
  SEALED_KEY_SUFFIX,
  selectRetention,
  type BackupFile,
  type BackupManifest,
  type RetentionPolicy,
} from '@runledger/core';
import { parseSignedCheckpoint, toBase64, type Actor } from '@runledger/ledger';
import { keyFileName, loadSigners, SQLITE_FILE_NAME } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { TRUST_FILE, type LedgerContext } from '../ledger/service.js';
import { withSecrets } from '../redact.js';
import { sha256File, sha256Text, syncFile } from './files.js';
import { pgDump } from './pgdump.js';
import { sealSigner } from './sealed-keys.js';
import { vacuumInto, type Progress } from './vacuum.js';

export const BACKUP_DIR_SETTING = 'RUNLEDGER_BACKUP_DIR';
export const DUMP_FILE_NAME = 'runledger.dump';
const STAGING_PREFIX = '.staging-';
const DELETING_PREFIX = '.deleting-';

/** The default backup directory: beside the data directory, so moving the data aside (restore --promote) leaves backups in place. */
export function defaultBackupDir(home: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const set = env[BACKUP_DIR_SETTING];
  return set ? resolve(set) : join(dirname(home), `${basename(home)}-backups`);
}

export interface BackupOptions {
  /** An open ledger with its writer (backup.created is appended). */
  readonly ctx: LedgerContext;
  /** Where backups live (one sub-directory each). */
  readonly dir: string;
  readonly actor: Actor;
  readonly progress?: Progress;
  readonly now?: () => Date;
  /** Seal each private signing key with this passphrase into the backup (sealed-keys.ts); absent: public parts only. */
  readonly privateKeys?: { readonly passphrase: string };
  /** PostgreSQL: pg_dump's compression level, 0–9 (default 0, DEFAULT_PG_DUMP_COMPRESS). */
  readonly pgCompress?: number;
}

export interface BackupResult {
  readonly id: string;
  readonly path: string;
  readonly manifest: BackupManifest;
  readonly manifestSha256: string;
  /** The ledger index of the backup.created entry. */
  readonly entry: number;
  readonly bytes: number;
  readonly seconds: number;
}

export async function backupNow(opts: BackupOptions): Promise<BackupResult> {
  // Held while the backup runs: the ledger writer refuses an entry holding the passphrase in any form.
  return opts.privateKeys ? withSecrets([opts.privateKeys.passphrase], () => take(opts)) : take(opts);
}

async function take(opts: BackupOptions): Promise<BackupResult> {
  const { ctx } = opts;
  if (!ctx.writer) throw new RuntimeError('INTERNAL', 'backupNow needs a ledger opened for writing (it appends backup.created)');
  const started = Date.now();
  const createdAt = (opts.now ?? (() => new Date()))();
  const id = backupId(createdAt, randomBytes(3).toString('hex'));
  const dir = resolve(opts.dir);
  const staging = join(dir, `${STAGING_PREFIX}${id}`);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    const files: BackupFile[] = [];
    const add = async (path: string, role: BackupFile['role']): Promise<void> => {
      await syncFile(join(staging, path));
      files.push({ path, role, ...(await sha256File(join(staging, path))) });
    };
    const head = await snapshotData(ctx, staging, opts.progress, opts.pgCompress);
    await add(ctx.store.kind === 'sqlite' ? SQLITE_FILE_NAME : DUMP_FILE_NAME, ctx.store.kind === 'sqlite' ? 'database' : 'dump');

    // The trust file and each signing key's vkey; the private keys only when asked, sealed.
    await copyFile(join(ctx.home, TRUST_FILE), join(staging, TRUST_FILE)).catch((e: unknown) => {
      throw new RuntimeError('BACKUP_FAILED', `cannot copy the trust file ${join(ctx.home, TRUST_FILE)}: ${(e as Error).message}`, { cause: e });
    });
    await add(TRUST_FILE, 'trust');
    const signers = await loadSigners(ctx.home);
    if (signers.length > 0) await mkdir(join(staging, 'keys'), { mode: 0o700 });
    for (const s of signers) {
      const path = `keys/${keyFileName(s).replace(/\.skey$/, '.vkey')}`;
      await writeFile(join(staging, path), `${s.vkey}\n`, { mode: 0o644 });
      await add(path, 'vkey');
    }
    if (opts.privateKeys) {
      if (signers.length === 0) throw new RuntimeError('BACKUP_FAILED', `private keys asked for, but ${join(ctx.home, 'keys')} holds no signing key`);
      for (const s of signers) {
        const path = `keys/${keyFileName(s).replace(/\.skey$/, SEALED_KEY_SUFFIX)}`;
        await writeFile(join(staging, path), await sealSigner(s, opts.privateKeys.passphrase), { mode: 0o600 });
        await add(path, 'skey-encrypted');
      }
    }

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      id,
      createdAt: createdAt.toISOString(),
      dialect: ctx.store.kind,
      files,
      ledger: head,
      keys: { private: opts.privateKeys !== undefined },
    };
    const text = formatBackupManifest(manifest);
    const checked = checkBackupManifest(JSON.parse(text));
    if (!checked.ok) throw new RuntimeError('BACKUP_FAILED', `the manifest written would not validate: ${checked.problems.join('; ')}`);
    await writeDurably(join(staging, BACKUP_MANIFEST_FILE), text);
    const path = join(dir, id);
    await rename(staging, path);
    const manifestSha256 = sha256Text(text);
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    let entry: number;
    try {
      const r = await ctx.writer.append({
        type: 'backup.created',
        actor: opts.actor,
        subject: { kind: 'backup', id },
        idem: backupIdem(id),
        data: { manifestSha256, dialect: manifest.dialect, ledgerSize: head.size, ledgerRoot: head.root, bytes, privateKeys: manifest.keys.private },
      });
      entry = r.seq;
    } catch (e) {
      // The backup itself is whole and kept; only its record is missing (restore says "not found in the ledger").
      throw new RuntimeError('BACKUP_FAILED', `backup ${id} was written to ${path}, but backup.created could not be appended: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return { id, path, manifest, manifestSha256, entry, bytes, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if (e instanceof RuntimeError) throw e;
    throw new RuntimeError('BACKUP_FAILED', `backup into ${dir} failed: ${(e as Error).message}`, { cause: e });
  }
}

/** The idempotency key of a backup's backup.created entry: restore finds the recorded digest by it. */
export function backupIdem(id: string): string {
  return `backup:${id}`;
}

async function writeDurably(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes the data file into `staging` and returns the ledger head that file holds. */
async function snapshotData(ctx: LedgerContext, staging: string, progress?: Progress, pgCompress?: number): Promise<BackupManifest['ledger']> {
  const config = ctx.store.config;
  if (config.kind === 'sqlite') {
    const r = await vacuumInto(config.file, join(staging, SQLITE_FILE_NAME), progress);
    if (!r.checkpoint) throw new RuntimeError('BACKUP_FAILED', 'the ledger has no signed checkpoint yet: nothing to back up');
    if (r.entries !== r.checkpoint.size)
      throw new RuntimeError('BACKUP_FAILED', `the snapshot holds ${r.entries} entries but its latest checkpoint covers ${r.checkpoint.size}`);
    return headOf(r.checkpoint.note);
  }
  // The store's REPEATABLE READ snapshot transaction exports its snapshot to pg_dump and reads the head in it: the dump
  // and the manifest describe the same instant while writers go on.
  return ctx.store.withReadSnapshot(async (snap) => {
    const exported = await snap.selectNoFrom((eb) => eb.fn<string>('pg_export_snapshot').as('id')).executeTakeFirstOrThrow();
    const cp = await snap.selectFrom('ledger_checkpoints').select(['note']).orderBy('size', 'desc').limit(1).executeTakeFirst();
    if (!cp) throw new RuntimeError('BACKUP_FAILED', 'the ledger has no signed checkpoint yet: nothing to back up');
    progress?.(0, 1);
    await pgDump(config.url, join(staging, DUMP_FILE_NAME), { snapshot: exported.id, ...(pgCompress !== undefined ? { compress: pgCompress } : {}) });
    progress?.(1, 1);
    return headOf(cp.note);
  });
}

function headOf(note: string): BackupManifest['ledger'] {
  const cp = parseSignedCheckpoint(note);
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), checkpoint: note };
}

export interface ListedBackup {
  readonly id: string;
  readonly path: string;
  /** Present when MANIFEST.json is valid. */
  readonly manifest?: BackupManifest;
  readonly manifestSha256?: string;
  /** Why the manifest is not usable. */
  readonly problems?: readonly string[];
}

/** Backups in `dir`, newest first by name (staging and deleting leftovers are skipped). Digests of the data are not checked here. */
export async function listBackups(dir: string): Promise<ListedBackup[]> {
  let names: string[];
  try {
    names = (await readdir(resolve(dir), { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RuntimeError('IO_ERROR', `cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const out: ListedBackup[] = [];
  for (const id of names.sort().reverse()) {
    const path = join(resolve(dir), id);
    let text: string;
    try {
      text = await readFile(join(path, BACKUP_MANIFEST_FILE), 'utf8');
    } catch (e) {
      out.push({ id, path, problems: [`no readable ${BACKUP_MANIFEST_FILE}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      out.push({ id, path, problems: [`${BACKUP_MANIFEST_FILE} is not JSON`] });
      continue;
    }
    const c = checkBackupManifest(parsed);
    if (!c.ok) out.push({ id, path, problems: c.problems });
    else if (c.manifest.id !== id) out.push({ id, path, problems: [`the manifest names backup ${c.manifest.id}, the directory is ${id}`] });
    else out.push({ id, path, manifest: c.manifest, manifestSha256: sha256Text(text) });
  }
  return out;
}

export interface PruneResult {
  readonly kept: readonly string[];
  readonly removed: readonly string[];
  /** Directories whose manifest is not valid: never deleted by a prune. */
  readonly skipped: readonly string[];
  /** The backup.pruned entry's index (absent when nothing was removed or on a dry run). */
  readonly entry?: number;
}

/** Deletes the backups the policy does not keep and records backup.pruned. */
export async function pruneBackups(opts: { ctx: LedgerContext; dir: string; policy: RetentionPolicy; actor: Actor; dryRun?: boolean }): Promise<PruneResult> {
  const { policy } = opts;
  // Any count of 1 or more keeps the newest backup (it is the newest of its day and of its week too).
  if (!(policy.keepLast >= 1 || (policy.daily ?? 0) >= 1 || (policy.weekly ?? 0) >= 1))
    throw new RuntimeError('USAGE', 'a prune never deletes the newest backup: give --keep-last, --keep-daily or --keep-weekly of at least 1');
  const listed = await listBackups(opts.dir);
  const valid = listed.filter((b) => b.manifest);
  let plan;
  try {
    plan = selectRetention(
      valid.map((b) => ({ id: b.id, createdAt: b.manifest!.createdAt })),
      policy,
    );
  } catch (e) {
    throw new RuntimeError('USAGE', (e as Error).message, { cause: e });
  }
  const skipped = listed.filter((b) => !b.manifest).map((b) => b.id);
  const result = { kept: plan.keep.map((k) => k.id), removed: plan.remove, skipped };
  if (opts.dryRun || plan.remove.length === 0) return result;
  if (!opts.ctx.writer) throw new RuntimeError('INTERNAL', 'pruneBackups needs a ledger opened for writing (it appends backup.pruned)');
  const root = resolve(opts.dir);
  for (const id of plan.remove) {
    // Renamed first: a crash mid-delete leaves a hidden leftover, never a backup missing files.
    const gone = join(root, `${DELETING_PREFIX}${id}`);
    await rename(join(root, id), gone);
    await rm(gone, { recursive: true, force: true });
  }
  const digests = Object.fromEntries(valid.filter((b) => plan.remove.includes(b.id)).map((b) => [b.id, b.manifestSha256!]));
  const r = await opts.ctx.writer.append({
    type: 'backup.pruned',
    actor: opts.actor,
    data: {
      removed: plan.remove,
      manifestSha256: digests,
      kept: result.kept.length,
      policy: { keepLast: policy.keepLast, daily: policy.daily ?? 0, weekly: policy.weekly ?? 0 },
    },
  });
  return { ...result, entry: r.seq };
}
