// Benchmark plumbing: every figure is reported beside a baseline measured in the same run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
export interface Figure {
  /** Section, e.g. "ledger.verify". */
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Baseline measured in the same run, same unit (for ratio figures). */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** Human-readable goal and whether this run met it. */
  readonly goal?: string;
  readonly met?: boolean;
  readonly note?: string;
}

export function ratio(f: Figure): number | undefined {
  return f.baseline ? f.value / f.baseline.value : undefined;
}

export function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** Percentile of a sorted array (nearest-rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const tty = process.stderr.isTTY === true;

/** Live status on a terminal, plain lines elsewhere. */
export function status(msg: string): void {
  if (tty) process.stderr.write(`\r\u001b[K${msg}`);
  else process.stderr.write(`${msg}\n`);
}

export function statusDone(): void {
  if (tty) process.stderr.write('\r\u001b[K');
}

export function progress(label: string, done: number, total: number, t0: number): void {
  if (!tty) return;
  const w = 28;
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const f = Math.round(frac * w);
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(`\r\u001b[K${label} [${'#'.repeat(f)}${'.'.repeat(w - f)}] ${(frac * 100).toFixed(0)}% ${secs.toFixed(1)}s`);
}

let clockTicks: number | undefined;

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux): for a peer we did not start in Node. */
export function processCpuMicros(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) in parentheses: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}
