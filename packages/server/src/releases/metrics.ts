// Release metrics for Grafana's deploy annotations: the version in place per service and environment,
// and deploys by outcome. Read from the store on each scrape, so every process reports the same figures.
import { Counter, Gauge, type Registry } from 'prom-client';
import { currentRelease, type Release } from '@runledger/core';
import { loaded, type ReleaseService } from '@runledger/runtime';

/** The newest releases a scrape reads (older ones stay counted by the ones before them only if kept). */
const SCRAPE_LIMIT = 10_000;

export function registerReleaseMetrics(registry: Registry, svc: ReleaseService): void {
  let cache: { at: number; releases: Release[] } | undefined;
  // Both metrics read the same rows; one query per scrape.
  // A store that cannot answer must not take /metrics down (it is how the outage is seen): the last
  // figures stay, and runledger_release_metrics_stale says they are old.
  let stale = 0;
  const releases = async (): Promise<Release[]> => {
    if (cache && Date.now() - cache.at < 1000) return cache.releases;
    try {
      const rows = await svc.releases.list({ limit: SCRAPE_LIMIT });
      cache = { at: Date.now(), releases: rows.map((r) => loaded(r).release) };
      stale = 0;
    } catch {
      stale = 1;
      if (cache) cache = { ...cache, at: Date.now() };
    }
    return cache?.releases ?? [];
  };
  new Gauge({
    name: 'runledger_release_metrics_stale',
    help: '1 when the release figures could not be read from the store at the last scrape (the previous figures are shown).',
    registers: [registry],
    async collect() {
      await releases();
      this.set(stale);
    },
  });
  new Gauge({
    name: 'runledger_release_info',
    help: 'The release running in each service and environment (1), by version.',
    labelNames: ['service', 'env', 'version'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const all = await releases();
      const targets = new Set(all.map((r) => `${r.service}\u0000${r.env}`));
      for (const t of targets) {
        const [service, env] = t.split('\u0000') as [string, string];
        const cur = currentRelease(all, service, env);
        if (cur) this.set({ service, env, version: cur.version }, 1);
      }
    },
  });
  new Counter({
    name: 'runledger_release_deploys_total',
    help: 'Deploys by outcome: announced (every gate passed) or failed (a gate or the deploy failed; the release never announced).',
    labelNames: ['service', 'env', 'outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await releases()) {
        if (r.announcedAt !== undefined) this.inc({ service: r.service, env: r.env, outcome: 'announced' });
        else if (r.failedAt !== undefined) this.inc({ service: r.service, env: r.env, outcome: 'failed' });
      }
    },
  });
  new Counter({
    name: 'runledger_release_rollbacks_total',
    help: 'Finished rollbacks by outcome (success, failure).',
    labelNames: ['service', 'env', 'outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await releases()) if (r.rollback?.outcome) this.inc({ service: r.service, env: r.env, outcome: r.rollback.outcome });
    },
  });
}
