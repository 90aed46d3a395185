// `restore --promote` on PostgreSQL. Nothing is moved or copied: the verified restore is already a
// database of its own. Promote makes it the live one by pointing the settings at it, where Runledger
// can change them: when both DSN settings are files (RUNLEDGER_DATABASE_URL_FILE and
// RUNLEDGER_LEDGER_DATABASE_URL_FILE), each is rewritten (staged and renamed; the old one kept beside
// it). Plain environment variables belong to whoever starts the server: promote says exactly what to
// set and records that it did not switch them. Either way the restored ledger records restore.promoted.
import { chmod, copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { BackupManifest } from '@runledger/core';
import type { Actor, VerifierKey } from '@runledger/ledger';
import { loadSigners, redactDsn, resolveConfig, roleOfDsn, SETTINGS, KEYS_DIR, type Env, type PostgresConfig } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { openLedger } from '../ledger/service.js';

export interface PgPromoteRequest {
  readonly actor: Actor;
  /** The live settings (RUNLEDGER_*), as the server reads them. */
  readonly env?: Env;
  /** The live data directory: its signing keys sign restore.promoted and stay in use. */
  readonly liveHome?: string;
  readonly cwd?: string;
}

export type PgSwitch =
  /** The DSN files now name the restored database; the previous files were kept as `movedAside`. */
  | { readonly kind: 'files'; readonly files: readonly string[]; readonly movedAside: readonly string[] }
  /** The settings are environment variables: set these (passwords as before) and restart. */
  | { readonly kind: 'manual'; readonly set: Readonly<Record<string, string>> };

export interface PgPromoted {
  readonly home: string;
  /** The database that was live (it is left as it is). */
  readonly replaced: string;
  /** Whether the live database answered (a disaster-recovery promote may find it gone). */
  readonly liveReachable: boolean;
  readonly switched: PgSwitch;
  /** The restore.promoted entry's index in the restored ledger. */
  readonly entry: number;
}

function databaseOf(dsn: string): string {
  const u = new URL(dsn);
  return u.searchParams.get('dbname') ?? decodeURIComponent(u.pathname.replace(/^\//, ''));
}

/** Sessions of Runledger's roles on the live database (another process would go on writing to the database being replaced). */
async function liveSessions(live: PostgresConfig): Promise<{ reachable: boolean; sessions: number }> {
  const c = new pg.Client({ connectionString: live.url, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch {
    await c.end().catch(() => {});
    return { reachable: false, sessions: 0 };
  }
  try {
    const roles = [roleOfDsn(live.ledgerWriterUrl ?? '')].filter((r): r is string => r !== undefined);
    const r = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND (usename = current_user OR usename = ANY($1))',
      [roles],
    );
    return { reachable: true, sessions: r.rows[0]!.n };
  } finally {
    await c.end().catch(() => {});
  }
}

export async function promotePostgres(
  target: PostgresConfig & { readonly ledgerWriterUrl: string },
  opts: {
    readonly manifest: BackupManifest;
    readonly manifestSha256: string;
    readonly trusted: readonly VerifierKey[];
    readonly request: PgPromoteRequest;
    readonly now: () => Date;
    readonly allowRollback?: { readonly reason: string };
  },
): Promise<PgPromoted> {
  const p = opts.request;
  const env = p.env ?? {};
  const live = resolveConfig({ env, ...(p.liveHome ? { home: p.liveHome } : {}), ...(p.cwd ? { cwd: p.cwd } : {}) });
  if (live.kind !== 'postgres')
    throw new RuntimeError('RESTORE_NOT_SUPPORTED', 'promote of a PostgreSQL restore replaces a PostgreSQL store; the live store is SQLite');
  const database = databaseOf(target.url);
  const replaced = databaseOf(live.url);
  // restore.promoted is signed with the live keys, which go on signing: they must be this ledger's.
  const signers = await loadSigners(live.home);
  const known = new Set(opts.trusted.map((k) => k.vkey));
  if (signers.length === 0 || signers.some((s) => !known.has(s.vkey)))
    throw new RuntimeError('BACKUP_KEYS_MISMATCH', `the live signing keys in ${join(live.home, KEYS_DIR)} are not the restored trust file's: promote refused`);
  const { reachable, sessions } = await liveSessions(live);
  if (sessions > 0)
    throw new RuntimeError(
      'RESTORE_LIVE_IN_USE',
      `${sessions} session(s) of Runledger's roles are connected to the live database ${replaced}: stop the server and every runledger process first; the verified restore stays in ${database}`,
    );

  const files = [env[`${SETTINGS.databaseUrl}_FILE`], env[`${SETTINGS.ledgerDatabaseUrl}_FILE`]];
  const stamp = opts.now().toISOString().replace(/[-:.]/g, '');
  const staged: string[] = [];
  if (files[0] && files[1]) {
    // Resolved as the store's settings resolve them (config.ts).
    const paths = files.map((f) => resolve(p.cwd ?? process.cwd(), f!));
    for (const [i, dsn] of [target.url, target.ledgerWriterUrl].entries()) {
      const tmp = `${paths[i]}.promote-${stamp}`;
      await writeFile(tmp, `${dsn}\n`, { mode: 0o600, flag: 'wx' });
      staged.push(tmp);
    }
  }
  let entry: number;
  try {
    const ctx = await openLedger(
      { home: live.home, env: { [SETTINGS.databaseUrl]: target.url, [SETTINGS.ledgerDatabaseUrl]: target.ledgerWriterUrl } },
      { write: true },
    );
    try {
      const r = await ctx.writer!.append({
        type: 'restore.promoted',
        actor: p.actor,
        subject: { kind: 'backup', id: opts.manifest.id },
        data: {
          manifestSha256: opts.manifestSha256,
          restoredSize: opts.manifest.ledger.size,
          restoredRoot: opts.manifest.ledger.root,
          dialect: 'postgres',
          database,
          replaced,
          pointer: staged.length > 0 ? 'files' : 'manual',
          ...(opts.allowRollback ? { rollbackOverride: { reason: opts.allowRollback.reason } } : {}),
        },
      });
      entry = r.seq;
    } finally {
      await ctx.close();
    }
  } catch (e) {
    for (const s of staged) await rm(s, { force: true });
    throw e;
  }
  if (staged.length === 0)
    return {
      home: live.home,
      replaced,
      liveReachable: reachable,
      entry,
      switched: { kind: 'manual', set: { [SETTINGS.databaseUrl]: redactDsn(target.url), [SETTINGS.ledgerDatabaseUrl]: redactDsn(target.ledgerWriterUrl) } },
    };
  const done: string[] = [];
  const aside: string[] = [];
  for (const tmp of staged) {
    const file = tmp.slice(0, tmp.lastIndexOf('.promote-'));
    await copyFile(file, `${file}.replaced-${stamp}`);
    await chmod(`${file}.replaced-${stamp}`, 0o600);
    aside.push(`${file}.replaced-${stamp}`);
    await rename(tmp, file);
    done.push(file);
  }
  return { home: live.home, replaced, liveReachable: reachable, entry, switched: { kind: 'files', files: done, movedAside: aside } };
}
