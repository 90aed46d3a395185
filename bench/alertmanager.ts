// A baseline for the alert intake: how fast Alertmanager 0.25 itself takes `POST /api/v2/alerts` on this
// machine, so Runledger's own intake figures can be put beside it. Not a registered section (yet): call
// measureAlertmanagerIntake(), or run this file:
//   node --conditions=source --import tsx bench/alertmanager.ts [--seconds 10] [--concurrency 32] [--alerts 10]
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startAlertmanager } from '@runledger/testkit';
import { percentile, processCpuMicros, status, statusDone } from './lib.js';

export interface AlertmanagerIntakeOptions {
  /** Measured seconds (after a 1 s warm-up). */
  readonly seconds: number;
  /** Keep-alive connections, each with one request in flight. */
  readonly concurrency: number;
  /** Distinct alerts (label sets) in each post. */
  readonly alertsPerPost: number;
}

export interface AlertmanagerIntake {
  readonly postsPerSecond: number;
  readonly alertsPerSecond: number;
  /** Fractional ms from every measured response. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly posts: number;
  /** Alertmanager's own CPU time per alert taken, µs (from /proc, warm-up included). */
  readonly cpuMicrosPerAlert: number;
}

/**
 * Every post re-sends the same alerts, the way Prometheus re-sends firing alerts each evaluation, so the
 * store stays at `alertsPerPost` alerts and each post is a validate-and-merge. group_wait is an hour:
 * no notification is sent during the run, so only the intake is measured.
 */
export async function measureAlertmanagerIntake(opts: AlertmanagerIntakeOptions): Promise<AlertmanagerIntake> {
  // Port 9 (discard) is never dialled: nothing is notified within group_wait.
  const am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused', groupWaitMs: 3_600_000, groupIntervalMs: 3_600_000 });
  try {
    const body = JSON.stringify(
      Array.from({ length: opts.alertsPerPost }, (_, i) => ({
        labels: { alertname: 'BenchIntake', service: 'bench', severity: 'warning', instance: `host-${i}:9100` },
        annotations: { summary: `bench alert ${i}` },
        generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up%3D%3D0',
      })),
    );
    status(`alertmanager: POST /api/v2/alerts, ${opts.alertsPerPost} alerts each, ${opts.concurrency} connections, ${opts.seconds} s…`);
    const lat: number[] = [];
    const cpu0 = processCpuMicros(am.pid);
    const inst = autocannon({
      url: `${am.url}/api/v2/alerts`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: opts.concurrency,
      duration: opts.seconds,
      warmup: { duration: 1 },
    });
    let answered = 0;
    inst.on('response', (_c, _s, _b, ms) => {
      answered++;
      lat.push(ms);
    });
    const r = await inst;
    const cpu = processCpuMicros(am.pid) - cpu0;
    statusDone();
    if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0 || r['2xx'] === 0) {
      throw new Error(`alertmanager: ${r['2xx']} 2xx, ${r.non2xx} other statuses ${JSON.stringify(r.statusCodeStats)}, ${r.errors} errors: not a measurement`);
    }
    const stored = await am.alerts();
    if (stored.length !== opts.alertsPerPost) throw new Error(`alertmanager: ${stored.length} alerts stored, expected ${opts.alertsPerPost}`);
    lat.sort((a, b) => a - b);
    const postsPerSecond = lat.length / opts.seconds;
    return {
      postsPerSecond,
      alertsPerSecond: postsPerSecond * opts.alertsPerPost,
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      posts: lat.length,
      cpuMicrosPerAlert: cpu / (answered * opts.alertsPerPost),
    };
  } finally {
    await am.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const opts = { seconds: arg('seconds', 10), concurrency: arg('concurrency', 32), alertsPerPost: arg('alerts', 10) };
  process.stdout.write(`${JSON.stringify({ ...opts, ...(await measureAlertmanagerIntake(opts)) })}\n`);
}
