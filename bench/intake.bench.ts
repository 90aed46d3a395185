// Alert intake (issue: Alerts, incidents, on-call and notifications): Alertmanager webhook bodies per
// second into a Runledger server (each body distinct, durably stored and applied to its incident before
// the answer), beside Debian's Alertmanager 0.25 taking the same alerts on its own POST /api/v2/alerts
// in the same run; then a retry storm (every body sent three times at once) checked for zero lost and
// zero doubled. The server runs in a child process so the load generator never shares its event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { initLedger, type LedgerLocation } from '@runledger/runtime';
import { createApp, openServerEngine } from '@runledger/server';
import { measureAlertmanagerIntake } from './alertmanager.js';
import { percentile, status, statusDone, type Figure } from './lib.js';

const SECTION = 'operations.intake';
const THIS_FILE = fileURLToPath(import.meta.url);
const TOKEN = 'bench-intake-token-0123456789abcdef';
const ALERTS_PER_BODY = 10;
const CONNECTIONS = 32;

interface Counts {
  readonly bodies: number;
  readonly attached: number;
  readonly incidents: number;
}
type ToParent = { kind: 'ready'; port: number } | { kind: 'counts'; counts: Counts } | { kind: 'cpu'; micros: number };

// ---- child: a Runledger server with one alertmanager integration ---------------------------------

async function serve(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'runledger-bench-intake-'));
  const loc: LedgerLocation = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${join(home, 'runledger.db')}` }, home };
  await initLedger(loc, { origin: 'bench.runledger.local/intake', actor: { kind: 'system', id: 'bench' } });
  const configPath = join(home, 'operations.yaml');
  // The alerts carry a drill label: their notifications are recorded as skipped, so the figure is the intake alone.
  writeFileSync(
    configPath,
    'integrations:\n  - name: am\n    type: alertmanager\n    secret: env:AM_TOKEN\nreceivers:\n  - name: sink\n    chat: { url: "http://127.0.0.1:9/" }\nroute:\n  receiver: sink\n',
  );
  const server = await openServerEngine(loc, { cwd: home });
  const app = await createApp({
    engineContext: server.engineContext,
    events: server.events,
    version: '0.0.0-bench',
    logger: false,
    operations: { configPath, env: { AM_TOKEN: TOKEN } },
  });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const svc = app.operations.service;
  const send = (m: ToParent): void => void process.send!(m);
  send({ kind: 'ready', port: (app.fastify.server.address() as AddressInfo).port });
  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      send({ kind: 'cpu', micros: u.user + u.system });
    } else if (m === 'counts')
      void (async () => {
        const rows = await svc.incidents.list({ limit: 100_000 });
        let attached = 0;
        for (const r of rows) attached += (await svc.incidents.facts(r.id)).filter((f) => f.type === 'alert.attached').length;
        send({ kind: 'counts', counts: { bodies: await svc.intake.count(), attached, incidents: rows.length } });
      })();
    else if (m === 'stop')
      void (async () => {
        await app.shutdown();
        await server.engineContext.close();
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      })();
  });
}

// ---- parent ------------------------------------------------------------------------------------------

function nextMessage(c: ChildProcess): Promise<ToParent> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`intake.bench child exited (${code})`));
    c.once('exit', onExit);
    c.once('message', (m: ToParent) => {
      c.off('exit', onExit);
      resolve(m);
    });
  });
}

/** A webhook body as Alertmanager 0.25 sends it: `n` alerts of one group, made distinct by `seq` (its re-send time). */
function body(seq: number, group: string, n: number): string {
  const alerts = Array.from({ length: n }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'BenchIntake', service: group, severity: 'warning', instance: `host-${i}:9100`, drill: 'bench' },
    annotations: { summary: `bench alert ${i}` },
    startsAt: '2026-12-07T10:00:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up%3D%3D0',
    fingerprint: createHash('sha256').update(`${group}/${i}`).digest('hex').slice(0, 16),
  }));
  return JSON.stringify({
    receiver: 'runledger',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'BenchIntake', service: group },
    commonLabels: { alertname: 'BenchIntake', service: group, severity: 'warning' },
    commonAnnotations: {},
    externalURL: `http://127.0.0.1:9093/#seq=${seq}`,
    version: '4',
    groupKey: `{}:{alertname="BenchIntake", service="${group}"}`,
    truncatedAlerts: 0,
    // What makes a re-send a new body: Alertmanager's re-sends differ by their alerts' states and times.
    notification_reason: `resend-${seq}`,
  });
}

export async function benchIntake(quick: boolean): Promise<Figure[]> {
  const seconds = quick ? 3 : 10;
  const am = await measureAlertmanagerIntake({ seconds, concurrency: CONNECTIONS, alertsPerPost: ALERTS_PER_BODY });
  const c = fork(THIS_FILE, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage(c);
    if (ready.kind !== 'ready') throw new Error('intake.bench child did not start');
    const url = `http://127.0.0.1:${ready.port}/api/v1/integrations/alertmanager/am`;
    const serverCpu = async (): Promise<number> => {
      const m = nextMessage(c);
      c.send('cpu');
      const r = await m;
      if (r.kind !== 'cpu') throw new Error('intake.bench child did not report its CPU');
      return r.micros;
    };
    const counts = async (): Promise<Counts> => {
      const m = nextMessage(c);
      c.send('counts');
      const r = await m;
      if (r.kind !== 'counts') throw new Error('intake.bench child did not count');
      return r.counts;
    };

    status(`runledger: alertmanager webhooks, ${ALERTS_PER_BODY} alerts each, ${CONNECTIONS} connections, ${seconds} s…`);
    let seq = 0;
    const lat: number[] = [];
    const inst = autocannon({
      url,
      method: 'POST',
      connections: CONNECTIONS,
      duration: seconds,
      warmup: { duration: 1 },
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      requests: [{ setupRequest: (req) => ({ ...req, body: body(seq++, `svc-${seq % 50}`, ALERTS_PER_BODY) }) }],
    });
    let answered = 0;
    inst.on('response', (_c, _s, _b, ms) => {
      answered++;
      lat.push(ms);
    });
    const cpu0 = await serverCpu();
    const r = await inst;
    const cpuPerAlert = ((await serverCpu()) - cpu0) / (answered * ALERTS_PER_BODY);
    statusDone();
    if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0)
      throw new Error(`runledger intake: ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodeStats)}, ${r.errors} errors`);
    lat.sort((a, b) => a - b);
    const bodiesPerSecond = lat.length / seconds;

    // Retry storm: new bodies, each sent three times at once, with 96 connections (answers slow down).
    status('retry storm…');
    // Let what the measured run left in flight settle before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const before = await counts();
    const stormBodies = quick ? 200 : 1_000;
    const storm = Array.from({ length: stormBodies }, (_, i) => body(1_000_000 + i, `storm-${i}`, 1));
    let k = 0;
    const r2 = await autocannon({
      url,
      method: 'POST',
      connections: 96,
      amount: stormBodies * 3,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      requests: [{ setupRequest: (req) => ({ ...req, body: storm[Math.floor(k++ / 3) % stormBodies]! }) }],
    });
    const after = await counts();
    statusDone();
    const lost = stormBodies - (after.bodies - before.bodies);
    const doubledAttach = after.attached - before.attached - stormBodies;
    const clean = r2.non2xx === 0 && r2.errors === 0 && lost === 0 && doubledAttach === 0 && after.incidents - before.incidents === stormBodies;
    return [
      {
        section: SECTION,
        name: `webhook bodies of ${ALERTS_PER_BODY} alerts, each durably stored and applied before 2xx (SQLite, ${CONNECTIONS} connections)`,
        value: bodiesPerSecond * ALERTS_PER_BODY,
        unit: 'alerts/s',
        baseline: { name: `Alertmanager 0.25 POST /api/v2/alerts, ${ALERTS_PER_BODY} alerts each, same connections (in memory)`, value: am.alertsPerSecond },
        goal: '≥ 1× Alertmanager',
        met: bodiesPerSecond * ALERTS_PER_BODY >= am.alertsPerSecond,
        note: `(${Math.round(bodiesPerSecond)} bodies/s, p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms; Alertmanager p99 ${am.p99Ms.toFixed(1)} ms)`,
      },
      {
        section: SECTION,
        name: 'server CPU per alert (stored durably, applied, its body a ledger entry)',
        value: cpuPerAlert,
        unit: 'µs',
        baseline: { name: 'Alertmanager 0.25 CPU per alert taken (in memory)', value: am.cpuMicrosPerAlert },
        note: '(lower is better; /proc for Alertmanager, process.cpuUsage for the server)',
      },
      {
        section: SECTION,
        name: `retry storm: ${stormBodies} new bodies each sent 3 times at once (96 connections)`,
        value: lost + Math.max(0, doubledAttach),
        unit: 'alerts lost or doubled',
        goal: '0',
        met: clean,
        note: `(${r2['2xx']} answers 2xx, ${after.bodies - before.bodies} bodies stored, ${after.attached - before.attached} alerts attached, ${after.incidents - before.incidents} incidents)`,
      },
    ];
  } finally {
    c.send('stop');
    await new Promise((r) => c.once('exit', r));
  }
}

if (process.argv[1] === THIS_FILE && process.argv[2] === 'serve') {
  process.on('disconnect', () => process.exit(1));
  await serve();
}
