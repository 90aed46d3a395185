// A catalog SLO entry as the SLO math's definition (core/slo): percent → fraction, the latency form
// (p95 ≤ 250 ms is "95 % of probes within 250 ms"), and which checks' history counts; an SLO over
// Prometheus events is an availability SLO counting them (basis samples) and no checks.
import type { SloDefinition } from '../slo/objectives.js';
import type { Catalog, SloSpec } from './types.js';

/** The checks an SLO counts: those it names, else every check of its service and the service's components (none over Prometheus events). */
export function checksOfSlo(catalog: Pick<Catalog, 'services'>, slo: SloSpec): string[] {
  if (slo.prometheus) return [];
  if (slo.checks && slo.checks.length > 0) return [...slo.checks];
  const s = catalog.services.find((x) => x.name === slo.service);
  if (!s) return [];
  return [...s.checks.map((c) => c.id), ...s.components.flatMap((c) => c.checks.map((k) => k.id))];
}

export function sloDefinitionOf(catalog: Pick<Catalog, 'services'>, slo: SloSpec): SloDefinition {
  // 99.9 / 100 is 0.9990000000000001 in binary floating point; 12 significant digits give 0.999 back.
  const objective = Number((slo.objective / 100).toPrecision(12));
  if (slo.prometheus)
    return {
      name: slo.name,
      service: slo.service,
      kind: 'availability',
      objective,
      windowMs: slo.windowMs,
      basis: 'samples',
      prometheus: slo.prometheus,
      ...(slo.minFailures !== undefined ? { minFailures: slo.minFailures } : {}),
      ...(slo.description ? { description: slo.description } : {}),
    };
  return {
    name: slo.name,
    service: slo.service,
    checks: checksOfSlo(catalog, slo),
    kind: slo.latencyMs !== undefined ? 'latency' : 'availability',
    objective,
    windowMs: slo.windowMs,
    ...(slo.basis ? { basis: slo.basis } : {}),
    ...(slo.latencyMs !== undefined ? { latency: { thresholdMs: slo.latencyMs, percentile: slo.objective } } : {}),
    ...(slo.minFailures !== undefined ? { minFailures: slo.minFailures } : {}),
    ...(slo.description ? { description: slo.description } : {}),
  };
}
