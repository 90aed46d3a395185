// The operations layer's figures (issue: Alerts, incidents, on-call and notifications):
// - timers: 10,000 pending acknowledgement deadlines on the embedded store, fired by the server's timer
//   loop; p99 lateness beside Node's own setTimeout lateness for the same due times, and the process's
//   CPU while the 10,000 wait, beside the same process idle without the loop.
// - deliveries: signed webhook deliveries per second to a local sink, each with its delivery record and
//   ledger entry, beside bare signed POSTs to the same sink at the same concurrency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initLedger, OperationsHost, openLedger, pumpOutbox, sendWebhook, type LedgerContext } from '@runledger/runtime';
import { percentile, progress, status, statusDone, type Figure } from './lib.js';

const SECTION_TIMERS = 'operations.timers';
const SECTION_DELIVERIES = 'operations.deliveries';
const H4 = 4 * 3_600_000;
const SECRET = `whsec_${Buffer.from('bench-webhook-secret-0123456789ab').toString('base64')}`;

async function freshLedger(prefix: string): Promise<{ dir: string; ledger: LedgerContext }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = { RUNLEDGER_HOME: dir } as Record<string, string | undefined>;
  await initLedger({ env, home: dir }, { origin: 'bench.runledger.local/ops', actor: { kind: 'system', id: 'bench' } });
  return { dir, ledger: await openLedger({ env, home: dir }, { write: true }) };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function idleCpuPerSecond(ms: number): Promise<number> {
  const c0 = cpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuMs() - c0) / (performance.now() - t0)) * 1000;
}

/** Node's own timer lateness for timers due at these offsets from now (the floor any timer loop sits on). */
async function setTimeoutLateness(offsets: readonly number[]): Promise<number[]> {
  const t0 = Date.now();
  return Promise.all(offsets.map((off) => new Promise<number>((resolve) => setTimeout(() => resolve(Math.max(0, Date.now() - (t0 + off))), off))));
}

export async function benchTimers(quick: boolean): Promise<Figure[]> {
  const n = quick ? 1_000 : 10_000;
  const spreadMs = quick ? 5_000 : 20_000;
  const { dir, ledger } = await freshLedger('runledger-bench-timers-');
  const file = join(dir, 'operations.yaml');
  writeFileSync(
    file,
    'integrations:\n  - name: probes\n    type: internal\nroute:\n  receiver: nobody\nreceivers:\n  - name: nobody\n    chat: { url: "http://127.0.0.1:9/" }\n',
  );
  // `drill` labels: the missed deadlines' notifications are recorded as skipped, not sent.
  // Incidents are opened on a clock in the past, so their 4 h SEV-3 deadlines fall due together later.
  let fake = 0;
  let offset = 0;
  let live = false;
  const lateness: number[] = [];
  const host = await OperationsHost.open({
    store: ledger.store,
    append: (d) => ledger.writer!.append(d),
    configPath: file,
    env: {},
    clock: () => new Date(live ? Date.now() + offset : fake),
    pollMs: 1000,
    onTimerFired: (late, kind) => {
      if (kind === 'deadline') lateness.push(late);
    },
  });
  try {
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      fake = base + Math.floor((i * spreadMs) / n);
      await host.raise('probes', [{ fingerprint: `t${i}`, labels: { alertname: `Timer${i}`, severity: 'warning', drill: 'bench' } }]);
      if (i % 200 === 0) progress(`opening ${n} incidents`, i, n, t0);
    }
    statusDone();
    const pending = await host.service.incidents.pendingTimerCount();
    if (pending !== n) throw new Error(`expected ${n} pending deadlines, found ${pending}`);
    // What opening them queued for the ledger is appended first: idle means nothing left to do.
    await pumpOutbox(host.service.outbox, (d) => ledger.writer!.append(d));
    status('idle CPU without the loops…');
    const idleBase = await idleCpuPerSecond(5_000);
    // The first deadline is 12 s away on the loop's clock: 10 s of waiting with every timer pending, then firing.
    const firstDue = base + H4;
    offset = firstDue - 12_000 - Date.now();
    live = true;
    await host.start();
    status(`${n} deadlines pending; measuring idle CPU…`);
    const idleLoop = await idleCpuPerSecond(10_000);
    status('firing…');
    const deadline = Date.now() + spreadMs + 30_000;
    while (lateness.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    statusDone();
    if (lateness.length !== n) throw new Error(`only ${lateness.length} of ${n} deadlines fired`);
    const missed = (await host.service.incidents.list({ limit: n })).filter((r) => (r.model as { timers: Record<string, unknown> }).timers['deadline']);
    if (missed.length > 0) throw new Error(`${missed.length} incidents still hold a deadline timer`);
    status('setTimeout baseline…');
    const base2 = await setTimeoutLateness(Array.from({ length: n }, (_, i) => 2_000 + Math.floor((i * spreadMs) / n)));
    statusDone();
    lateness.sort((a, b) => a - b);
    base2.sort((a, b) => a - b);
    const p99 = percentile(lateness, 99);
    const p99base = Math.max(1, percentile(base2, 99));
    return [
      {
        section: SECTION_TIMERS,
        name: `p99 lateness, ${n.toLocaleString('en-US')} pending deadlines firing over ${spreadMs / 1000} s (SQLite)`,
        value: p99,
        unit: 'ms',
        baseline: { name: `Node setTimeout p99 lateness for the same ${n.toLocaleString('en-US')} due times`, value: p99base },
        goal: '< 1000 ms',
        met: p99 < 1000,
        note: `(p50 ${percentile(lateness, 50)} ms, max ${lateness[lateness.length - 1]} ms; every deadline fired exactly once)`,
      },
      {
        section: SECTION_TIMERS,
        name: `CPU while ${n.toLocaleString('en-US')} deadlines wait`,
        value: idleLoop,
        unit: 'ms CPU/s',
        baseline: { name: 'the same process idle, loops stopped', value: Math.max(0.01, idleBase) },
        goal: 'near zero (≤ 10 ms CPU/s, 1% of a core)',
        met: idleLoop <= 10,
      },
    ];
  } finally {
    await host.stop();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sink(): Promise<{ url: string; count: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    count: () => n,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function benchDeliveries(quick: boolean): Promise<Figure[]> {
  const n = quick ? 300 : 2_000;
  const concurrency = 32;
  const s = await sink();
  const { dir, ledger } = await freshLedger('runledger-bench-deliveries-');
  const file = join(dir, 'operations.yaml');
  writeFileSync(
    file,
    `integrations:\n  - name: probes\n    type: internal\nreceivers:\n  - name: hook\n    webhook:\n      url: ${s.url}\n      secret: env:HOOK\nroute:\n  receiver: hook\n`,
  );
  const host = await OperationsHost.open({ store: ledger.store, append: (d) => ledger.writer!.append(d), configPath: file, env: { HOOK: SECRET } });
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await host.raise('probes', [{ fingerprint: `d${i}`, labels: { alertname: `Hook${i}`, severity: 'warning' } }]);
      if (i % 100 === 0) progress(`queueing ${n} notifications`, i, n, t0);
    }
    statusDone();
    status('baseline: bare signed POSTs…');
    const payload = { incidentId: 'x', event: 'triggered', severity: 'SEV-3', title: 'bench', alerts: [] };
    let next = 0;
    const tb = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          const o = await sendWebhook({ url: s.url, secrets: [SECRET], id: `b${i}`, payload, nowMs: Date.now() });
          if (o.kind !== 'http' || o.status !== 204) throw new Error(`baseline POST failed: ${JSON.stringify(o)}`);
        }
      }),
    );
    const bareRate = (n / (performance.now() - tb)) * 1000;
    status('deliveries with records…');
    const before = s.count();
    const td = performance.now();
    await host.worker.runDue(concurrency);
    const rate = (n / (performance.now() - td)) * 1000;
    statusDone();
    const by = await host.service.deliveries.countByState();
    if ((by['delivered'] ?? 0) !== n || s.count() - before !== n)
      throw new Error(`expected ${n} delivered, got ${JSON.stringify(by)} and ${s.count() - before} at the sink`);
    return [
      {
        section: SECTION_DELIVERIES,
        name: `signed webhook deliveries with records (${concurrency} at a time, SQLite)`,
        value: rate,
        unit: 'deliveries/s',
        baseline: { name: 'bare signed POSTs to the same sink, same concurrency', value: bareRate },
        note: `(each: lease, render, sign, POST, final record and its ledger entry queued; ${n} deliveries, all delivered exactly once)`,
      },
    ];
  } finally {
    await host.stop();
    await ledger.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
