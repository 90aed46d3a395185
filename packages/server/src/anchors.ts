// Anchor metrics: how far behind the live ledger each off-host destination is; and the alert
// `AnchorStale` while a destination has not held the live head for longer than RUNLEDGER_ANCHOR_MAX_AGE.
import { Gauge, type Registry } from 'prom-client';
import { destinationKey, destinationLabel, type AnchorDestination, type AnchorShipper, type OperationsHost } from '@runledger/runtime';
import { AlertLatch } from './alert-latch.js';

export function anchorMetrics(registry: Registry, shipper: AnchorShipper, liveSize: () => Promise<number>, nowMs: () => number): void {
  new Gauge({
    name: 'runledger_anchor_age_seconds',
    help: 'Seconds since the destination was last known to hold the live ledger head (the ledger RPO); absent until the first shipment.',
    labelNames: ['destination'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of shipper.status())
        if (s.currentAtMs !== undefined) this.set({ destination: s.destination }, Math.max(0, (nowMs() - s.currentAtMs) / 1000));
    },
  });
  new Gauge({
    name: 'runledger_anchor_lag_entries',
    help: 'Entries of the live ledger that the destination does not hold yet.',
    labelNames: ['destination'] as const,
    registers: [registry],
    async collect() {
      // A store that cannot answer leaves the gauge out; the rest of /metrics still serves.
      const size = await liveSize().catch(() => undefined);
      this.reset();
      if (size === undefined) return;
      for (const s of shipper.status()) this.set({ destination: s.destination }, Math.max(0, size - s.size));
    },
  });
}

/**
 * Each destination's age is the metric's (seconds since it last held the live head); one never current
 * since this server started counts from the start. Over `maxAgeSeconds`: AnchorStale, one alert per
 * destination, named by path or program (never a command's arguments); resolved when it is current again.
 */
export class AnchorStaleness {
  private readonly latch: AlertLatch;
  private readonly startedAtMs: number;

  constructor(
    private readonly shipper: AnchorShipper,
    private readonly destinations: readonly AnchorDestination[],
    private readonly maxAgeSeconds: number,
    private readonly nowMs: () => number,
    operations: Pick<OperationsHost, 'raiseFrom'>,
  ) {
    this.startedAtMs = nowMs();
    this.latch = new AlertLatch(operations, 'anchors', 'the anchor destination holds the live ledger head again');
  }

  /** Destinations stale now (by label), after raising or resolving what changed. */
  async evaluate(): Promise<string[]> {
    const now = this.nowMs();
    const stale = [];
    for (const s of this.shipper.status()) {
      const d = this.destinations.find((x) => x.id === s.destination);
      if (!d) continue;
      const age = Math.max(0, (now - (s.currentAtMs ?? this.startedAtMs)) / 1000);
      if (age <= this.maxAgeSeconds) continue;
      const label = destinationLabel(d);
      stale.push({
        fingerprint: `runledger:anchor-stale:${destinationKey(d)}`,
        labels: { alertname: 'AnchorStale', service: 'runledger', destination: label, severity: 'error' },
        annotations: {
          summary: `Anchor destination ${label} has not held the live ledger head for ${Math.round(age)} s (limit ${this.maxAgeSeconds} s)`,
          description:
            s.currentAtMs === undefined
              ? 'not current since this server started; the server log has each failed shipment'
              : 'the server log has each failed shipment',
        },
      });
    }
    await this.latch.update(stale);
    return stale.map((a) => a.labels.destination);
  }
}
