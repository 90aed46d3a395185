// Metrics of the operations layer, on the server's registry: alerts in, notifications out by final
// state, missed acknowledgement deadlines, timer lateness, open incidents and queued work.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OperationsHost } from '@runledger/runtime';

export interface OpsMetrics {
  readonly alertsReceived: Counter<'integration' | 'outcome'>;
  readonly notifications: Counter<'state' | 'channel'>;
  readonly deadlinesMissed: Counter;
  readonly timerLateness: Histogram<'kind'>;
}

export function createOpsMetrics(registry: Registry, host: () => OperationsHost | undefined): OpsMetrics {
  const alertsReceived = new Counter({
    name: 'runledger_alerts_received_total',
    help: 'Alert bodies received by integration and outcome (stored, duplicate, invalid, unknown, denied).',
    labelNames: ['integration', 'outcome'] as const,
    registers: [registry],
  });
  const notifications = new Counter({
    name: 'runledger_notifications_total',
    help: 'Notifications that reached a final state (delivered or failed), by channel.',
    labelNames: ['state', 'channel'] as const,
    registers: [registry],
  });
  const deadlinesMissed = new Counter({
    name: 'runledger_ack_deadlines_missed_total',
    help: 'Incidents not acknowledged by their deadline (fired by this process).',
    registers: [registry],
  });
  const timerLateness = new Histogram({
    name: 'runledger_timer_lateness_seconds',
    help: 'How late durable timers (deadlines, escalations) fired after their due time.',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'runledger_incidents_open',
    help: 'Incidents not resolved, by severity and state.',
    labelNames: ['severity', 'state'] as const,
    registers: [registry],
    async collect() {
      const h = host();
      const rows = h ? await h.service.incidents.list({ states: ['triggered', 'acknowledged'], limit: 10_000 }).catch(() => undefined) : undefined;
      this.reset();
      const counts = new Map<string, number>();
      for (const r of rows ?? []) counts.set(`${r.severity}|${r.state}`, (counts.get(`${r.severity}|${r.state}`) ?? 0) + 1);
      for (const [k, n] of counts) {
        const [severity, state] = k.split('|') as [string, string];
        this.set({ severity, state }, n);
      }
    },
  });
  new Gauge({
    name: 'runledger_notifications_queued',
    help: 'Delivery records waiting for an attempt (pending or retrying).',
    registers: [registry],
    async collect() {
      const h = host();
      const by = h ? await h.service.deliveries.countByState().catch(() => undefined) : undefined;
      this.set((by?.['pending'] ?? 0) + (by?.['attempted'] ?? 0));
    },
  });
  new Gauge({
    name: 'runledger_operations_outbox',
    help: 'Operations ledger entries queued but not yet appended (grows while the ledger refuses appends).',
    registers: [registry],
    async collect() {
      const h = host();
      const n = h ? await h.service.outbox.size().catch(() => undefined) : undefined;
      this.set(n ?? 0);
    },
  });
  return { alertsReceived, notifications, deadlinesMissed, timerLateness };
}
