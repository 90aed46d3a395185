// A service's state from its parts: its own checks, its components and its dependencies, each
// required unless marked optional. Worst first:
// - down:     a required part is down;
// - unknown:  else a required part is unknown (it may be down: calling the service degraded or up
//             would understate it), or nothing watches the service at all;
// - degraded: else an optional part is down, or any part is degraded;
// - up:       otherwise. An optional part that is unknown changes nothing (it is listed in reasons).
// Every verdict that is not up carries the root cause (the service and check where it started) and
// the chain of dependencies it travelled, so an alert for a dependent can say "because postgres is
// down" instead of paging once per dependent (see isRootCause).
import type { Catalog, CheckState, Component, HealthState, Service } from './types.js';

export interface RootCause {
  readonly service: string;
  readonly component?: string;
  /** The check that failed or is unknown; absent when the cause is a service nothing watches. */
  readonly check?: string;
}

export interface HealthVerdict {
  readonly state: HealthState;
  readonly cause?: RootCause;
  /** Dependencies between this entity and the root cause, nearest first (empty: the cause is its own). */
  readonly via: readonly string[];
  /** One line per part that is not up, e.g. "requires postgres (down)". */
  readonly reasons: readonly string[];
}

export interface CatalogHealth {
  readonly services: Readonly<Record<string, HealthVerdict>>;
  /** By component id (`service/name`). */
  readonly components: Readonly<Record<string, HealthVerdict>>;
}

interface Part {
  readonly label: string;
  readonly optional: boolean;
  readonly verdict: HealthVerdict;
  /** Name added to `via` when the cause comes through this part (dependencies only). */
  readonly hop?: string;
}

/** Computes every service's and component's state from the check states (a missing check is unknown). */
export function computeHealth(catalog: Pick<Catalog, 'services'>, checkStates: Readonly<Record<string, CheckState>>): CatalogHealth {
  const byName = new Map(catalog.services.map((s) => [s.name, s]));
  const services: Record<string, HealthVerdict> = {};
  const components: Record<string, HealthVerdict> = {};
  const visiting = new Set<string>();

  const checkPart = (id: string, optional: boolean, cause: RootCause): Part => {
    const state = checkStates[id] ?? 'unknown';
    return { label: `check ${id}`, optional, verdict: { state, via: [], reasons: [], ...(state === 'up' ? {} : { cause }) } };
  };
  const component = (c: Component): HealthVerdict => {
    const done = components[c.id];
    if (done) return done;
    const parts = c.checks.map((k) => checkPart(k.id, k.optional, { service: c.service, component: c.name, check: k.id }));
    return (components[c.id] = combine(parts, { service: c.service, component: c.name }));
  };
  const service = (name: string): HealthVerdict => {
    const done = services[name];
    if (done) return done;
    const s = byName.get(name);
    if (!s) return { state: 'unknown', cause: { service: name }, via: [], reasons: [`no service named ${name} in the catalog`] };
    // Validation refuses cycles; should one reach here anyway, its members are unknown rather than looping.
    if (visiting.has(name)) return { state: 'unknown', cause: { service: name }, via: [], reasons: ['dependency cycle'] };
    visiting.add(name);
    const v = combine(partsOf(s, checkPart, component, service, byName), { service: name });
    visiting.delete(name);
    return (services[name] = v);
  };
  for (const s of catalog.services) service(s.name);
  return { services, components };
}

function partsOf(
  s: Service,
  checkPart: (id: string, optional: boolean, cause: RootCause) => Part,
  component: (c: Component) => HealthVerdict,
  service: (name: string) => HealthVerdict,
  byName: ReadonlyMap<string, Service>,
): Part[] {
  const parts: Part[] = s.checks.map((k) => checkPart(k.id, k.optional, { service: s.name, check: k.id }));
  for (const c of s.components) parts.push({ label: `component ${c.id}`, optional: c.optional, verdict: component(c) });
  for (const d of s.dependsOn) {
    if ('service' in d) {
      parts.push({ label: d.service, optional: d.optional, verdict: service(d.service), hop: d.service });
      continue;
    }
    const [svc = '', name = ''] = d.component.split('/');
    const c = byName.get(svc)?.components.find((x) => x.name === name);
    const verdict: HealthVerdict = c ? component(c) : { state: 'unknown', cause: { service: svc }, via: [], reasons: [`no component ${d.component}`] };
    parts.push({ label: d.component, optional: d.optional, verdict, hop: d.component });
  }
  return parts;
}

function combine(parts: readonly Part[], self: RootCause): HealthVerdict {
  if (parts.length === 0) return { state: 'unknown', cause: self, via: [], reasons: ['nothing watches it: no checks, components or dependencies'] };
  const reasons = parts.filter((p) => p.verdict.state !== 'up').map((p) => `${p.optional ? 'optional ' : 'requires '}${p.label} (${p.verdict.state})`);
  const pick = (state: HealthState, from: (p: Part) => boolean): HealthVerdict | undefined => {
    // A dependency in this state explains the entity's own checks failing with it (a proxy's health
    // check fails when its backend is down): name the dependency's cause, not the symptom.
    const p = parts.find((x) => x.hop !== undefined && from(x)) ?? parts.find(from);
    if (!p) return undefined;
    const via = p.hop === undefined ? p.verdict.via : [p.hop, ...p.verdict.via];
    return { state, via, reasons, ...(p.verdict.cause ? { cause: p.verdict.cause } : {}) };
  };
  return (
    pick('down', (p) => !p.optional && p.verdict.state === 'down') ??
    pick('unknown', (p) => !p.optional && p.verdict.state === 'unknown') ??
    pick('degraded', (p) => p.verdict.state === 'degraded' || (p.optional && p.verdict.state === 'down')) ?? { state: 'up', via: [], reasons }
  );
}

/** True when this entity's own part failed (alert it); false when the cause is upstream (say so, do not page again). */
export function isRootCause(v: HealthVerdict): boolean {
  return v.state !== 'up' && v.via.length === 0;
}

/** "backend is down because postgres is down (check postgres/ready), via redis" — one line for an alert. */
export function describeVerdict(name: string, v: HealthVerdict): string {
  if (v.state === 'up') return `${name} is up`;
  const c = v.cause;
  const where = c ? `${c.component ? `${c.service}/${c.component}` : c.service}${c.check ? ` (check ${c.check})` : ''}` : 'an unknown part';
  if (isRootCause(v)) return `${name} is ${v.state}: ${v.reasons.join('; ')}`;
  return `${name} is ${v.state} because of ${where}${v.via.length > 1 ? `, via ${v.via.slice(0, -1).join(' → ')}` : ''}`;
}
