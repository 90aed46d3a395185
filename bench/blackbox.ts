// A baseline for the health probes: Debian's prometheus-blackbox-exporter 0.23 probing local HTTP targets,
// driven the way Prometheus drives it (GET /probe?module=http_2xx&target=… on a keep-alive connection),
// at a fixed rate spread evenly over time (never in bursts), with its CPU read from /proc.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@runledger/testkit';
import { processCpuMicros } from './lib.js';

export const BLACKBOX_BIN = process.env.RUNLEDGER_BENCH_BLACKBOX ?? '/usr/bin/prometheus-blackbox-exporter';
/** Linux's setpriv: the kernel kills the exporter if this process dies, even by SIGKILL. */
const SETPRIV = '/usr/bin/setpriv';

export interface Blackbox {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
  logs(): string;
}

/** blackbox_exporter on a free loopback port with one module, http_2xx (status 2xx, IPv4, 5 s timeout). */
export async function startBlackbox(): Promise<Blackbox> {
  if (!existsSync(BLACKBOX_BIN))
    throw new Error(`${BLACKBOX_BIN} does not exist: install Debian's prometheus-blackbox-exporter (bash scripts/system-deps.sh, as root)`);
  const dir = mkdtempSync(join(tmpdir(), 'runledger-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      method: GET\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', BLACKBOX_BIN, ...args]] : [BLACKBOX_BIN, args];
  const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (b: Buffer): void => {
    log = (log + b.toString('utf8')).slice(-65_536);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killAtExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killAtExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killAtExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`blackbox_exporter exited before it was ready:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`blackbox_exporter did not answer ${url}/-/healthy within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid!, stop, logs: () => log };
}

/**
 * Calls `fire(i)` `rate` times a second, evenly spread (the i-th at start + i/rate), from `startAt` until
 * `endAt` (performance.now() times); resolves when the last is fired. One timer, armed for the next due time.
 */
export function paced(rate: number, startAt: number, endAt: number, fire: (i: number) => void): Promise<number> {
  return new Promise((resolve) => {
    let i = 0;
    const gap = 1000 / rate;
    const step = (): void => {
      const now = performance.now();
      while (startAt + i * gap <= now && startAt + i * gap < endAt) fire(i++);
      const next = startAt + i * gap;
      if (next >= endAt) resolve(i);
      else setTimeout(step, Math.max(0, next - performance.now()));
    };
    setTimeout(step, Math.max(0, startAt - performance.now()));
  });
}

export interface BlackboxMeasure {
  /** Probes answered inside the measured window. */
  readonly answered: number;
  /** Answers without `probe_success 1`, or requests that failed. */
  readonly failures: number;
  /** blackbox_exporter's CPU (user + system, from /proc) over the window, µs. */
  readonly cpuMicros: number;
  readonly windowMs: number;
  /** Requests sent, warm-up included. */
  readonly fired: number;
  /** Its own probe_duration_seconds of each answer in the window, ms. */
  readonly durations: number[];
}

/** Drives blackbox_exporter at `rate` probes/s spread over `targets` for warmupMs + measureMs; measures the last measureMs. */
export async function measureBlackbox(bb: Blackbox, targets: readonly string[], rate: number, warmupMs: number, measureMs: number): Promise<BlackboxMeasure> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const t0 = performance.now() + 50;
  const from = t0 + warmupMs;
  const to = from + measureMs;
  let inWindow = 0;
  let failures = 0;
  let outstanding = 0;
  const durations: number[] = [];
  let cpu0 = 0;
  const atFrom = setTimeout(() => (cpu0 = processCpuMicros(bb.pid)), Math.max(0, from - performance.now()));
  let settleAll: () => void = () => {};
  const allSettled = new Promise<void>((r) => (settleAll = r));
  let firing = true;
  const done = (): void => {
    outstanding--;
    if (!firing && outstanding === 0) settleAll();
  };
  const fired = await paced(rate, t0, to, (i) => {
    outstanding++;
    const target = targets[i % targets.length]!;
    const req = get(`${bb.url}/probe?module=http_2xx&target=${encodeURIComponent(target)}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const now = performance.now();
        if (now >= from && now < to) {
          inWindow++;
          if (res.statusCode !== 200 || !/^probe_success 1$/m.test(body)) failures++;
          const d = /^probe_duration_seconds ([0-9.e+-]+)$/m.exec(body);
          if (d) durations.push(Number(d[1]) * 1000);
        }
        done();
      });
    });
    req.on('error', () => {
      failures++;
      done();
    });
  });
  const cpu1 = processCpuMicros(bb.pid);
  clearTimeout(atFrom);
  firing = false;
  if (outstanding > 0) await allSettled;
  agent.destroy();
  return { answered: inWindow, failures, cpuMicros: cpu1 - cpu0, windowMs: measureMs, fired, durations };
}
