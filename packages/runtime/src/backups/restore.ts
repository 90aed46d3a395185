// `runledger restore BACKUP --data-dir NEW [--promote]`: restore into a new, empty place, prove it is
// the history the manifest names (every file's digest, the ledger re-derived in full and equal to the
// manifest's checkpoint, the keys the trust file's), and only then, if asked, swap it in for the live one.
import { chmod, copyFile, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { BACKUP_MANIFEST_FILE, checkBackupManifest, type BackupManifest } from '@runledger/core';
import { toBase64, type Actor, type VerifierKey } from '@runledger/ledger';
import {
  IntegrityCheck,
  KEYS_DIR,
  LedgerReader,
  loadSigners,
  openStore,
  resolveConfig,
  SQLITE_FILE_NAME,
  startupCheck,
  StoreError,
  type Env,
  type StoreConfig,
} from '@runledger/store';
import { checkAnchors } from '../anchors/check.js';
import { RuntimeError } from '../errors.js';
import { openLedger, TRUST_FILE, type LedgerLocation } from '../ledger/service.js';
import { backupIdem } from './backup.js';
import { listFiles, parseTrustText, sha256File, sha256Text } from './files.js';
import { restorePostgres, type PgRestored, type PgRestoreTarget } from './pgrestore.js';
import { checkRestoredNotes, judgeRestoredAnchor, type AnchorNote } from './restore-anchors.js';
import { openBackupKeys, writeRestoredKeys } from './restore-keys.js';

export interface RestoreOptions {
  /** The backup directory (holding MANIFEST.json). */
  readonly backup: string;
  /** A new or empty directory to restore into. */
  readonly dataDir: string;
  /** Swap the verified restore in for the live data directory (SQLite only). */
  /**
   * A ledger (the live one) to find this backup's backup.created entry in: a manifest digest other than
   * the recorded one is refused. Without it, or for a ledger of another origin, the check is skipped (and said so).
   */
  readonly recordedIn?: LedgerLocation;
  readonly promote?: { readonly actor: Actor; readonly env?: Env; readonly liveHome?: string; readonly cwd?: string };
  readonly now?: () => Date;
  /**
   * Anchor directories held off-host (RUNLEDGER_ANCHORS, --anchors): the restored ledger must extend the
   * newest anchor of each. One it is behind would lose entries the anchor proves existed: refused
   * (RESTORE_ROLLBACK) unless `allowRollback` gives a reason, which the promote entry records.
   */
  readonly anchors?: readonly string[];
  /** Signed checkpoints given on the command line (--anchor NOTE): they count like the directories' anchors. */
  readonly anchorNotes?: readonly AnchorNote[];
  readonly allowRollback?: { readonly reason: string };
  /** A PostgreSQL backup: the new database to restore into (pgrestore.ts). */
  readonly pgTarget?: PgRestoreTarget;
  /** Opens the private keys the backup sealed, restored 0600 after the checks pass; without it, public parts only. */
  readonly passphrase?: string;
}

export interface RestoreResult {
  readonly id: string;
  readonly dataDir: string;
  readonly manifestSha256: string;
  readonly ledger: { readonly origin: string; readonly size: number; readonly root: string };
  readonly checks: readonly string[];
  readonly seconds: number;
  /** Private keys sealed in the backup, and how many were restored (0 without a passphrase: provide the signer). */
  readonly privateKeys?: { readonly sealed: number; readonly restored: number };
  /** With promote: where the live data went and the restore.promoted entry's index. */
  readonly promoted?: { readonly home: string; readonly replacedBy: string; readonly movedAside: string; readonly entry: number };
  /** A PostgreSQL restore: the database restored into, and how promote switched to it. */
  readonly postgres?: PgRestored;
}

/** Reads and validates MANIFEST.json. */
export async function readBackupManifest(backup: string): Promise<{ manifest: BackupManifest; sha256: string }> {
  let text: string;
  try {
    text = await readFile(join(backup, BACKUP_MANIFEST_FILE), 'utf8');
  } catch (e) {
    throw new RuntimeError(
      'BACKUP_MANIFEST_INVALID',
      `${backup}: no readable ${BACKUP_MANIFEST_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RuntimeError('BACKUP_MANIFEST_INVALID', `${backup}: ${BACKUP_MANIFEST_FILE} is not JSON`);
  }
  const c = checkBackupManifest(parsed);
  if (!c.ok) throw new RuntimeError('BACKUP_MANIFEST_INVALID', `${backup}: ${c.problems.join('; ')}`);
  return { manifest: c.manifest, sha256: sha256Text(text) };
}

/** Every file listed with its digest and size, and nothing else beside the manifest. */
export async function checkBackupFiles(backup: string, manifest: BackupManifest): Promise<void> {
  const present = new Set(await listFiles(backup));
  present.delete(BACKUP_MANIFEST_FILE);
  for (const f of manifest.files) {
    if (!present.delete(f.path)) throw new RuntimeError('BACKUP_FILE_MISMATCH', `${f.path} is listed in the manifest but missing from the backup`);
    const got = await sha256File(join(backup, f.path));
    if (got.bytes !== f.bytes) throw new RuntimeError('BACKUP_FILE_MISMATCH', `${f.path} has ${got.bytes} bytes, the manifest says ${f.bytes}`);
    if (got.sha256 !== f.sha256) throw new RuntimeError('BACKUP_FILE_MISMATCH', `${f.path} has SHA-256 ${got.sha256}, the manifest says ${f.sha256}`);
  }
  const extra = [...present];
  if (extra.length > 0) throw new RuntimeError('BACKUP_FILE_MISMATCH', `files not in the manifest: ${extra.join(', ')}`);
}

/** The manifest must be the one whose digest the ledger recorded when the backup was taken. */
async function checkRecorded(loc: LedgerLocation | undefined, manifest: BackupManifest, sha256: string): Promise<string> {
  if (!loc) return 'recorded: not checked (no ledger given)';
  let ctx;
  try {
    ctx = await openLedger(loc, { write: false });
  } catch (e) {
    if (e instanceof StoreError && (e.code === 'LEDGER_NOT_INITIALISED' || e.code === 'STORE_UNAVAILABLE' || e.code === 'CONFIG_INVALID'))
      return `recorded: not checked (no ledger to look in: ${e.code})`;
    throw e;
  }
  try {
    if (ctx.origin !== manifest.ledger.origin) return `recorded: not checked (the ledger given is ${ctx.origin}, the backup's is ${manifest.ledger.origin})`;
    const page = await ctx.reader.search({ idemPrefix: backupIdem(manifest.id), types: ['backup.created'], limit: 1 });
    const e = page.entries.find((x) => x.entry.idem === backupIdem(manifest.id));
    if (!e) return `recorded: not found in the ledger (no backup.created for ${manifest.id})`;
    const recorded = (e.entry.data as { manifestSha256?: unknown } | undefined)?.manifestSha256;
    if (recorded !== sha256)
      throw new RuntimeError(
        'BACKUP_MANIFEST_INVALID',
        `the manifest's SHA-256 is ${sha256}, ledger entry ${e.seq} (backup.created) recorded ${String(recorded)}`,
      );
    return `recorded: the manifest's digest equals ledger entry ${e.seq} (backup.created)`;
  } finally {
    await ctx.close();
  }
}

/** The trust file's keys; every key file of the backup must be one of them. */
async function checkBackupKeys(backup: string, manifest: BackupManifest): Promise<VerifierKey[]> {
  const trustPath = manifest.files.find((f) => f.role === 'trust')!.path;
  let trusted: VerifierKey[];
  try {
    trusted = parseTrustText(await readFile(join(backup, trustPath), 'utf8'));
  } catch (e) {
    throw new RuntimeError('BACKUP_KEYS_MISMATCH', `${trustPath}: ${(e as Error).message}`, { cause: e });
  }
  if (trusted.length === 0) throw new RuntimeError('BACKUP_KEYS_MISMATCH', `${trustPath} holds no key`);
  const known = new Set(trusted.map((k) => k.vkey));
  for (const f of manifest.files.filter((x) => x.role === 'vkey')) {
    let keys: VerifierKey[];
    try {
      keys = parseTrustText(await readFile(join(backup, f.path), 'utf8'));
    } catch (e) {
      throw new RuntimeError('BACKUP_KEYS_MISMATCH', `${f.path}: ${(e as Error).message}`, { cause: e });
    }
    for (const k of keys)
      if (!known.has(k.vkey))
        throw new RuntimeError(
          'BACKUP_KEYS_MISMATCH',
          `${f.path} holds key ${k.name}+${k.keyId.toString(16).padStart(8, '0')}, which ${trustPath} does not trust`,
        );
  }
  return trusted;
}

/** A restore never lands on a live store or beside files SQLite would replay (-wal, -shm). */
async function checkTarget(dataDir: string, backup: string): Promise<boolean> {
  const rel = relative(backup, dataDir);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep)))
    throw new RuntimeError('RESTORE_TARGET_NOT_EMPTY', `${dataDir} is inside the backup ${backup}`);
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new RuntimeError('RESTORE_TARGET_NOT_EMPTY', `${dataDir} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (names.length === 0) return false;
  const stale = names.filter((n) => n.endsWith('-wal') || n.endsWith('-shm'));
  throw new RuntimeError(
    'RESTORE_TARGET_NOT_EMPTY',
    `${dataDir} is not empty (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})${stale.length ? `; ${stale.join(', ')} would be replayed onto the restored database` : ''}: restore into a new directory`,
  );
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const backup = resolve(opts.backup);
  const dataDir = resolve(opts.dataDir);
  const { manifest, sha256 } = await readBackupManifest(backup);
  const checks: string[] = [];
  await checkBackupFiles(backup, manifest);
  checks.push(`files: ${manifest.files.length} match the manifest`);
  checks.push(await checkRecorded(opts.recordedIn, manifest, sha256));
  const trusted = await checkBackupKeys(backup, manifest);
  checks.push(`keys: every key file is in the trust file (${trusted.length} trusted)`);
  // Opened before anything is written: a wrong passphrase leaves nothing behind.
  const keys = await openBackupKeys(backup, manifest, trusted, opts.passphrase, checks);
  if (opts.promote && opts.promote.liveHome === undefined && opts.promote.env === undefined)
    throw new RuntimeError('USAGE', 'promote needs the live data directory');
  if (manifest.dialect === 'postgres') {
    const postgres = await restorePostgres(
      {
        ...{ backup, dataDir, manifest, manifestSha256: sha256, trusted, checks, target: opts.pgTarget },
        ...(opts.promote ? { promote: opts.promote } : {}),
        ...(opts.allowRollback ? { allowRollback: opts.allowRollback } : {}),
        ...(opts.now ? { now: opts.now } : {}),
      },
      {
        checkDataDir: () => checkTarget(dataDir, backup),
        verify: (config) => verifyRestored(config, manifest, trusted, checks),
        anchors: async (config) => {
          await checkRestoredAnchors(config, opts.anchors ?? [], trusted, opts.allowRollback, checks);
          await checkRestoredNotes(config, opts.anchorNotes ?? [], trusted, opts.allowRollback, checks);
        },
      },
    );
    await writeRestoredKeys(dataDir, keys, checks);
    const { origin, size, root } = manifest.ledger;
    return {
      id: manifest.id,
      dataDir,
      manifestSha256: sha256,
      ledger: { origin, size, root },
      checks,
      postgres,
      privateKeys: { sealed: keys.sealed, restored: keys.signers.length },
      seconds: (Date.now() - started) / 1000,
    };
  }
  if (opts.pgTarget) throw new RuntimeError('USAGE', `${backup} is a SQLite backup: --target-database is for PostgreSQL backups`);
  const created = await checkTarget(dataDir, backup);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    const db = manifest.files.find((f) => f.role === 'database')!;
    await copyFile(join(backup, db.path), join(dataDir, SQLITE_FILE_NAME));
    await copyFile(join(backup, manifest.files.find((f) => f.role === 'trust')!.path), join(dataDir, TRUST_FILE));
    await verifyRestored(resolveConfig({ env: {}, home: dataDir }), manifest, trusted, checks).catch((e: unknown) => {
      if (e instanceof RuntimeError) throw e;
      // A database SQLite cannot read (truncated, not a database) is a ledger that does not verify.
      throw new RuntimeError('BACKUP_LEDGER_MISMATCH', `the restored database cannot be read: ${(e as Error).message}`, { cause: e });
    });
    await checkRestoredAnchors(resolveConfig({ env: {}, home: dataDir }), opts.anchors ?? [], trusted, opts.allowRollback, checks);
    await checkRestoredNotes(resolveConfig({ env: {}, home: dataDir }), opts.anchorNotes ?? [], trusted, opts.allowRollback, checks);
    await writeRestoredKeys(dataDir, keys, checks);
  } catch (e) {
    // A refused restore leaves nothing that could be mistaken for a good one.
    if (created) await rm(dataDir, { recursive: true, force: true });
    else for (const n of await readdir(dataDir)) await rm(join(dataDir, n), { recursive: true, force: true });
    throw e;
  }
  const result = {
    id: manifest.id,
    dataDir,
    manifestSha256: sha256,
    ledger: { origin: manifest.ledger.origin, size: manifest.ledger.size, root: manifest.ledger.root },
    checks,
    privateKeys: { sealed: keys.sealed, restored: keys.signers.length },
  };
  if (!opts.promote) return { ...result, seconds: (Date.now() - started) / 1000 };
  const promoted = await promote(dataDir, manifest, sha256, trusted, opts.promote, opts.now ?? (() => new Date()), opts.allowRollback, keys.signers.length > 0);
  return { ...result, promoted, seconds: (Date.now() - started) / 1000 };
}

/**
 * The restored ledger against each anchor directory (seed 002: offline proofs must still validate): it
 * must extend the newest anchor. Behind it is a rollback of entries the anchor proves existed.
 */
async function checkRestoredAnchors(
  config: StoreConfig,
  dirs: readonly string[],
  trusted: VerifierKey[],
  allow: { readonly reason: string } | undefined,
  checks: string[],
): Promise<void> {
  if (dirs.length === 0) return;
  const store = await openStore(config, { create: false });
  try {
    const reader = new LedgerReader(store);
    for (const dir of dirs) {
      judgeRestoredAnchor(await checkAnchors(reader, dir, trusted), `the newest anchor in ${dir}`, allow, checks);
    }
  } finally {
    await store.close();
  }
}

/** Opens the restored store, re-derives the whole ledger and holds it to the manifest and the trust file. */
async function verifyRestored(config: StoreConfig, manifest: BackupManifest, trusted: VerifierKey[], checks: string[]): Promise<void> {
  const store = await openStore(config, { create: false });
  try {
    let checked;
    try {
      // The writer's full startup check: every entry, stored column and checkpoint, without a signing key.
      checked = await startupCheck(store, manifest.ledger.origin, 'full');
    } catch (e) {
      if (e instanceof StoreError)
        throw new RuntimeError('BACKUP_LEDGER_MISMATCH', `the restored ledger does not verify: ${e.code}: ${e.message}`, { cause: e });
      throw e;
    }
    const size = checked.state.size;
    const cp = await new LedgerReader(store).latestCheckpoint();
    const root = cp ? toBase64(cp.root) : '';
    if (size !== manifest.ledger.size || root !== manifest.ledger.root || cp?.note !== manifest.ledger.checkpoint)
      throw new RuntimeError(
        'BACKUP_LEDGER_MISMATCH',
        `the restored ledger is at size ${size} root ${root}, the manifest's checkpoint says size ${manifest.ledger.size} root ${manifest.ledger.root}`,
      );
    checks.push(`ledger: ${size} entries re-derived; size and root equal the manifest's checkpoint`);
    const known = new Set(trusted.map((k) => k.vkey));
    const untrusted = checked.keys.known.filter((k) => !known.has(k.vkey));
    if (untrusted.length > 0) throw new RuntimeError('BACKUP_KEYS_MISMATCH', `the ledger's key ${untrusted[0]!.vkey} is not in the trust file`);
    // The auditor's path: genesis and every rotation from the trust file's keys.
    const status = await new IntegrityCheck(store, { trusted }).start();
    if (status.state !== 'ok') {
      const f = status.failure;
      const keyReason = f && ['CHECKPOINT_UNTRUSTED_SIGNER', 'GENESIS_MISMATCH', 'KEY_ROTATION_INVALID'].includes(f.reason);
      throw new RuntimeError(
        keyReason ? 'BACKUP_KEYS_MISMATCH' : 'BACKUP_LEDGER_MISMATCH',
        f
          ? `verified against the trust file, the ledger fails at ${f.index}: ${f.reason}: ${f.detail}`
          : `the trust-file verification could not run: ${status.error ?? status.state}`,
      );
    }
    checks.push('keys: the ledger verifies from the trust file (genesis and rotations)');
  } finally {
    await store.close();
  }
}

async function promote(
  dataDir: string,
  manifest: BackupManifest,
  manifestSha256: string,
  trusted: VerifierKey[],
  p: NonNullable<RestoreOptions['promote']>,
  now: () => Date,
  allowRollback?: { readonly reason: string },
  keysRestored = false,
): Promise<NonNullable<RestoreResult['promoted']>> {
  const live = resolveConfig({ env: p.env ?? {}, ...(p.liveHome ? { home: p.liveHome } : {}), ...(p.cwd ? { cwd: p.cwd } : {}) });
  if (live.kind !== 'sqlite') throw new RuntimeError('RESTORE_NOT_SUPPORTED', 'promote swaps SQLite data directories; the live store is PostgreSQL');
  if (live.file !== join(live.home, SQLITE_FILE_NAME))
    throw new RuntimeError(
      'RESTORE_NOT_SUPPORTED',
      `promote swaps the data directory; the live database ${live.file} lives outside it (RUNLEDGER_DATABASE_URL)`,
    );
  if (live.home === dataDir) throw new RuntimeError('RESTORE_TARGET_NOT_EMPTY', 'the restore target is the live data directory');
  // SQLite removes -wal and -shm when its last connection closes: either one means a process (the server)
  // still has the live store open, and its later writes would go to the directory moved aside.
  const open = (await readdir(live.home)).filter((n) => n === `${SQLITE_FILE_NAME}-wal` || n === `${SQLITE_FILE_NAME}-shm`);
  if (open.length > 0)
    throw new RuntimeError(
      'RESTORE_LIVE_IN_USE',
      `${live.home} holds ${open.join(' and ')}: the live store is open (stop the server) or was not closed cleanly; the verified restore stays in ${dataDir}`,
    );
  // Without keys restored from the backup, the live signing keys come along, and must be this ledger's.
  if (!keysRestored) {
    const signers = await loadSigners(live.home);
    const known = new Set(trusted.map((k) => k.vkey));
    const foreign = signers.filter((s) => !known.has(s.vkey));
    if (signers.length === 0 || foreign.length > 0)
      throw new RuntimeError(
        'BACKUP_KEYS_MISMATCH',
        `the live signing keys in ${join(live.home, KEYS_DIR)} are not the restored trust file's: promote refused`,
      );
    await mkdir(join(dataDir, KEYS_DIR), { mode: 0o700 });
    for (const n of (await readdir(join(live.home, KEYS_DIR))).filter((x) => x.endsWith('.skey'))) {
      await copyFile(join(live.home, KEYS_DIR, n), join(dataDir, KEYS_DIR, n));
      await chmod(join(dataDir, KEYS_DIR, n), 0o600);
    }
  }
  const aside = `${live.home}.replaced-${now().toISOString().replace(/[-:.]/g, '')}`;
  await rename(live.home, aside);
  await rename(dataDir, live.home);
  const ctx = await openLedger({ home: live.home, env: {} }, { write: true });
  try {
    const r = await ctx.writer!.append({
      type: 'restore.promoted',
      actor: p.actor,
      subject: { kind: 'backup', id: manifest.id },
      data: {
        manifestSha256,
        restoredSize: manifest.ledger.size,
        restoredRoot: manifest.ledger.root,
        movedAside: aside,
        ...(allowRollback ? { rollbackOverride: { reason: allowRollback.reason } } : {}),
      },
    });
    return { home: live.home, replacedBy: dataDir, movedAside: aside, entry: r.seq };
  } finally {
    await ctx.close();
  }
}
