// Anchor metrics: how far behind the live ledger each off-host destination is.
import { Gauge, type Registry } from 'prom-client';
import type { AnchorShipper } from '@runledger/runtime';

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
