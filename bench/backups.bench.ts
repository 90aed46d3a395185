// Backups of a store with 1,000,000 ledger entries and 10,000 runs (issue 12): backupNow beside a plain
// fs.copyFile of the same database file; restoreBackup (files checked, the ledger re-derived in full)
// beside the standalone verifier over an export of the same entries; appends' and API reads' p99 while a
// backup runs beside the same load idle; pg_dump backups on PostgreSQL beside a bare pg_dump.
//
// The SQLite fixture is built once with the real engine and writer and kept in the temp directory
// (never in the repo) for later runs; every run works on a fresh copy, so it stays pristine.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, cp, open, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { readTrustFile, verifyBundleDir } from '@runledger/ledger/verify-cli';
import {
  backupNow,
  checkBackupFiles,
  DEFAULT_PG_DUMP_COMPRESS,
  DUMP_FILE_NAME,
  exportBundle,
  initLedger,
  openEngine,
  openLedger,
  parseOrThrow,
  pgEnvOf,
  readBackupManifest,
  restoreBackup,
  TRUST_FILE,
  type LedgerContext,
  type LedgerLocation,
} from '@runledger/runtime';
import {
  APP_SCHEMA,
  IntegrityCheck,
  LEDGER_SCHEMA,
  LedgerWriter,
  loadSigners,
  openStore,
  resolveConfig,
  SQLITE_FILE_NAME,
  startupCheck,
  TokenStore,
} from '@runledger/store';
import { createApp, openServerEngine } from '@runledger/server';
import { locationOf, pgFactory } from '@runledger/testkit';
import { NOOP_RUNBOOK as RUNBOOK } from './fixtures.js';
import { percentile, progress, status, statusDone, type Figure } from './lib.js';

const SECTION = 'backups';
const ORIGIN = 'bench.runledger.local/backups';
const THIS_FILE = fileURLToPath(import.meta.url);
const actor = { kind: 'system' as const, id: 'bench' };
/** Bumped when the fixture's recipe changes, so a cached one from an older recipe is not reused. */
const FIXTURE_VERSION = 1;
const MB = 1e6;

interface Sizes {
  readonly entries: number;
  readonly runs: number;
  readonly pgEntries: number;
  readonly pgRuns: number;
  /** Load phase: seconds of warm-up, of each idle window, and the load's rates. */
  readonly warmupSecs: number;
  readonly idleSecs: number;
  readonly appendsPerSec: number;
  readonly readsPerSec: number;
}

const FULL: Sizes = { entries: 1_000_000, runs: 10_000, pgEntries: 250_000, pgRuns: 1_000, warmupSecs: 10, idleSecs: 8, appendsPerSec: 100, readsPerSec: 300 };
const QUICK: Sizes = { entries: 100_000, runs: 1_000, pgEntries: 20_000, pgRuns: 100, warmupSecs: 2, idleSecs: 3, appendsPerSec: 50, readsPerSec: 150 };

const int = (n: number): string => n.toLocaleString('en-US');
const mbOf = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---- fixture ----------------------------------------------------------------------------------

/** Real runs through the engine (events, a shell step, their ledger entries), `concurrency` at a time. */
async function seedRuns(loc: LedgerLocation, cwd: string, runs: number, label: string): Promise<void> {
  const ctx = await openEngine(loc, { cwd });
  try {
    const runbook = parseOrThrow(RUNBOOK, 'bench-noop.md');
    const t0 = performance.now();
    let started = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (started < runs) {
          started++;
          const out = await ctx.engine.start({
            runbook,
            source: RUNBOOK,
            inputs: {},
            secrets: {},
            environment: 'default',
            who: { actor: { kind: 'user', id: 'bench' }, roles: ['operator'] },
          });
          if (out.model.state !== 'succeeded') throw new Error(`seed run ended ${out.model.state}: ${out.model.reason}`);
          if (++done % 100 === 0) progress(`${label}: ${int(runs)} runs through the engine (not timed)`, done, runs, t0);
        }
      }),
    );
  } finally {
    await ctx.close();
  }
}

/**
 * Tops the ledger up to `entries` with the store's own writer (signed entries, tree nodes, a signed
 * checkpoint per commit), 4,096 entries per commit rather than the default 512: same entries, fewer commits.
 */
async function topUp(loc: LedgerLocation, entries: number, label: string): Promise<void> {
  const config = resolveConfig({ env: loc.env ?? {}, ...(loc.home ? { home: loc.home } : {}) });
  const store = await openStore(config, { create: false });
  const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: await loadSigners(config.home), maxBatch: 4096 });
  try {
    const t0 = performance.now();
    const wave = 8192;
    for (let i = writer.size; i < entries;) {
      const n = Math.min(wave, entries - i);
      const from = i;
      await Promise.all(
        Array.from({ length: n }, (_, k) => {
          const j = from + k;
          return writer.append({
            type: j % 2 === 0 ? 'run.step.started' : 'run.step.finished',
            actor: { kind: 'service', id: 'engine' },
            subject: { kind: 'run', id: `run-${Math.floor(j / 20)}` },
            data: {
              step: `step-${j % 20}`,
              exitCode: 0,
              durationMs: j % 997,
              stdoutSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
            },
          });
        }),
      );
      i += n;
      progress(`${label}: appending up to ${int(entries)} ledger entries (not timed)`, i, entries, t0);
    }
    if (writer.size !== entries) throw new Error(`the fixture holds ${writer.size} entries, expected ${entries}`);
  } finally {
    await writer.close();
    await store.close();
  }
}

interface SqliteFixture {
  /** The pristine data directory (never written to by the measurements). */
  readonly home: string;
  /** A runledger-export/1 bundle of the same ledger, for the verifier baseline. */
  readonly export: string;
  readonly entries: number;
  readonly runs: number;
  readonly buildSeconds: number;
  readonly cached: boolean;
}

export const sqliteLoc = (home: string): LedgerLocation => ({ env: { RUNLEDGER_DATABASE_URL: `sqlite:${join(home, SQLITE_FILE_NAME)}` }, home });

async function sqliteFixture(s: Sizes): Promise<SqliteFixture> {
  const dir = join(tmpdir(), `runledger-bench-backups-v${FIXTURE_VERSION}-${s.entries}-${s.runs}`);
  const marker = join(dir, 'complete.json');
  const home = join(dir, 'home');
  const exported = join(dir, 'export');
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { buildSeconds: number };
    return { home, export: exported, entries: s.entries, runs: s.runs, buildSeconds: m.buildSeconds, cached: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const loc = sqliteLoc(home);
  await initLedger(loc, { origin: ORIGIN, actor });
  await seedRuns(loc, dir, s.runs, SECTION);
  statusDone();
  await topUp(loc, s.entries, SECTION);
  statusDone();
  const buildSeconds = (performance.now() - t0) / 1000;
  status(`${SECTION}: exporting the ledger for the verifier baseline (not timed)…`);
  const ctx = await openLedger(loc, { write: false });
  try {
    await exportBundle(ctx.reader, exported);
  } finally {
    await ctx.close();
  }
  writeFileSync(marker, JSON.stringify({ buildSeconds, entries: s.entries, runs: s.runs }));
  return { home, export: exported, entries: s.entries, runs: s.runs, buildSeconds, cached: false };
}

// ---- child: the API server on the store ------------------------------------------------------

type ToParent =
  | { readonly kind: 'ready'; readonly port: number; readonly token: string; readonly integritySeconds: number; readonly integrity: string }
  | { readonly kind: 'backup'; readonly seconds: number; readonly bytes: number; readonly path: string; readonly size: number }
  | { readonly kind: 'failed'; readonly error: string };
type ToChild = { readonly kind: 'backup'; readonly dir: string } | { readonly kind: 'stop' };

function send(m: ToParent): void {
  if (!process.send) throw new Error('backups.bench child started without an IPC channel');
  process.send(m);
}

async function serve(home: string): Promise<void> {
  const server = await openServerEngine(sqliteLoc(home), { cwd: home });
  const created = await new TokenStore(server.engineContext.ledger.store).create({ name: 'bench-operator', role: 'operator', now: new Date().toISOString() });
  if (!created.ok) throw new Error(`could not create the bench token: ${created.reason}`);
  const app = await createApp({
    engineContext: server.engineContext,
    events: server.events,
    version: '0.0.0-bench',
    logger: false,
    rateLimits: { perToken: { capacity: 1e9, refillPerSecond: 1e9 } },
  });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  // The background integrity check reads the whole ledger once after start: the load waits for its end.
  const t0 = performance.now();
  const integrity = await app.integrity.start();
  send({
    kind: 'ready',
    port: (app.fastify.server.address() as AddressInfo).port,
    token: created.token,
    integritySeconds: (performance.now() - t0) / 1000,
    integrity: `${integrity.state} ${integrity.verified}/${integrity.total}`,
  });
  process.on('message', (m: ToChild) => {
    if (m.kind === 'backup')
      // The server's own ledger context, as a backup scheduled inside the server runs.
      backupNow({ ctx: server.engineContext.ledger, dir: m.dir, actor }).then(
        (r) => send({ kind: 'backup', seconds: r.seconds, bytes: r.bytes, path: r.path, size: r.manifest.ledger.size }),
        (e: unknown) => send({ kind: 'failed', error: (e as Error).message }),
      );
    else
      void (async () => {
        await app.shutdown();
        await server.engineContext.close();
        process.exit(0);
      })();
  });
}

export function nextMessage(c: ChildProcess): Promise<ToParent> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`backups.bench child exited (code ${code}) before answering`));
    c.once('exit', onExit);
    c.once('message', (m: ToParent) => {
      c.off('exit', onExit);
      if (m.kind === 'failed') reject(new Error(`backups.bench child: ${m.error}`));
      else resolve(m);
    });
  });
}

// ---- open-loop load ---------------------------------------------------------------------------

interface Sample {
  /** performance.now() when sent. */
  readonly at: number;
  readonly ms: number;
  readonly kind: 'append' | 'read';
}

/**
 * Sends appends (POST /api/v1/ledger/notes) and reads (in turn: the runs page, one run, one ledger entry)
 * at fixed rates, open loop: a slow answer never delays the next request, so a stall shows in the latencies.
 */
export class LoadGen {
  readonly samples: Sample[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private stopped = false;
  private failures: string[] = [];
  private inflight = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly port: number,
    private readonly token: string,
    private readonly runIds: readonly string[],
    private readonly entries: number,
    private readonly rates: { appends: number; reads: number },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private one(kind: Sample['kind'], n: number): void {
    const auth = { authorization: `Bearer ${this.token}` };
    const body = kind === 'append' ? JSON.stringify({ text: `bench: backup load note ${n}` }) : undefined;
    const path =
      kind === 'append'
        ? '/api/v1/ledger/notes'
        : n % 3 === 0
          ? '/api/v1/runs'
          : n % 3 === 1
            ? `/api/v1/runs/${this.runIds[(n * 7919) % this.runIds.length]}`
            : `/api/v1/ledger/entries/${(n * 104_729) % this.entries}`;
    const at = performance.now();
    this.inflight++;
    const req = request(
      {
        host: '127.0.0.1',
        port: this.port,
        path,
        method: kind === 'append' ? 'POST' : 'GET',
        agent: this.agent,
        headers: body ? { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : auth,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          this.inflight--;
          if (res.statusCode !== 200 && res.statusCode !== 201) this.failures.push(`${kind} ${path}: ${res.statusCode}`);
          else this.samples.push({ at, ms: performance.now() - at, kind });
        });
      },
    );
    req.on('error', (e) => {
      this.inflight--;
      this.failures.push(`${kind} ${path}: ${e.message}`);
    });
    req.end(body);
  }

  private async run(): Promise<void> {
    const t0 = performance.now();
    let appends = 0;
    let reads = 0;
    while (!this.stopped) {
      const secs = (performance.now() - t0) / 1000;
      while (appends < secs * this.rates.appends) this.one('append', appends++);
      while (reads < secs * this.rates.reads) this.one('read', reads++);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.inflight > 0) await new Promise((r) => setTimeout(r, 10));
    this.agent.destroy();
    if (this.failures.length > 0)
      throw new Error(`${SECTION}: ${this.failures.length} requests failed under load, e.g. ${this.failures.slice(0, 3).join('; ')}`);
  }

  /** Sorted latencies of `kind` sent within any of the windows. */
  within(kind: Sample['kind'], windows: ReadonlyArray<readonly [number, number]>): number[] {
    return this.samples
      .filter((s) => s.kind === kind && windows.some(([a, b]) => s.at >= a && s.at < b))
      .map((s) => s.ms)
      .sort((a, b) => a - b);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- measurements -----------------------------------------------------------------------------

function best<T extends { seconds: number }>(xs: readonly T[]): T {
  return xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t) / 1000, value };
}

/** Reads every entry's bytes from the SQLite file, in seq order: the floor of any check over stored entries. */
function rawRead(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    let n = 0;
    let bytes = 0;
    for (const row of db.prepare('SELECT seq, bytes FROM ledger_entries ORDER BY seq').iterate() as IterableIterator<{ seq: number; bytes: Buffer }>) {
      n++;
      bytes += row.bytes.length;
    }
    if (bytes === 0) throw new Error('no entries read');
    return n;
  } finally {
    db.close();
  }
}

async function sqliteFigures(s: Sizes, quick: boolean, root: string): Promise<Figure[]> {
  const fx = await sqliteFixture(s);
  const out: Figure[] = [];
  const load0 = loadavg();
  const what = `${int(fx.entries)} entries, ${int(fx.runs)} runs`;
  status(`${SECTION}: copying the fixture to a scratch directory (not timed)…`);
  const home = join(root, 'live');
  await cp(fx.home, home, { recursive: true });
  const dbFile = join(home, SQLITE_FILE_NAME);
  // On disk before anything is timed: the kernel flushing the copy later would slow what is measured then.
  await fsyncFile(dbFile);
  const dbBytes = statSync(dbFile).size;
  const backups = join(root, 'backups');

  // 1. backupNow vs fs.copyFile, interleaved, on a quiet store.
  const rounds = quick ? 2 : 3;
  const copies: Array<{ seconds: number }> = [];
  const takes: Array<{ seconds: number; path: string; bytes: number }> = [];
  let kept: { path: string; size: number } | undefined;
  const ctx: LedgerContext = await openLedger(sqliteLoc(home), { write: true });
  try {
    for (let r = 0; r < rounds; r++) {
      status(`${SECTION}: plain copy ${r + 1}/${rounds}…`);
      const plain = join(root, 'plain.db');
      copies.push(await timed(() => copyFile(dbFile, plain)));
      await rm(plain);
      status(`${SECTION}: backupNow ${r + 1}/${rounds}…`);
      const t = await timed(() => backupNow({ ctx, dir: backups, actor }));
      takes.push({ seconds: t.seconds, path: t.value.path, bytes: t.value.bytes });
      if (kept) await rm(kept.path, { recursive: true });
      kept = { path: t.value.path, size: t.value.manifest.ledger.size };
    }
  } finally {
    await ctx.close();
  }
  const copy = best(copies);
  const take = best(takes);
  const copyMBs = dbBytes / MB / copy.seconds;
  const takeMBs = dbBytes / MB / take.seconds;
  out.push({
    section: SECTION,
    name: `SQLite: backupNow of a ${mbOf(dbBytes)} store (${what}), quiet`,
    value: takeMBs,
    unit: 'MB/s',
    baseline: { name: 'fs.copyFile of the same database file', value: copyMBs },
    goal: '≥ 100 MB/s',
    met: takeMBs >= 100,
    note: `(${take.seconds.toFixed(2)} s against ${copy.seconds.toFixed(2)} s, best of ${rounds}, interleaved; backupNow: VACUUM INTO in a worker, fsync, SHA-256 of the ${mbOf(take.bytes)} it wrote, manifest, rename, backup.created; all ${takes.map((t) => t.seconds.toFixed(2)).join(', ')} s, copies ${copies.map((t) => t.seconds.toFixed(2)).join(', ')} s; load ${load0})`,
  });

  // 2. restoreBackup vs the standalone verifier over an export of the same entries; then the same
  // steps one at a time (the store's own functions, as restoreBackup calls them) to show where the time goes.
  const size = kept!.size;
  status(`${SECTION}: restore + verify…`);
  const restoreLoad = loadavg();
  const whole = await timed(() => restoreBackup({ backup: kept!.path, dataDir: join(root, 'restore') }));
  await rm(join(root, 'restore'), { recursive: true });
  status(`${SECTION}: the standalone verifier over the export…`);
  const verifies: Array<{ seconds: number }> = [];
  for (let r = 0; r < 2; r++) {
    const v = await timed(async () => verifyBundleDir({ bundle: fx.export, trust: [join(fx.home, TRUST_FILE)], anchors: [], json: false }));
    if (!v.value.ok) throw new Error('the export of the fixture did not verify');
    verifies.push(v);
  }
  const stages = await restoreStages(kept!.path, join(root, 'restore-stages'));
  const restoreRate = size / whole.seconds;
  const verifyRate = fx.entries / best(verifies).seconds;
  const rate = (secs: number): string => `${int(Math.round(size / secs))} entries/s`;
  out.push(
    {
      section: SECTION,
      name: `SQLite: restore + verify of that backup (${int(size)} entries, no anchors)`,
      value: restoreRate,
      unit: 'entries/s',
      baseline: { name: 'runledger-verify over an export of the same entries', value: verifyRate },
      goal: '≥ 100,000 entries/s',
      met: restoreRate >= 100_000,
      note: `(${whole.seconds.toFixed(1)} s; ${whole.value.checks.length} checks; load ${restoreLoad})`,
    },
    {
      section: SECTION,
      name: `SQLite: restore's steps one at a time (${int(size)} entries)`,
      value: stages.total,
      unit: 's',
      note: `(informational: files' SHA-256 ${stages.files.toFixed(1)} s, copy ${stages.copy.toFixed(1)} s, the writer's full startup check ${stages.startup.toFixed(1)} s (${rate(stages.startup)}), the integrity check from the trust file ${stages.integrity.toFixed(1)} s (${rate(stages.integrity)}); reading every entry's bytes from the restored file alone ${stages.raw.toFixed(1)} s (${rate(stages.raw)}))`,
    },
  );

  // 3. A steady load on the API server, idle and while backups run: twice in the server (as a backup
  // scheduled inside it runs), once as `runledger backup now` in its own process. Each backup follows
  // an idle window of the same load, so load from elsewhere on the machine falls on both alike.
  const runIds = (() => {
    const db = new BetterSqlite3(dbFile, { readonly: true });
    try {
      return (db.prepare('SELECT id FROM runs').all() as Array<{ id: string }>).map((r) => r.id);
    } finally {
      db.close();
    }
  })();
  status(`${SECTION}: starting the API server on the store (waits for its integrity check over ${int(size)} entries)…`);
  const child = fork(THIS_FILE, ['serve', home], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage(child);
    if (ready.kind !== 'ready') throw new Error(`child sent ${ready.kind} before ready`);
    const gen = new LoadGen(ready.port, ready.token, runIds, size, { appends: s.appendsPerSec, reads: s.readsPerSec });
    const loadLoad = loadavg();
    gen.start();
    status(`${SECTION}: load warm-up ${s.warmupSecs} s…`);
    await sleep(s.warmupSecs * 1000);
    const idle: Array<[number, number]> = [];
    const inServer: Array<[number, number]> = [];
    const inServerSecs: number[] = [];
    let cliWin: [number, number] = [0, 0];
    let cliRaces = 0;
    for (const how of ['server', 'server', 'cli'] as const) {
      status(`${SECTION}: idle load ${s.idleSecs} s…`);
      const a = performance.now();
      await sleep(s.idleSecs * 1000);
      idle.push([a, performance.now()]);
      status(`${SECTION}: backup (${how === 'server' ? 'in the server' : 'runledger backup now'}) under load…`);
      const b = performance.now();
      if (how === 'server') {
        const answer = nextMessage(child);
        child.send({ kind: 'backup', dir: join(root, 'backups-under-load') } satisfies ToChild);
        const m = await answer;
        if (m.kind !== 'backup') throw new Error(`child answered ${m.kind} to backup`);
        inServer.push([b, performance.now()]);
        inServerSecs.push(m.seconds);
        await rm(m.path, { recursive: true });
      } else {
        const dir = join(root, 'backups-cli');
        // Its writer's startup check reads the latest checkpoint and the entry count in two statements;
        // a commit by the server between them fails the start (LEDGER_ROOT_MISMATCH). Counted and retried:
        // the window is the attempt that backed up.
        for (let attempt = b; ; attempt = performance.now()) {
          const r = await runCli(['backup', 'now', '--dir', dir, '--json'], { RUNLEDGER_HOME: home, RUNLEDGER_DATABASE_URL: `sqlite:${dbFile}` });
          if (r.ok) {
            cliWin = [attempt, performance.now()];
            break;
          }
          if (!r.stderr.includes('LEDGER_ROOT_MISMATCH') || ++cliRaces > 5) throw new Error(`runledger backup now failed: ${r.stderr.trim()}`);
        }
        await rm(dir, { recursive: true });
      }
      await sleep(1000);
    }
    await gen.stop();
    const loadEnd = loadavg();
    const pct = (kind: Sample['kind'], w: ReadonlyArray<readonly [number, number]>): { p99: number; p50: number; n: number } => {
      const xs = gen.within(kind, w);
      return { p99: percentile(xs, 99), p50: percentile(xs, 50), n: xs.length };
    };
    const serverHow = `backupNow in the server process, 2 backups of ${inServerSecs.map((x) => x.toFixed(1)).join(' s and ')} s`;
    const races =
      cliRaces > 0
        ? `; ${cliRaces} earlier start${cliRaces > 1 ? 's' : ''} failed LEDGER_ROOT_MISMATCH (a server commit between the startup check's two reads) and ${cliRaces > 1 ? 'were' : 'was'} retried`
        : '';
    const cliHow = `runledger backup now in its own process, ${((cliWin[1] - cliWin[0]) / 1000).toFixed(1)} s from spawn to exit${races}`;
    const rows: Array<[string, Sample['kind'], ReadonlyArray<readonly [number, number]>, string]> = [
      ['appends (POST /api/v1/ledger/notes)', 'append', inServer, serverHow],
      ['API reads (runs page, one run, one entry)', 'read', inServer, serverHow],
      ['appends (POST /api/v1/ledger/notes)', 'append', [cliWin], cliHow],
      ['API reads (runs page, one run, one entry)', 'read', [cliWin], cliHow],
    ];
    for (const [label, kind, w, how] of rows) {
      const busy = pct(kind, w);
      const quiet = pct(kind, idle);
      out.push({
        section: SECTION,
        name: `SQLite: ${label} p99 during a backup (${how})`,
        value: busy.p99,
        unit: 'ms',
        baseline: { name: `the same load idle, ${idle.length} windows of ${s.idleSecs} s, one before each backup`, value: quiet.p99 },
        goal: '< 2× idle p99',
        met: busy.p99 < 2 * quiet.p99,
        note: `(${kind === 'append' ? s.appendsPerSec : s.readsPerSec}/s open loop; p50 ${busy.p50.toFixed(2)} ms vs idle ${quiet.p50.toFixed(2)} ms; ${busy.n} samples vs ${quiet.n} idle; load ${loadLoad} → ${loadEnd})`,
      });
    }
    out.push({
      section: SECTION,
      name: `SQLite: the server's background integrity check at start (${int(size)} entries)`,
      value: size / ready.integritySeconds,
      unit: 'entries/s',
      note: `(informational: ${ready.integritySeconds.toFixed(1)} s, ${ready.integrity}; the load starts after it; fixture ${fx.cached ? 'reused from the temp directory' : `built in ${fx.buildSeconds.toFixed(0)} s`})`,
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ kind: 'stop' } satisfies ToChild);
      await exited;
    }
  }
  statusDone();
  return out;
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** restoreBackup's steps timed one by one: the files' digests, the copy, the full startup check, the integrity check. */
async function restoreStages(
  backup: string,
  target: string,
): Promise<{ files: number; copy: number; startup: number; integrity: number; total: number; raw: number }> {
  status(`${SECTION}: restore's steps one at a time…`);
  const { manifest } = await readBackupManifest(backup);
  const files = await timed(() => checkBackupFiles(backup, manifest));
  mkdirSync(target);
  const copy = await timed(() => copyFile(join(backup, SQLITE_FILE_NAME), join(target, SQLITE_FILE_NAME)));
  const store = await openStore(resolveConfig({ env: {}, home: target }), { create: false });
  try {
    const startup = await timed(() => startupCheck(store, manifest.ledger.origin, 'full'));
    const trusted = readTrustFile(join(backup, TRUST_FILE));
    const integrity = await timed(() => new IntegrityCheck(store, { trusted }).start());
    if (integrity.value.state !== 'ok') throw new Error(`the integrity check of the restored copy ended ${integrity.value.state}`);
    const raw = await timed(async () => rawRead(join(target, SQLITE_FILE_NAME)));
    return {
      files: files.seconds,
      copy: copy.seconds,
      startup: startup.seconds,
      integrity: integrity.seconds,
      total: files.seconds + copy.seconds + startup.seconds + integrity.seconds,
      raw: raw.seconds,
    };
  } finally {
    await store.close();
    await rm(target, { recursive: true });
  }
}

/** The built CLI (what an operator runs), in its own process. */
async function runCli(args: string[], env: Record<string, string>): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const bin = join(THIS_FILE, '..', '..', 'packages', 'cli', 'bin', 'runledger.js');
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.once('error', reject);
    c.once('close', (code) => resolve({ ok: code === 0, stdout, stderr }));
  });
}

// ---- PostgreSQL -------------------------------------------------------------------------------

/** A bare pg_dump of the same schemas, in the same format, without a snapshot, manifest or digests. */
function barePgDump(url: string, file: string, extra: readonly string[] = []): Promise<void> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...pgEnvOf(url) };
  const args = ['--format=custom', `--schema=${APP_SCHEMA}`, `--schema=${LEDGER_SCHEMA}`, `--file=${file}`, ...extra];
  return new Promise((resolve, reject) => {
    const c = spawn('pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited ${code}: ${err.trim()}`))));
  });
}

/**
 * PostgreSQL: backupNow (pg_dump inside the store's exported snapshot) beside a bare pg_dump, alternating
 * which goes first. The store is built fresh each run (the shared server keeps no fixture between runs),
 * so it is smaller than the SQLite one by default to keep the suite under ten minutes.
 */
async function pgFigures(s: Sizes, quick: boolean, root: string): Promise<Figure[]> {
  const entries = Number(process.env.RUNLEDGER_BENCH_BACKUPS_PG_ENTRIES ?? s.pgEntries);
  const f = pgFactory();
  await f.setup();
  try {
    const fx = await f.create();
    if (fx.config.kind !== 'postgres') throw new Error('pgFactory made a non-PostgreSQL store');
    const url = fx.config.url;
    const loc = locationOf(fx);
    const t0 = performance.now();
    await initLedger(loc, { origin: ORIGIN, actor });
    await seedRuns(loc, fx.home, s.pgRuns, `${SECTION} (PostgreSQL)`);
    statusDone();
    await topUp(loc, entries, `${SECTION} (PostgreSQL)`);
    statusDone();
    const buildSeconds = (performance.now() - t0) / 1000;
    const load0 = loadavg();
    const [row] = await fx.admin(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('${APP_SCHEMA}', '${LEDGER_SCHEMA}') AND c.relkind IN ('r', 'm')`,
    );
    const dbBytes = Number(row!.bytes);
    const ctx = await openLedger(loc, { write: true });
    const rounds = quick ? 1 : 2;
    const takes: Array<{ seconds: number; bytes: number }> = [];
    const bares: Array<{ seconds: number; bytes: number }> = [];
    let raw: { seconds: number; bytes: number } | undefined;
    try {
      const bare = async (r: number): Promise<void> => {
        status(`${SECTION}: PostgreSQL: bare pg_dump ${r + 1}/${rounds}…`);
        const file = join(root, `bare-${r}.dump`);
        // The same compression as backupNow's default, so the ratio is what the backup adds to pg_dump.
        const b = await timed(() => barePgDump(url, file, [`--compress=${DEFAULT_PG_DUMP_COMPRESS}`]));
        bares.push({ seconds: b.seconds, bytes: statSync(file).size });
        await rm(file);
      };
      const ours = async (r: number): Promise<void> => {
        status(`${SECTION}: PostgreSQL: backupNow ${r + 1}/${rounds}…`);
        const t = await timed(() => backupNow({ ctx, dir: join(root, 'pg-backups'), actor }));
        takes.push({ seconds: t.seconds, bytes: statSync(join(t.value.path, DUMP_FILE_NAME)).size });
        await rm(t.value.path, { recursive: true });
      };
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          await bare(r);
          await ours(r);
        } else {
          await ours(r);
          await bare(r);
        }
      }
      status(`${SECTION}: PostgreSQL: bare pg_dump with its default compression…`);
      const file = join(root, 'raw.dump');
      const b = await timed(() => barePgDump(url, file));
      raw = { seconds: b.seconds, bytes: statSync(file).size };
      await rm(file);
    } finally {
      await ctx.close();
    }
    statusDone();
    const take = best(takes);
    const bare = best(bares);
    const what = entries === s.entries && s.pgRuns === s.runs ? '' : ` (smaller than the SQLite store: ${int(s.pgRuns)} runs)`;
    const mbs = (secs: number): number => dbBytes / MB / secs;
    return [
      {
        section: SECTION,
        name: `PostgreSQL: backupNow (pg_dump --format=custom) of ${int(entries)} entries${what}, ${mbOf(dbBytes)} of tables and indexes, quiet`,
        value: mbs(take.seconds),
        unit: 'MB/s',
        baseline: { name: 'a bare pg_dump of the same schemas, same format and compression', value: mbs(bare.seconds) },
        goal: '≥ 100 MB/s',
        met: mbs(take.seconds) >= 100,
        note: `(${take.seconds.toFixed(2)} s against ${bare.seconds.toFixed(2)} s, best of ${rounds}, alternating which goes first; dump ${mbOf(take.bytes)} (bare ${mbOf(bare.bytes)}), --compress=${DEFAULT_PG_DUMP_COMPRESS} (backupNow's default); MB/s over the relations' size; built in ${buildSeconds.toFixed(0)} s through the engine and the writer; load ${load0} → ${loadavg()})`,
      },
      {
        section: SECTION,
        name: `PostgreSQL: bare pg_dump with its default (zlib) compression, the same ${int(entries)} entries`,
        value: mbs(raw!.seconds),
        unit: 'MB/s',
        baseline: { name: `a bare pg_dump --compress=${DEFAULT_PG_DUMP_COMPRESS}`, value: mbs(bare.seconds) },
        note: `(informational: what pg_dump's default compression costs, i.e. backup now --pg-compress 6; ${raw!.seconds.toFixed(2)} s, dump ${mbOf(raw!.bytes)}; one run)`,
      },
    ];
  } finally {
    await f.teardown();
  }
}

export async function benchBackups(quick: boolean): Promise<Figure[]> {
  const s = quick ? QUICK : FULL;
  const root = join(tmpdir(), `runledger-bench-backups-run-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  try {
    const figs = await sqliteFigures(s, quick, root);
    if (process.env.RUNLEDGER_BENCH_BACKUPS_PG !== '0') figs.push(...(await pgFigures(s, quick, root)));
    return figs;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === THIS_FILE) {
  // A server left behind by a parent that died would listen forever.
  process.on('disconnect', () => process.exit(1));
  if (process.argv[2] === 'serve') await serve(process.argv[3]!);
  else throw new Error(`backups.bench child: unknown mode ${process.argv[2]}`);
}
