// Backstage `catalog-info.yaml` entities → catalog services, so a team that already describes its
// system there does not write it twice. Component, Resource and System entities become services
// (a database Resource is something to watch like any other); API, Group, User and other kinds are
// skipped and listed. Backstage's own keys we do not use are ignored, not refused: the file is theirs.
//
// Backstage dependency edges carry no attributes (required or optional), so an annotation adds it:
//
//   metadata:
//     annotations:
//       runledger.io/optional-dependencies: "resource:default/redis, component:ai-engine"
//
// Every listed ref must also be in spec.dependsOn; edges not listed stay required. The annotation
// `runledger.io/escalation: NAME` names the service's escalation policy. Checks, components and
// runbooks come from a native catalog entry of the same name, which is merged into the entity.
import { Checker, keyStep, kindOf } from './checker.js';
import type { Dependency, Service } from './types.js';
import type { ServiceRead } from './validate.js';

export const OPTIONAL_DEPENDENCIES_ANNOTATION = 'runledger.io/optional-dependencies';
export const ESCALATION_ANNOTATION = 'runledger.io/escalation';
const AS_SERVICE = ['Component', 'Resource', 'System'];

export interface BackstageEntityRead {
  readonly service?: ServiceRead;
  readonly skipped?: { readonly kind: string; readonly name: string; readonly reason: string };
  readonly problems: Checker['problems'];
}

/** Whether a YAML document is a Backstage entity (apiVersion backstage.io/…). */
export function isBackstageEntity(data: unknown): boolean {
  return typeof data === 'object' && data !== null && /^backstage\.io\//.test(String((data as Record<string, unknown>)['apiVersion'] ?? ''));
}

/**
 * An entity ref (`[kind:][namespace/]name`) → the catalog's service name: Backstage compares names
 * without case, and a namespace other than `default` becomes a prefix (`billing.invoices`).
 */
export function serviceNameOfRef(ref: string): string {
  const noKind = ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref;
  const [ns, name] = noKind.includes('/') ? [noKind.slice(0, noKind.indexOf('/')), noKind.slice(noKind.indexOf('/') + 1)] : ['default', noKind];
  return (ns.toLowerCase() === 'default' ? name : `${ns}.${name}`).trim().toLowerCase();
}

export function readBackstageEntity(data: unknown): BackstageEntityRead {
  const c = new Checker();
  const o = c.obj(data, '$');
  if (!o) return { problems: c.problems };
  const kind = c.str(o['kind'], '$.kind') ?? '';
  const meta = c.obj(o['metadata'], '$.metadata') ?? {};
  const rawName = c.str(meta['name'], '$.metadata.name');
  const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
  if (rawName === undefined) return { problems: c.problems };
  const name = serviceNameOfRef(`${ns}/${rawName}`);
  if (!AS_SERVICE.includes(kind)) {
    const reason =
      kind === 'API' ? 'an API is a contract, not something probed: its provider is the service' : `a ${kind || 'kindless'} entity is not a service`;
    return { skipped: { kind, name, reason }, problems: c.problems };
  }
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(name))
    c.p('$.metadata.name', `${JSON.stringify(name)} cannot be a service name: letters, digits, _ . - (at most 63)`);
  const spec = o['spec'] === undefined ? {} : (c.obj(o['spec'], '$.spec') ?? {});
  const annotations = meta['annotations'] === undefined ? {} : (c.obj(meta['annotations'], '$.metadata.annotations') ?? {});

  const refs = c.list(spec['dependsOn'], '$.spec.dependsOn');
  const depPaths: string[] = [];
  const targets: string[] = [];
  refs.forEach((r, i) => {
    const s = c.str(r, `$.spec.dependsOn[${i}]`);
    if (s === undefined) return;
    targets.push(serviceNameOfRef(s));
    depPaths.push(`$.spec.dependsOn[${i}]`);
  });
  const optional = optionalRefs(c, annotations, new Set(targets));
  const dependsOn: Dependency[] = targets.map((t) => ({ service: t, optional: optional.has(t) }));

  const str = (v: unknown, path: string): string | undefined => (v === undefined ? undefined : c.str(v, path));
  const fields: Record<string, string | undefined> = {
    description: str(meta['description'], '$.metadata.description'),
    owner: str(spec['owner'], '$.spec.owner'),
    system: spec['system'] === undefined ? undefined : serviceNameOfRef(c.str(spec['system'], '$.spec.system') ?? ''),
    type: str(spec['type'], '$.spec.type') ?? (kind === 'System' ? 'system' : undefined),
    lifecycle: str(spec['lifecycle'], '$.spec.lifecycle'),
    escalation: str(annotations[ESCALATION_ANNOTATION], `$.metadata.annotations${keyStep(ESCALATION_ANNOTATION)}`),
  };
  const service: Service = {
    name,
    ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>),
    runbooks: {},
    components: [],
    dependsOn,
    checks: [],
  };
  return { service: { service, path: '$', namePath: '$.metadata.name', depPaths, checks: [] }, problems: c.problems };
}

function optionalRefs(c: Checker, annotations: Record<string, unknown>, targets: ReadonlySet<string>): Set<string> {
  const v = annotations[OPTIONAL_DEPENDENCIES_ANNOTATION];
  const path = `$.metadata.annotations${keyStep(OPTIONAL_DEPENDENCIES_ANNOTATION)}`;
  const out = new Set<string>();
  if (v === undefined) return out;
  if (typeof v !== 'string') {
    c.p(path, `a comma-separated list of entity refs ("resource:default/redis, component:ai-engine"), not ${kindOf(v)}`);
    return out;
  }
  for (const ref of v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const t = serviceNameOfRef(ref);
    if (!targets.has(t)) c.p(path, `${ref} is not in spec.dependsOn: only an existing edge can be optional`);
    out.add(t);
  }
  return out;
}
