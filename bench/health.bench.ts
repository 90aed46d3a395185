// Continuous health (issue: Service catalog, continuous health, SLOs):
// - health.probes: HTTP checks per second and CPU per check of the CheckScheduler running runProbe, beside
//   Debian's blackbox_exporter 0.23 probing the same local targets at the same rate in the same run (and a
//   bare `http.get` with a fresh connection, the floor), plus the scheduler's start lateness beside the same
//   scheduler running no-op checks. Targets and each prober run in their own child process, so every CPU
//   figure is one process's own (process.cpuUsage for ours, /proc for blackbox_exporter).
// - health.slo: 30-day availability and latency SLOs of 100 checks (one sample every 30 s: 86,400 each)
//   from the store's hourly rollups plus raw edges, beside the same SLOs from every raw sample in the
//   store, in the same run; the two must agree exactly (times and counts) or the bench throws.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import {
  answerWindow,
  buildRollups,
  defaultMaxGap,
  evaluateSlo,
  LATENCY_RELATIVE_ERROR,
  planWindow,
  rawWindow,
  windowFromRollups,
  type Rollup,
  type Sample,
  type SloDefinition,
  type SloResult,
  type WindowSource,
  type WindowStats,
} from '@runledger/core';
import { CheckScheduler, runProbe, type CheckJob } from '@runledger/runtime';
import { HealthStore, openStore, resolveConfig, type StoredSample } from '@runledger/store';
import { measureBlackbox, paced, startBlackbox } from './blackbox.js';
import { percentile, progress, status, statusDone, type Figure } from './lib.js';

const THIS_FILE = fileURLToPath(import.meta.url);

// ---- health.probes ----------------------------------------------------------------------------------

const SECTION_PROBES = 'health.probes';
const TARGETS = 8;
const INTERVAL_MS = 10_000;

type ProberMode = 'runledger' | 'noop' | 'bare';

interface ProberConfig {
  readonly mode: ProberMode;
  readonly targets: readonly string[];
  readonly jobs: number;
  readonly intervalMs: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

interface ProberResult {
  /** Checks finished inside the measured window. */
  readonly checks: number;
  readonly failures: number;
  readonly reasons: Record<string, number>;
  /** process.cpuUsage (user + system, all threads) over the measured window, µs. */
  readonly cpuMicros: number;
  readonly wallMs: number;
  /** Start lateness of each start inside the window (scheduler modes), ms. */
  readonly lateness: number[];
  /** Probe durations (runProbe's durationMs; the bare mode's own timing), ms. */
  readonly durations: number[];
  readonly overruns: number;
}

type ToParent = { kind: 'ready'; ports: number[] } | { kind: 'cpu'; micros: number } | { kind: 'result'; result: ProberResult };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Child: TARGETS node:http servers answering 200 "ok" (connections close after each answer, as probes ask). */
async function serveTargets(): Promise<void> {
  const servers: Server[] = await Promise.all(
    Array.from(
      { length: TARGETS },
      () =>
        new Promise<Server>((resolve) => {
          const s = createServer((_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
            res.end('ok');
          });
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const send = (m: ToParent): void => void process.send!(m);
  send({ kind: 'ready', ports: servers.map((s) => (s.address() as AddressInfo).port) });
  process.on('message', (m: string) => {
    if (m === 'cpu') send({ kind: 'cpu', micros: cpuNow() });
    else if (m === 'stop') process.exit(0);
  });
}

/** Child: one prober at cfg.jobs / cfg.intervalMs checks a second, measured over cfg.measureMs after cfg.warmupMs. */
async function runProber(cfg: ProberConfig): Promise<ProberResult> {
  let measuring = false;
  let checks = 0;
  let failures = 0;
  let overruns = 0;
  const reasons: Record<string, number> = {};
  const lateness: number[] = [];
  const durations: number[] = [];
  const finished = (ok: boolean, reason: string, ms: number): void => {
    if (!measuring) return;
    checks++;
    durations.push(ms);
    if (!ok) {
      failures++;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
  };
  let stopLoad: () => Promise<void>;
  if (cfg.mode === 'bare') {
    // The floor: http.get with a fresh connection (agent: false), reading the body, nothing else.
    const rate = (cfg.jobs / cfg.intervalMs) * 1000;
    const t0 = performance.now();
    const loop = paced(rate, t0, t0 + cfg.warmupMs + cfg.measureMs + 2000, (i) => {
      const started = performance.now();
      const req = get(cfg.targets[i % cfg.targets.length]!, { agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          finished(res.statusCode === 200 && Buffer.concat(parts).toString() === 'ok', `status ${res.statusCode}`, performance.now() - started),
        );
      });
      req.on('error', (e) => finished(false, e.message, performance.now() - started));
    });
    stopLoad = async () => {
      await loop;
    };
  } else {
    const scheduler = new CheckScheduler({
      maxConcurrent: 512,
      maxPerHost: 128,
      onStart: (ev) => {
        if (measuring) lateness.push(ev.latenessMs);
      },
      onOverrun: (ev) => {
        if (measuring) overruns += ev.count;
      },
      onError: (id, err) => {
        if (measuring) finished(false, `${id}: ${String(err)}`, 0);
      },
    });
    const jobs: CheckJob[] = Array.from({ length: cfg.jobs }, (_, i) => {
      const url = cfg.targets[i % cfg.targets.length]!;
      const run =
        cfg.mode === 'runledger'
          ? async (signal: AbortSignal): Promise<void> => {
              const r = await runProbe({ kind: 'http', url, timeoutMs: 5000 }, { signal });
              finished(r.ok, r.reason, r.durationMs);
            }
          : (): Promise<void> => {
              finished(true, 'ok', 0);
              return Promise.resolve();
            };
      return { id: `check-${i}`, intervalMs: cfg.intervalMs, timeoutMs: 5000, hostKey: new URL(url).host, run };
    });
    scheduler.set(jobs);
    scheduler.start();
    stopLoad = async () => {
      await scheduler.stop({ waitMs: 6000 });
    };
  }
  await sleep(cfg.warmupMs);
  const cpu0 = cpuNow();
  const t0 = performance.now();
  measuring = true;
  await sleep(cfg.measureMs);
  measuring = false;
  const cpu = cpuNow() - cpu0;
  const wallMs = performance.now() - t0;
  await stopLoad();
  return { checks, failures, reasons, cpuMicros: cpu, wallMs, lateness, durations, overruns };
}

/** Rounds of one prober (or of blackbox_exporter) added up: counts, CPU and time summed, distributions pooled. */
interface Totals {
  readonly count: number;
  readonly failures: number;
  readonly reasons: Record<string, number>;
  readonly cpuMicros: number;
  readonly wallMs: number;
  readonly overruns: number;
  readonly lateness: Dist;
  readonly durations: Dist;
}

interface Dist {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function dist(xs: number[]): Dist {
  xs.sort((a, b) => a - b);
  return { n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: xs[xs.length - 1] ?? NaN };
}

function totals(rounds: readonly ProberResult[]): Totals {
  const reasons: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
  const sum = (f: (r: ProberResult) => number): number => rounds.reduce((t, r) => t + f(r), 0);
  return {
    count: sum((r) => r.checks),
    failures: sum((r) => r.failures),
    reasons,
    cpuMicros: sum((r) => r.cpuMicros),
    wallMs: sum((r) => r.wallMs),
    overruns: sum((r) => r.overruns),
    lateness: dist(rounds.flatMap((r) => r.lateness)),
    durations: dist(rounds.flatMap((r) => r.durations)),
  };
}

function nextMessage(c: ChildProcess, what: string): Promise<ToParent> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`health.bench ${what} child exited (${code})`));
    c.once('exit', onExit);
    c.once('message', (m: ToParent) => {
      c.off('exit', onExit);
      resolve(m);
    });
  });
}

async function prober(cfg: ProberConfig): Promise<ProberResult> {
  const c = fork(THIS_FILE, ['prober', JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const m = await nextMessage(c, cfg.mode);
    if (m.kind !== 'result') throw new Error(`health.bench ${cfg.mode} prober sent ${m.kind}`);
    return m.result;
  } finally {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  }
}

export async function benchHealthProbes(quick: boolean): Promise<Figure[]> {
  const jobs = quick ? 1_000 : 5_000;
  const warmupMs = quick ? 2_000 : 5_000;
  const rounds = quick ? 1 : 2;
  const measureMs = quick ? 5_000 : 10_000;
  const rate = (jobs / INTERVAL_MS) * 1000;
  const load0 = loadavg()[0]!.toFixed(2);
  const tc = fork(THIS_FILE, ['targets'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const bb = await startBlackbox().catch(async (e: unknown) => {
    tc.kill('SIGTERM');
    throw e;
  });
  try {
    const ready = await nextMessage(tc, 'targets');
    if (ready.kind !== 'ready') throw new Error('health.bench targets did not start');
    const targets = ready.ports.map((p) => `http://127.0.0.1:${p}/health`);
    const targetCpu = async (): Promise<number> => {
      const m = nextMessage(tc, 'targets');
      tc.send('cpu');
      const r = await m;
      if (r.kind !== 'cpu') throw new Error('health.bench targets did not report their CPU');
      return r.micros;
    };
    // Rounds interleave the four measurements, so a change in the machine's other load falls on all of them.
    const each = `${(warmupMs / 1000).toFixed(0)} s warm-up + ${(measureMs / 1000).toFixed(0)} s`;
    const cfg = { targets, jobs, intervalMs: INTERVAL_MS, warmupMs, measureMs };
    const bbRounds: ProberResult[] = [];
    const runs: Record<ProberMode, ProberResult[]> = { runledger: [], bare: [], noop: [] };
    let targetsCpuBb = 0;
    let bbFired = 0;
    for (let round = 1; round <= rounds; round++) {
      status(`round ${round}/${rounds}: blackbox_exporter, ${rate} probes/s over ${TARGETS} targets, ${each}…`);
      const tcpu0 = await targetCpu();
      const m = await measureBlackbox(bb, targets, rate, warmupMs, measureMs);
      targetsCpuBb += (await targetCpu()) - tcpu0;
      bbFired += m.fired;
      bbRounds.push({
        checks: m.answered,
        failures: m.failures,
        reasons: {},
        cpuMicros: m.cpuMicros,
        wallMs: m.windowMs,
        lateness: [],
        durations: m.durations,
        overruns: 0,
      });
      for (const mode of ['runledger', 'bare', 'noop'] as const) {
        status(`round ${round}/${rounds}: ${mode}, ${rate} checks/s, ${each}…`);
        runs[mode].push(await prober({ ...cfg, mode }));
      }
    }
    statusDone();
    const b = totals(bbRounds);
    const r = totals(runs.runledger);
    const bare = totals(runs.bare);
    const noop = totals(runs.noop);
    if (b.failures > 0) throw new Error(`blackbox_exporter: ${b.failures} failed probes: not a measurement\n${bb.logs()}`);
    for (const [name, x] of [
      ['runledger', r],
      ['bare http.get', bare],
    ] as const)
      if (x.failures > 0) throw new Error(`${name}: ${x.failures} failed checks ${JSON.stringify(x.reasons)}: not a measurement`);

    const perSec = (x: Totals): number => (x.count / x.wallMs) * 1000;
    const cpuPer = (x: Totals): number => x.cpuMicros / Math.max(1, x.count);
    const ours = cpuPer(r);
    const bbCpu = cpuPer(b);
    const p99 = r.lateness.p99;
    return [
      {
        section: SECTION_PROBES,
        name: `HTTP checks/s: CheckScheduler + runProbe, ${jobs.toLocaleString('en-US')} checks every ${INTERVAL_MS / 1000} s over ${TARGETS} local targets`,
        value: perSec(r),
        unit: 'checks/s',
        baseline: { name: `blackbox_exporter 0.23 /probe driven at the same ${rate}/s, same targets`, value: perSec(b) },
        goal: `≥ ${rate}/s (${(jobs * 1).toLocaleString('en-US')} per ${INTERVAL_MS / 1000} s), 0 failures`,
        met: perSec(r) >= rate * 0.98 && r.failures === 0,
        note: `(${r.count} checks in ${(r.wallMs / 1000).toFixed(1)} s measured, ${r.failures} failed, ${r.overruns} ticks skipped; probe p50 ${r.durations.p50.toFixed(2)} ms, p99 ${r.durations.p99.toFixed(2)} ms; blackbox_exporter: ${b.count} probes, its probe_duration p50 ${b.durations.p50.toFixed(2)} ms, p99 ${b.durations.p99.toFixed(2)} ms)`,
      },
      {
        section: SECTION_PROBES,
        name: 'CPU per HTTP check: CheckScheduler + runProbe (fresh connection, phases, reasons), its own process',
        value: ours,
        unit: 'µs',
        baseline: { name: 'blackbox_exporter 0.23 CPU per /probe answered, from /proc, same rate and targets', value: bbCpu },
        goal: '≤ 0.6× blackbox_exporter',
        met: ours <= 0.6 * bbCpu,
        note: `(${(r.cpuMicros / r.wallMs / 10).toFixed(1)} % of a core at ${Math.round(perSec(r))} checks/s; blackbox_exporter ${(b.cpuMicros / b.wallMs / 10).toFixed(1)} % at ${Math.round(perSec(b))}/s; the targets' process: ${Math.round(targetsCpuBb / Math.max(1, bbFired))} µs per blackbox probe)`,
      },
      {
        section: SECTION_PROBES,
        name: 'CPU per HTTP check: bare http.get (agent: false), the floor, same rate and targets',
        value: cpuPer(bare),
        unit: 'µs',
        baseline: { name: 'blackbox_exporter 0.23 CPU per /probe answered', value: bbCpu },
        note: `(${bare.count} gets in ${(bare.wallMs / 1000).toFixed(1)} s measured, ${bare.failures} failed; runProbe + scheduler = ${(ours / cpuPer(bare)).toFixed(2)}× this floor)`,
      },
      {
        section: SECTION_PROBES,
        name: `scheduler start lateness p99 at ${Math.round(perSec(r))} HTTP checks/s`,
        value: p99,
        unit: 'ms',
        baseline: {
          name: `the same scheduler's p99 running ${jobs.toLocaleString('en-US')} no-op checks every ${INTERVAL_MS / 1000} s`,
          value: Math.max(1, noop.lateness.p99),
        },
        goal: '< 50 ms',
        met: p99 < 50,
        note: `(p50 ${r.lateness.p50} ms, max ${r.lateness.max} ms over ${r.lateness.n} starts; no-op: p50 ${noop.lateness.p50} ms, p99 ${noop.lateness.p99} ms, max ${noop.lateness.max} ms; 1 ms clock; machine load average ${load0} at the start, ${loadavg()[0]!.toFixed(2)} at the end: other work shares these 2 cores)`,
      },
    ];
  } finally {
    await bb.stop();
    if (tc.exitCode === null && tc.signalCode === null) {
      const gone = new Promise((r) => tc.once('exit', r));
      tc.send('stop');
      await gone;
    }
  }
}

// ---- health.slo -------------------------------------------------------------------------------------

const SECTION_SLO = 'health.slo';
const DAY = 86_400_000;
const PROBE_MS = 30_000;
const MAX_GAP = defaultMaxGap(PROBE_MS);
const LATENCY_MS = 250;
const THRESHOLDS = [LATENCY_MS];
/** Not on an hour, so both edges of the 30-day window come from raw samples. */
const NOW = Date.UTC(2026, 11, 7, 12, 34, 56, 789);
const FROM = NOW - 30 * DAY;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 30 days of one check's probes, every 30 s (± 1 s, never reordered), from a few minutes before the window:
 * short failure bursts (1–25 probes), a rarer long outage (1–3 h), probes that could not decide (unknown),
 * stretches where the prober was away (gaps over the max gap), and latencies (whole ms, as the store keeps
 * them) with a long tail. Each check has its own health: some are flaky, some slow.
 */
function history(check: number): StoredSample[] {
  const rnd = prng(0x5eed + check * 7919);
  const flaky = 0.00002 + rnd() * 0.0002;
  const slow = rnd() < 0.2 ? 3 : 1;
  const out: StoredSample[] = [];
  let downLeft = 0;
  for (let k = -10, t = FROM - 10 * PROBE_MS; t < NOW - 5_000; k++, t = FROM + k * PROBE_MS) {
    const at = t + Math.floor((rnd() - 0.5) * 2_000);
    const r = rnd();
    if (r < 0.00005) {
      k += 3 + Math.floor(rnd() * 60); // the prober was away
      continue;
    }
    if (downLeft === 0 && r < flaky) downLeft = 1 + Math.floor(rnd() * 25);
    else if (downLeft === 0 && r < flaky + 0.000005) downLeft = 120 + Math.floor(rnd() * 240);
    if (downLeft > 0) {
      downLeft--;
      out.push({ at, state: 'down', latencyMs: 5000, reason: rnd() < 0.7 ? 'timeout' : 'connect_refused' });
    } else if (r > 0.9995) out.push({ at, state: 'unknown', reason: 'error' });
    else {
      const tail = rnd() < 0.02 * slow ? 150 + rnd() * 1500 : 0;
      out.push({ at, state: 'up', latencyMs: Math.round((4 + 25 * slow * -Math.log(1 - rnd()) + tail) * slow) });
    }
  }
  return out;
}

const SLOS: readonly SloDefinition[] = [
  { name: 'availability', service: 'bench', kind: 'availability', objective: 0.999, windowMs: 30 * DAY },
  { name: 'latency', service: 'bench', kind: 'latency', objective: 0.95, windowMs: 30 * DAY, latency: { thresholdMs: LATENCY_MS, percentile: 95 } },
];

/** Throws unless the two windows agree exactly on every time and count, and their SLOs on good/bad/valid. */
function assertSame(check: number, a: WindowStats, b: WindowStats, ra: readonly SloResult[], rb: readonly SloResult[]): void {
  const fields = ['from', 'to', 'upMs', 'downMs', 'unknownMs', 'samples', 'failures', 'unknownSamples', 'latencySamples'] as const;
  for (const f of fields) if (a[f] !== b[f]) throw new Error(`check ${check}: ${f} ${a[f]} from rollups, ${b[f]} from raw samples`);
  if (JSON.stringify(a.latencyCounts) !== JSON.stringify(b.latencyCounts))
    throw new Error(`check ${check}: latency counts ${JSON.stringify(a.latencyCounts)} from rollups, ${JSON.stringify(b.latencyCounts)} from raw`);
  ra.forEach((x, i) => {
    const y = rb[i]!;
    if (x.good !== y.good || x.bad !== y.bad || x.valid !== y.valid || x.sli !== y.sli || x.met !== y.met)
      throw new Error(`check ${check}: SLO ${x.slo}: ${x.good}/${x.valid} from rollups, ${y.good}/${y.valid} from raw samples`);
    if (x.latencyMs !== null && y.latencyMs !== null && Math.abs(x.latencyMs - y.latencyMs) > y.latencyMs * LATENCY_RELATIVE_ERROR + 1e-9)
      throw new Error(`check ${check}: p95 ${x.latencyMs} ms from the histogram, ${y.latencyMs} ms exact: beyond the documented error`);
  });
}

const evaluate = (s: WindowStats): SloResult[] => SLOS.map((slo) => evaluateSlo(slo, s));

/** A synchronous in-memory source of one check (what answerWindow reads). */
function memorySource(samples: readonly Sample[], rollups: readonly Rollup[]): WindowSource {
  const lowerBound = (t: number): number => {
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (samples[mid]!.at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    frontier: samples[samples.length - 1]?.at,
    rollups: (a, b) => rollups.filter((r) => r.hourStart >= a && r.hourStart < b),
    samples: (from, to) => samples.slice(lowerBound(from), lowerBound(to)),
  };
}

export async function benchHealthSlo(quick: boolean): Promise<Figure[]> {
  const checks = quick ? 10 : 100;
  const load0 = loadavg()[0]!.toFixed(2);
  const home = mkdtempSync(join(tmpdir(), 'runledger-bench-slo-'));
  const store = await openStore(resolveConfig({ env: { RUNLEDGER_HOME: home } }));
  try {
    const hs = new HealthStore(store);
    const ids = Array.from({ length: checks }, (_, i) => `check-${String(i).padStart(3, '0')}`);
    const nos = [...(await hs.register(ids, new Date(NOW).toISOString(), {})).values()].map((c) => c.no);
    const pages = async (): Promise<number> => {
      const c = await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db);
      return Number(c.rows[0]!.page_count);
    };
    const pageSize = Number((await sql<{ page_size: number }>`PRAGMA page_size`.execute(store.db)).rows[0]!.page_size);

    // Fill the store: every sample through HealthStore.record (20,000 a transaction), then every check's
    // rollups, with the file's pages counted between. Timed in memory meanwhile: answerWindow over the
    // in-memory rollups vs rawWindow over the samples.
    const opts = { maxGapMs: MAX_GAP, thresholds: THRESHOLDS };
    let rows = 0;
    let insertMs = 0;
    let memRollupMs = 0;
    let memRawMs = 0;
    const allRollups: (Rollup & { checkNo: number })[] = [];
    const p0 = await pages();
    const t0 = performance.now();
    for (let i = 0; i < checks; i++) {
      const samples = history(i);
      const ti = performance.now();
      for (let k = 0; k < samples.length; k += 20_000) await hs.record({ samples: samples.slice(k, k + 20_000).map((s) => ({ ...s, checkNo: nos[i]! })) });
      insertMs += performance.now() - ti;
      rows += samples.length;
      const rollups = buildRollups(samples, { check: ids[i]!, maxGapMs: MAX_GAP, thresholds: THRESHOLDS });
      for (const r of rollups) allRollups.push({ ...r, checkNo: nos[i]! });
      const tm = performance.now();
      const a = evaluate(answerWindow(FROM, NOW, memorySource(samples, rollups), opts));
      const tr = performance.now();
      const b = evaluate(rawWindow(samples, FROM, NOW, opts));
      memRawMs += performance.now() - tr;
      memRollupMs += tr - tm;
      if (a[0]!.good !== b[0]!.good || a[1]!.good !== b[1]!.good) throw new Error(`check ${i}: in-memory rollups and raw samples disagree`);
      progress(`storing ${checks} checks × 30 days of samples`, i + 1, checks, t0);
    }
    const p1 = await pages();
    for (let k = 0; k < allRollups.length; k += 5_000) await hs.record({ rollups: allRollups.slice(k, k + 5_000) });
    const p2 = await pages();
    statusDone();
    const sampleBytes = (p1 - p0) * pageSize;
    const rollupBytes = (p2 - p1) * pageSize;
    const rollupRows = allRollups.length;

    // From the store: rollups for the full hours, raw samples for the two partial-hour edges.
    status(`${checks} checks' 30-day SLOs from rollups…`);
    const fromRollups: { s: WindowStats; r: SloResult[] }[] = [];
    const tr0 = performance.now();
    for (const no of nos) {
      const frontier = (await hs.lastSample(no))?.at;
      const plan = planWindow(FROM, NOW, { maxGapMs: MAX_GAP, frontier });
      const rollups = await hs.rollups([no], plan.hoursFrom, plan.hoursTo);
      const edges = await Promise.all(plan.edges.map((e) => hs.samples(no, e.fetchFrom, e.to)));
      const s = windowFromRollups(plan, rollups, edges, opts);
      fromRollups.push({ s, r: evaluate(s) });
    }
    const rollupMs = performance.now() - tr0;
    status(`${checks} checks' 30-day SLOs from raw samples…`);
    const fromRaw: { s: WindowStats; r: SloResult[] }[] = [];
    const tw0 = performance.now();
    for (const no of nos) {
      const s = rawWindow(await hs.samples(no, FROM - MAX_GAP, NOW), FROM, NOW, opts);
      fromRaw.push({ s, r: evaluate(s) });
    }
    const rawMs = performance.now() - tw0;
    statusDone();
    fromRollups.forEach((x, i) => assertSame(i, x.s, fromRaw[i]!.s, x.r, fromRaw[i]!.r));
    const met = fromRollups.filter((x) => x.r[0]!.met).length;
    const latMet = fromRollups.filter((x) => x.r[1]!.met).length;

    return [
      {
        section: SECTION_SLO,
        name: `${checks} checks' 30-day availability + p95 latency SLOs from the store's hourly rollups (+ raw edges), SQLite`,
        value: rollupMs,
        unit: 'ms',
        baseline: { name: `the same SLOs from every raw sample in the store, ${rows.toLocaleString('en-US')} samples`, value: rawMs },
        goal: `< 1,000 ms for ${checks} checks; equal to the raw result`,
        met: rollupMs < 1000,
        note: `(exact: times, counts and SLIs equal for all ${checks} checks, p95 within ${(LATENCY_RELATIVE_ERROR * 100).toFixed(2)} %; ${rollupRows.toLocaleString('en-US')} rollup rows; availability 99.9 % met by ${met}, p95 ≤ ${LATENCY_MS} ms by ${latMet}; machine load average ${load0} at the start, ${loadavg()[0]!.toFixed(2)} at the end)`,
      },
      {
        section: SECTION_SLO,
        name: `the same SLOs from in-memory rollups (answerWindow, no store reads), ${checks} checks`,
        value: memRollupMs,
        unit: 'ms',
        baseline: { name: 'rawWindow over the same in-memory samples', value: memRawMs },
      },
      {
        section: SECTION_SLO,
        name: 'health_samples bytes per sample (SQLite WITHOUT ROWID, reason text on failures)',
        value: sampleBytes / rows,
        unit: 'B',
        note: `(${(sampleBytes / 1e6).toFixed(1)} MB for ${rows.toLocaleString('en-US')} samples by PRAGMA page_count, inserted through HealthStore.record at ${Math.round((rows / insertMs) * 1000).toLocaleString('en-US')} samples/s; rollups ${Math.round(rollupBytes / rollupRows)} B/row, ${(rollupBytes / 1e6).toFixed(1)} MB)`,
      },
    ];
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

// ---- child entry points -----------------------------------------------------------------------------

if (process.argv[1] === THIS_FILE) {
  process.on('disconnect', () => process.exit(1));
  if (process.argv[2] === 'targets') await serveTargets();
  else if (process.argv[2] === 'prober') {
    const result = await runProber(JSON.parse(process.argv[3]!) as ProberConfig);
    process.send!({ kind: 'result', result } satisfies ToParent, () => process.exit(0));
  }
}
