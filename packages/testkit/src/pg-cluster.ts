// A private PostgreSQL cluster for tests that must configure the server itself (WAL archiving, base
// backups, recovery): initdb in a temporary directory, started with pg_ctl on a free port, never touching
// the machine's shared server. PostgreSQL refuses to run as root, so when the tests run as root the
// server programs (and any shell script given to `sh`) run as the `postgres` OS user, which owns the
// cluster's directory.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './alertmanager.js';
import { tempDir } from './fixtures.js';

const OS_USER = process.env.RUNLEDGER_TEST_PG_OS_USER ?? 'postgres';

/** The server programs' directory: RUNLEDGER_TEST_PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
export function pgBinDir(): string {
  const set = process.env.RUNLEDGER_TEST_PG_BINDIR;
  if (set) return set;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`no PostgreSQL server programs (initdb) under ${base}: install postgresql (scripts/system-deps.sh) or set RUNLEDGER_TEST_PG_BINDIR`);
  return join(base, versions[0]!, 'bin');
}

const asRoot = (): boolean => process.getuid?.() === 0;

function ids(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim()),
  };
}

/** A new directory the cluster's OS user owns (created by whoever runs the tests). */
export function clusterDir(prefix = 'runledger-pgcluster-'): string {
  const d = tempDir(prefix);
  if (asRoot()) {
    const { uid, gid } = ids();
    chownSync(d, uid, gid);
  }
  return d;
}

/** Runs `script` with `sh -eu`, as the cluster's OS user when running as root; resolves with stdout, rejects with both outputs. */
export function runClusterShell(script: string, env: Record<string, string>): Promise<string> {
  const [cmd, args] = asRoot()
    ? ['setpriv', ['--reuid', OS_USER, '--regid', OS_USER, '--init-groups', 'sh', '-eu', '-c', script]]
    : ['sh', ['-eu', '-c', script]];
  return new Promise((res, rej) => {
    const child = spawn(cmd, args as string[], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', rej);
    child.once('close', (code) => (code === 0 ? res(out) : rej(new Error(`script exited with ${code}:\n${script}\n--- stdout\n${out}\n--- stderr\n${err}`))));
  });
}

export interface PrivateCluster {
  /** The directory holding everything of this cluster (owned by its OS user). */
  readonly root: string;
  /** PGDATA. */
  readonly data: string;
  readonly port: number;
  readonly bin: string;
  /** For client programs and scripts: PATH with the server programs first, PGHOST (the socket directory), PGPORT, PGUSER, HOME. */
  readonly env: Record<string, string>;
  /** A DSN over TCP on 127.0.0.1 (trust authentication). */
  url(database: string, user?: string): string;
  /** `runClusterShell` with this cluster's env plus `extra`. */
  sh(script: string, extra?: Record<string, string>): Promise<string>;
  /** pg_ctl stop -m fast of PGDATA (and of any other data directory given, e.g. a recovered copy); never throws. */
  stop(...others: string[]): Promise<void>;
}

/** initdb (trust authentication, superuser `postgres`) and pg_ctl start on a free port, listening on 127.0.0.1 and a private socket. */
export async function initPrivateCluster(opts: { settings?: readonly string[] } = {}): Promise<PrivateCluster> {
  const bin = pgBinDir();
  const root = clusterDir();
  const data = join(root, 'data');
  const sock = join(root, 'sock');
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: root,
    LANG: 'C.UTF-8',
    PGHOST: sock,
    PGPORT: String(port),
    PGUSER: 'postgres',
    PGDATABASE: 'postgres',
  };
  const sh = (script: string, extra: Record<string, string> = {}): Promise<string> => runClusterShell(script, { ...env, ...extra });
  await sh('mkdir -p "$SOCK" && initdb -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null', { SOCK: sock, PGDATA: data });
  // Small and quick: a test cluster, not a tuned one.
  const conf = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${sock}'`,
    'max_connections = 20',
    'shared_buffers = 16MB',
    ...(opts.settings ?? []),
  ];
  appendFileSync(join(data, 'postgresql.conf'), `\n# runledger test cluster\n${conf.join('\n')}\n`);
  await sh('pg_ctl -D "$PGDATA" -l "$PGDATA/../server.log" -w -t 60 start >/dev/null', { PGDATA: data });
  const stop = async (...others: string[]): Promise<void> => {
    for (const d of [...others, data])
      await sh('[ ! -f "$D/postmaster.pid" ] || pg_ctl -D "$D" -m fast -w -t 60 stop >/dev/null', { D: d }).catch(() => undefined);
  };
  return {
    root,
    data,
    port,
    bin,
    env,
    url: (database, user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    sh,
    stop,
  };
}
