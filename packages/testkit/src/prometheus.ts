// A real Prometheus (Debian's /usr/bin/prometheus) scraping one target every second, for tests of what
// asks it (checklist items, SLOs over events). It starts on a free port with its own data directory and
// is killed on stop, or by the kernel if the test process dies.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './alertmanager.js';
import { until } from './wait.js';

export const PROMETHEUS_BIN = process.env.RUNLEDGER_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

export interface Prometheus {
  readonly url: string;
  stop(): void;
}

/**
 * Starts Prometheus scraping `target` (host:port) and resolves once `ready(url)` holds (say, a query of
 * the target's metric answers), so a test never races the first scrape.
 */
export async function startPrometheus(target: string, ready: (url: string) => Promise<boolean>): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'runledger-prometheus-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: target\n    static_configs: [{ targets: ['${target}'] }]\n`,
  );
  const child = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  );
  const stop = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  try {
    await until('Prometheus has scraped its target', () => ready(url), { timeoutMs: 30_000, everyMs: 250 });
  } catch (e) {
    stop();
    throw e;
  }
  return { url, stop };
}
