// blackbox_exporter's metric names for each check (so existing Grafana dashboards work), labelled by
// check instead of target, plus service states and scheduler figures.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Check } from '@runledger/core';
import type { CheckOutcome, HealthService } from '@runledger/runtime';

export interface HealthMetrics {
  observe(check: Check, outcome: CheckOutcome): void;
  overrun(checkId: string, reason: string, count: number): void;
}

const STATES = ['up', 'degraded', 'down', 'unknown'] as const;

export function registerHealthMetrics(registry: Registry, service: () => HealthService | undefined): HealthMetrics {
  const labels = ['check', 'service'] as const;
  const success = new Gauge({
    name: 'probe_success',
    help: 'Whether the last probe of the check succeeded (its conditions held).',
    labelNames: labels,
    registers: [registry],
  });
  const duration = new Gauge({ name: 'probe_duration_seconds', help: 'How long the last probe took.', labelNames: labels, registers: [registry] });
  const status = new Gauge({
    name: 'probe_http_status_code',
    help: 'HTTP status of the last probe (0: no answer).',
    labelNames: labels,
    registers: [registry],
  });
  const phase = new Gauge({
    name: 'probe_http_duration_seconds',
    help: 'Duration of each phase of the last HTTP probe (resolve, connect, tls, processing, transfer).',
    labelNames: [...labels, 'phase'] as const,
    registers: [registry],
  });
  const earliest = new Gauge({
    name: 'probe_ssl_earliest_cert_expiry',
    help: 'Smallest NotAfter (unix seconds) of the certificates seen in the handshake.',
    labelNames: labels,
    registers: [registry],
  });
  const chain = new Gauge({
    name: 'probe_ssl_last_chain_expiry_timestamp_seconds',
    help: 'Smallest NotAfter (unix seconds) over the verified chain: when clients start failing.',
    labelNames: labels,
    registers: [registry],
  });
  new Gauge({
    name: 'runledger_service_state',
    help: 'Each catalog service’s state (1 for the state it is in).',
    labelNames: ['service', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, v] of Object.entries(service()?.serviceVerdicts() ?? {}))
        for (const s of STATES) this.set({ service: name, state: s }, v.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'runledger_check_scheduler_lateness_seconds',
    help: 'How late checks started after their scheduled time (recent p99).',
    registers: [registry],
    collect() {
      const s = service()?.scheduler.stats();
      this.set(s ? s.lateness.p99 / 1000 : 0);
    },
  });
  const overruns = new Counter({
    name: 'runledger_check_overruns_total',
    help: 'Check runs skipped by the scheduler: still_running (the last run had not ended), limits or queue_full (no slot before the next tick), late (the timer fired whole intervals late).',
    labelNames: ['check', 'reason'] as const,
    registers: [registry],
  });
  return {
    overrun(checkId, reason, count) {
      overruns.inc({ check: checkId, reason }, count);
    },
    observe(check, outcome) {
      const l = { check: check.id, service: check.service };
      success.set(l, outcome.ok ? 1 : 0);
      const r = outcome.probe;
      duration.set(l, (r.phases?.totalMs ?? r.durationMs) / 1000);
      if (check.probe.kind !== 'http') return;
      status.set(l, r.observation?.status ?? 0);
      const p = r.phases;
      if (p) {
        // Phases are cumulative (ms from the start); blackbox reports each phase's own length.
        const dns = p.dnsMs ?? 0;
        const connect = p.connectMs ?? dns;
        const tls = p.tlsMs ?? connect;
        const first = p.firstByteMs ?? tls;
        phase.set({ ...l, phase: 'resolve' }, dns / 1000);
        phase.set({ ...l, phase: 'connect' }, (connect - dns) / 1000);
        phase.set({ ...l, phase: 'tls' }, (tls - connect) / 1000);
        phase.set({ ...l, phase: 'processing' }, (first - tls) / 1000);
        phase.set({ ...l, phase: 'transfer' }, (p.totalMs - first) / 1000);
      }
      const cert = r.observation?.cert;
      if (cert) {
        earliest.set(l, Date.parse(cert.earliestSentExpiresAt) / 1000);
        chain.set(l, Date.parse(cert.chainExpiresAt) / 1000);
      }
    },
  };
}
