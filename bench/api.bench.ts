// HTTP API under load on loopback, beside a bare node:http hello-world measured in the same run as the
// ceiling. Each server runs in a child process (this file, forked with a mode argument) and autocannon
// drives it from this one, so the load generator never competes for the server's event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options } from 'autocannon';
import { initLedger, parseOrThrow, type LedgerLocation } from '@runledger/runtime';
import { AuthEpoch, hashToken, openStore, resolveConfig, TokenStore } from '@runledger/store';
import { createApp, CredentialCache, openServerEngine } from '@runledger/server';
import { NOOP_RUNBOOK as RUNBOOK } from './fixtures.js';
import { percentile, status, statusDone, type Figure } from './lib.js';

const SECTION = 'api';
const RUNS = 1000;
/** Connections for the max-throughput runs. */
const MAX_CONNECTIONS = 32;
const RATE = 500;
/** autocannon paces each connection per second, so fewer connections means smaller bursts. */
const RATE_CONNECTIONS = 10;
const SEED_CONCURRENCY = 8;
const THIS_FILE = fileURLToPath(import.meta.url);
const HELLO = JSON.stringify({ hello: 'world' });

type Mode = 'bare' | 'api';
interface WriterStats {
  readonly commits: number;
  readonly entries: number;
  /** The server process's CPU time (user + system) and HTTP requests so far: CPU per request barely moves with load from other processes, unlike req/s. */
  readonly cpuMicros: number;
  readonly requests: number;
}
type ToParent =
  { readonly kind: 'ready'; readonly port: number; readonly token: string; readonly seedMs: number } | { readonly kind: 'stats'; readonly stats: WriterStats };
type ToChild = 'stats' | 'stop';

// ---- child side -------------------------------------------------------------------------------

function send(m: ToParent): void {
  if (!process.send) throw new Error('api.bench child started without an IPC channel');
  process.send(m);
}

async function serveBare(): Promise<void> {
  // `/bytes/N`: a JSON body of N bytes, to tell the cost of the bytes from the cost of the API.
  const sized = new Map<number, Buffer>();
  const server = createServer((req, res) => {
    const n = /^\/bytes\/(\d{1,7})$/.exec(req.url ?? '')?.[1];
    let body: Buffer | string = HELLO;
    if (n !== undefined) {
      const len = Math.max(16, Number(n));
      body = sized.get(len) ?? Buffer.from(`{"pad":"${'x'.repeat(len - 10)}"}`);
      sized.set(len, body);
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  send({ kind: 'ready', port: (server.address() as AddressInfo).port, token: '', seedMs: 0 });
  process.on('message', (m: ToChild) => {
    if (m === 'stop') server.close(() => process.exit(0));
  });
}

async function serveApi(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'runledger-bench-api-'));
  const loc: LedgerLocation = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${join(home, 'runledger.db')}` }, home };
  await initLedger(loc, { origin: 'bench.runledger.local/api', actor: { kind: 'system', id: 'bench' } });
  const server = await openServerEngine(loc, { cwd: home });
  const { engine } = server.engineContext;
  const runbook = parseOrThrow(RUNBOOK, 'bench-noop.md');

  // Real runs through the engine (events, a shell step, ledger entries), a few at a time so group commit helps.
  const t0 = performance.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (started < RUNS) {
        started++;
        const out = await engine.start({
          runbook,
          source: RUNBOOK,
          inputs: {},
          secrets: {},
          environment: 'default',
          who: { actor: { kind: 'user', id: 'bench' }, roles: ['operator'] },
        });
        if (out.model.state !== 'succeeded') throw new Error(`seed run ended ${out.model.state}: ${out.model.reason}`);
      }
    }),
  );
  const seedMs = performance.now() - t0;

  const created = await new TokenStore(server.engineContext.ledger.store).create({ name: 'bench-operator', role: 'operator', now: new Date().toISOString() });
  if (!created.ok) throw new Error(`could not create the bench token: ${created.reason}`);
  const app = await createApp({
    engineContext: server.engineContext,
    events: server.events,
    version: '0.0.0-bench',
    logger: false,
    // The default per-token bucket (burst 120, 20/s) would answer most of the load with 429.
    rateLimits: { perToken: { capacity: 1e9, refillPerSecond: 1e9 } },
  });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  let requests = 0;
  app.fastify.server.on('request', () => requests++);
  const writer = server.engineContext.ledger.writer!;
  send({ kind: 'ready', port: (app.fastify.server.address() as AddressInfo).port, token: created.token, seedMs });
  process.on('message', (m: ToChild) => {
    if (m === 'stats') {
      const cpu = process.cpuUsage();
      send({ kind: 'stats', stats: { commits: writer.stats.commits, entries: writer.stats.entries, cpuMicros: cpu.user + cpu.system, requests } });
    } else if (m === 'stop')
      void (async () => {
        await app.shutdown();
        await server.engineContext.close();
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      })();
  });
}

// ---- parent side ------------------------------------------------------------------------------

interface Child {
  readonly url: string;
  readonly token: string;
  readonly seedMs: number;
  stats(): Promise<WriterStats>;
  stop(): Promise<void>;
}

function nextMessage(c: ChildProcess): Promise<ToParent> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`api.bench child exited (code ${code}) before answering`));
    c.once('exit', onExit);
    c.once('message', (m: ToParent) => {
      c.off('exit', onExit);
      resolve(m);
    });
  });
}

async function startChild(mode: Mode): Promise<Child> {
  // fork() passes this process's execArgv on (--conditions=source --import tsx), so the child loads TS the same way.
  const c = fork(THIS_FILE, [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage(c);
  if (ready.kind !== 'ready') throw new Error(`api.bench child sent ${ready.kind} before ready`);
  return {
    url: `http://127.0.0.1:${ready.port}`,
    token: ready.token,
    seedMs: ready.seedMs,
    async stats() {
      const answer = nextMessage(c);
      c.send('stats' satisfies ToChild);
      const m = await answer;
      if (m.kind !== 'stats') throw new Error(`api.bench child answered ${m.kind} to stats`);
      return m.stats;
    },
    async stop() {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.send('stop' satisfies ToChild);
      await exited;
    },
  };
}

interface Load {
  /** Mean of autocannon's per-second samples. */
  readonly rps: number;
  /** Fractional ms from every response (autocannon's own histogram keeps whole ms only). */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** One autocannon run after a warm-up; throws unless every response was 2xx. */
async function load(label: string, secs: number, opts: Options): Promise<Load> {
  status(`${SECTION}: ${label}, ${secs} s…`);
  const lat: number[] = [];
  const inst = autocannon({ duration: secs, warmup: { duration: 1 }, ...opts });
  inst.on('response', (_client, _status, _bytes, ms) => lat.push(ms));
  const r = await inst;
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0 || r.mismatches > 0 || r['2xx'] === 0) {
    throw new Error(
      `${SECTION}: ${label}: ${r['2xx']} 2xx, ${r.non2xx} other statuses ${JSON.stringify(r.statusCodeStats)}, ${r.errors} errors (${r.timeouts} timeouts): not a measurement of the API`,
    );
  }
  lat.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) };
}

const ms = (n: number): string => `${n.toFixed(2)} ms`;
const latencies = (l: Load): string => `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`;

/** Fetches once before loading a route: the right status and shape, and the body size for the note. */
async function probe(url: string, headers: Record<string, string>, expectRuns?: number): Promise<number> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${SECTION}: GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  if (expectRuns !== undefined) {
    const n = (JSON.parse(text) as { runs: unknown[] }).runs.length;
    if (n !== expectRuns) throw new Error(`${SECTION}: GET ${url} listed ${n} runs, expected ${expectRuns}`);
  }
  return Buffer.byteLength(text);
}

const size = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);

/**
 * What checking a bearer token costs per request: the server's cache (one hash, one read of the
 * revocation counter) against the lookup it replaces (one indexed read through Kysely), alternated
 * in one process so both see the same machine. Best of the rounds for each.
 */
async function credentialCheck(quick: boolean): Promise<Figure> {
  status(`${SECTION}: checking a token, cached vs looked up…`);
  const home = mkdtempSync(join(tmpdir(), 'runledger-bench-auth-'));
  const store = await openStore(resolveConfig({ env: { RUNLEDGER_HOME: home } }));
  try {
    const tokens = new TokenStore(store);
    for (let i = 0; i < 100; i++) await tokens.create({ name: `bench-${i}`, role: 'viewer', now: new Date().toISOString() });
    const made = await tokens.create({ name: 'bench-auth', role: 'operator', now: new Date().toISOString() });
    if (!made.ok) throw new Error('could not create the bench token');
    const cache = new CredentialCache(tokens, new AuthEpoch(store));
    const n = quick ? 2000 : 20_000;
    const perCall = async (fn: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      return ((performance.now() - t0) * 1000) / n;
    };
    let cached = Infinity;
    let lookedUp = Infinity;
    for (let round = 0; round < 5; round++) {
      lookedUp = Math.min(lookedUp, await perCall(() => tokens.verify(made.token)));
      cached = Math.min(cached, await perCall(() => cache.token(hashToken(made.token))));
    }
    return {
      section: SECTION,
      name: 'checking a bearer token: cached, revocation counter read per request (SQLite)',
      value: cached,
      unit: 'µs',
      baseline: { name: 'TokenStore.verify, one indexed read per request', value: lookedUp },
      note: `(informational; best of 5 rounds of ${n.toLocaleString('en-US')})`,
    };
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export async function benchApi(quick: boolean): Promise<Figure[]> {
  const secs = quick ? 2 : 10;
  const max = { connections: MAX_CONNECTIONS };
  const paced = { connections: RATE_CONNECTIONS, overallRate: RATE };
  const authFigure = await credentialCheck(quick);

  status(`${SECTION}: starting the bare node:http server…`);
  const bare = await startChild('bare');
  let ceiling: Load;
  let bareAtRate: Load;
  try {
    ceiling = await load(`bare node:http hello-world, ${MAX_CONNECTIONS} connections`, secs, { url: bare.url, ...max });
    bareAtRate = await load(`bare node:http hello-world at ${RATE} req/s`, secs, { url: bare.url, ...paced });
  } catch (e) {
    await bare.stop();
    throw e;
  }

  status(`${SECTION}: starting the API server, seeding ${RUNS} runs through the engine…`);
  const api = await startChild('api');
  const figs: Figure[] = [
    {
      section: SECTION,
      name: `bare node:http hello-world (the ceiling), ${MAX_CONNECTIONS} connections`,
      value: ceiling.rps,
      unit: 'req/s',
      note: `(${latencies(ceiling)})`,
    },
    authFigure,
  ];
  try {
    const auth = { authorization: `Bearer ${api.token}` };
    const runsUrl = `${api.url}/api/v1/runs`;
    const pageBytes = await probe(runsUrl, auth, 50);
    const bigBytes = await probe(`${runsUrl}?limit=500`, auth, 500);
    const readyBytes = await probe(`${api.url}/ready`, {});
    const unlimited = 'per-token rate limit lifted for the load';
    const vsCeiling = { name: `bare node:http hello-world, ${MAX_CONNECTIONS} connections`, value: ceiling.rps };

    // The same number of bytes from the bare server: what the body alone costs on this machine.
    const bareSized = await load(`bare node:http, a ${size(pageBytes)} body, ${MAX_CONNECTIONS} connections`, secs, {
      url: `${bare.url}/bytes/${pageBytes}`,
      ...max,
    });
    figs.push({
      section: SECTION,
      name: `bare node:http serving a ${size(pageBytes)} body (the runs page's size), ${MAX_CONNECTIONS} connections`,
      value: bareSized.rps,
      unit: 'req/s',
      baseline: vsCeiling,
      note: `(informational: the ceiling for a body this size; ${latencies(bareSized)})`,
    });
    const cpuBefore = await api.stats();
    const page = await load(`GET /api/v1/runs (default page), ${MAX_CONNECTIONS} connections`, secs, { url: runsUrl, headers: auth, ...max });
    const cpuAfter = await api.stats();
    const cpuPerRequest = (cpuAfter.cpuMicros - cpuBefore.cpuMicros) / Math.max(1, cpuAfter.requests - cpuBefore.requests);
    figs.push({
      section: SECTION,
      name: `GET /api/v1/runs, default page (50 of ${RUNS.toLocaleString('en-US')} runs), ${MAX_CONNECTIONS} connections`,
      value: page.rps,
      unit: 'req/s',
      baseline: vsCeiling,
      goal: '≥ 0.3× bare node:http',
      met: page.rps / ceiling.rps >= 0.3,
      note: `(${latencies(page)}; ${size(pageBytes)} body; ${(page.rps / bareSized.rps).toFixed(2)}× bare node:http serving the same size; server CPU ${cpuPerRequest.toFixed(1)} µs per request; ${unlimited}; seeding took ${(api.seedMs / 1000).toFixed(1)} s)`,
    });

    figs.push({
      section: SECTION,
      name: `server CPU per GET /api/v1/runs (default page), ${MAX_CONNECTIONS} connections`,
      value: cpuPerRequest,
      unit: 'µs',
      note: '(informational: user + system time of the server process over the load above; unlike req/s it barely moves with load from other processes)',
    });

    const big = await load(`GET /api/v1/runs?limit=500, ${MAX_CONNECTIONS} connections`, secs, { url: `${runsUrl}?limit=500`, headers: auth, ...max });
    figs.push({
      section: SECTION,
      name: `GET /api/v1/runs?limit=500 (500 of ${RUNS.toLocaleString('en-US')} runs), ${MAX_CONNECTIONS} connections`,
      value: big.rps,
      unit: 'req/s',
      baseline: vsCeiling,
      note: `(informational: ${size(bigBytes)} body against the ceiling's ${size(Buffer.byteLength(HELLO))}; ${latencies(big)}; ${unlimited})`,
    });

    const atRate = await load(`GET /api/v1/runs (default page) at ${RATE} req/s`, secs, { url: runsUrl, headers: auth, ...paced });
    const rateNote = `(${atRate.rps.toFixed(0)} req/s achieved over ${RATE_CONNECTIONS} connections; autocannon sends each connection's share of a second back to back, so this is bursts of ${RATE_CONNECTIONS} concurrent requests, harsher than a smooth ${RATE} req/s; ${unlimited})`;
    const sustained = atRate.rps >= RATE * 0.95;
    const atRateName = `bare node:http at ${RATE} req/s`;
    figs.push(
      {
        section: SECTION,
        name: `GET /api/v1/runs at ${RATE} req/s: p50`,
        value: atRate.p50,
        unit: 'ms',
        baseline: { name: atRateName, value: bareAtRate.p50 },
      },
      {
        section: SECTION,
        name: `GET /api/v1/runs at ${RATE} req/s: p95`,
        value: atRate.p95,
        unit: 'ms',
        baseline: { name: atRateName, value: bareAtRate.p95 },
        goal: `p95 ≤ 250 ms at ${RATE} req/s (the seeds' SLO)`,
        met: sustained && atRate.p95 <= 250,
      },
      {
        section: SECTION,
        name: `GET /api/v1/runs at ${RATE} req/s: p99`,
        value: atRate.p99,
        unit: 'ms',
        baseline: { name: atRateName, value: bareAtRate.p99 },
        goal: `p99 < 25 ms at ${RATE} req/s`,
        met: sustained && atRate.p99 < 25,
        note: rateNote,
      },
    );

    const ready = await load(`GET /ready, ${MAX_CONNECTIONS} connections`, secs, { url: `${api.url}/ready`, ...max });
    figs.push({
      section: SECTION,
      name: `GET /ready (database, migrations, ledger root re-derived, worker), ${MAX_CONNECTIONS} connections`,
      value: ready.rps,
      unit: 'req/s',
      baseline: vsCeiling,
      note: `(informational; ${latencies(ready)}; ${size(readyBytes)} body)`,
    });

    // Last: it grows the ledger, which the runs and /ready figures should not see.
    const before = await api.stats();
    const notes = await load(`POST /api/v1/ledger/notes, ${MAX_CONNECTIONS} connections`, secs, {
      url: `${api.url}/api/v1/ledger/notes`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'bench: disk usage on db-1 back under 70% after log rotation' }),
      ...max,
    });
    const after = await api.stats();
    const perCommit = (after.entries - before.entries) / Math.max(1, after.commits - before.commits);
    figs.push({
      section: SECTION,
      name: `POST /api/v1/ledger/notes (one durable ledger entry each), ${MAX_CONNECTIONS} connections`,
      value: notes.rps,
      unit: 'req/s',
      baseline: vsCeiling,
      note: `(informational, write-bound: ${perCommit.toFixed(1)} entries per group commit, each commit fsynced with a signed checkpoint; ${latencies(notes)}; ${unlimited})`,
    });
  } finally {
    await api.stop();
    await bare.stop();
  }
  statusDone();
  return figs;
}

if (process.argv[1] === THIS_FILE) {
  // A server left behind by a parent that died would listen forever.
  process.on('disconnect', () => process.exit(1));
  const mode = process.argv[2];
  if (mode === 'bare') await serveBare();
  else if (mode === 'api') await serveApi();
  else throw new Error(`api.bench child: unknown mode ${mode}`);
}
