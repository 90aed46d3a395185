// Drill metrics: the newest finished drill of each kind (passed, RTO, RPO, delivery, when), read from
// the ledger's drill.finished entries on each scrape (cached for a second), so every process reports
// the same figures and an alert rule can say "no passing restore drill for 31 days".
import { Gauge, type Registry } from 'prom-client';
import type { DrillKind } from '@runledger/core';
import { lastDrillPerKind, type DrillRecord } from '@runledger/runtime';
import type { LedgerReader } from '@runledger/store';

export function registerDrillMetrics(registry: Registry, reader: LedgerReader): void {
  let cache: { at: number; last: Map<DrillKind, DrillRecord> } | undefined;
  const last = async (): Promise<Map<DrillKind, DrillRecord>> => {
    if (cache && Date.now() - cache.at < 1000) return cache.last;
    try {
      cache = { at: Date.now(), last: await lastDrillPerKind(reader) };
    } catch {
      // A store that cannot answer keeps the last figures (the outage shows elsewhere).
      if (cache) cache = { ...cache, at: Date.now() };
    }
    return cache?.last ?? new Map();
  };
  const gauge = (name: string, help: string, value: (d: DrillRecord) => number | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [kind, d] of await last()) {
          const v = value(d);
          if (v !== undefined && Number.isFinite(v)) this.set({ kind }, v);
        }
      },
    });
  };
  gauge('runledger_drill_last_passed', 'Whether the newest finished drill of each kind passed (1) or failed (0).', (d) => (d.passed ? 1 : 0));
  gauge(
    'runledger_drill_last_timestamp_seconds',
    'When the newest finished drill of each kind finished (Unix seconds).',
    (d) => Date.parse(d.finishedAt) / 1000,
  );
  gauge(
    'runledger_drill_last_rto_seconds',
    'The RTO the newest drill of each kind measured (restore: restore and verify; rollback: the rollback; chaos: recovery).',
    (d) => d.measured.rtoSeconds,
  );
  gauge(
    'runledger_drill_last_rpo_seconds',
    'The RPO the newest drill of each kind measured (restore: the age of the restored data).',
    (d) => d.measured.rpoSeconds,
  );
  gauge(
    'runledger_drill_last_delivery_seconds',
    'The time to delivery the newest drill of each kind measured (escalation).',
    (d) => d.measured.deliverySeconds,
  );
}
