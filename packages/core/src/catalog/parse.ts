// The catalog's files (one `catalog.yaml`, or every file of a `catalog/` directory; the caller reads
// them) → Catalog. Every problem of every file comes back at once, at file:line:col with its JSON
// path. A document whose apiVersion is backstage.io/… is a Backstage entity (see backstage.ts); a
// native service of the same name adds checks, components, runbooks and settings to it.
import { parseYamlDocuments, type FileProblem } from '../operations/yaml-locate.js';
import { isBackstageEntity, readBackstageEntity } from './backstage.js';
import { keyStep } from './checker.js';
import {
  checkReferences,
  duplicates,
  type Locate,
  type LocatedChecklist,
  type LocatedService,
  type LocatedSlo,
  type Place,
  type ReferenceOptions,
} from './references.js';
import { importOpenSlo } from '../slo/openslo.js';
import type { SloDefinition } from '../slo/objectives.js';
import type { Catalog, Dependency, SloSpec } from './types.js';
import { validateCatalogDocument, type ServiceRead } from './validate.js';

export interface CatalogFile {
  readonly file: string;
  readonly text: string;
}

export interface SkippedEntity {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly reason: string;
}

export type ParsedCatalog =
  | { readonly ok: true; readonly catalog: Catalog; readonly skipped: readonly SkippedEntity[] }
  | { readonly ok: false; readonly problems: readonly FileProblem[] };

export type ParseCatalogOptions = ReferenceOptions;

export function parseCatalog(files: readonly CatalogFile[], opts: ParseCatalogOptions = {}): ParsedCatalog {
  const problems: FileProblem[] = [];
  const native: LocatedService[] = [];
  const imported: LocatedService[] = [];
  const checklists: LocatedChecklist[] = [];
  const slos: LocatedSlo[] = [];
  const skipped: SkippedEntity[] = [];
  for (const f of files) {
    const y = parseYamlDocuments(f.text, f.file);
    if (!y.ok) {
      problems.push(...y.problems);
      continue;
    }
    for (const doc of y.documents) {
      const at = doc.locate;
      if (isBackstageEntity(doc.data)) {
        const r = readBackstageEntity(doc.data);
        problems.push(...r.problems.map((p) => at(p.path, p.message)));
        if (r.skipped) skipped.push({ file: f.file, ...r.skipped });
        if (r.service) imported.push(locateService(r.service, at, 'backstage'));
        continue;
      }
      if (isOpenSlo(doc.data) && (doc.data as { kind?: unknown }).kind !== 'SLO') {
        const d = doc.data as { kind?: unknown; metadata?: { name?: unknown } };
        skipped.push({ file: f.file, kind: `openslo ${String(d.kind)}`, name: String(d.metadata?.name ?? ''), reason: 'only OpenSLO SLO documents are read' });
        continue;
      }
      if (isOpenSlo(doc.data)) {
        // OpenSLO v1 `SLO` documents sit beside the catalog's own; their warnings (what is ignored) are not errors.
        const r = importOpenSlo(doc.data);
        problems.push(...r.problems.filter((p) => p.level === 'error').map((p) => at(p.path, p.message)));
        slos.push(...r.slos.map((d) => ({ slo: sloSpecOf(d, doc.data as Record<string, unknown>), at, path: '$.spec' })));
        continue;
      }
      const d = validateCatalogDocument(doc.data);
      problems.push(...d.problems.map((p) => at(p.path, p.message)));
      native.push(...d.services.map((s) => locateService(s, at, 'native')));
      checklists.push(...d.checklists.map((l) => ({ ...l, at })));
      slos.push(...d.slos.map((s) => ({ ...s, at })));
    }
  }
  const named = (s: LocatedService): Place => s.name;
  problems.push(...duplicates(native, (s) => s.service.name, named, 'service'));
  problems.push(...duplicates(imported, (s) => s.service.name, named, 'Backstage entity'));
  const services = merge(imported, native);
  // Cross-file names are only worth checking once each file reads cleanly: a broken entry would
  // otherwise be reported again as a dangling reference.
  if (problems.length === 0) problems.push(...checkReferences(services, checklists, slos, opts));
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    catalog: { services: services.map((s) => s.service), checklists: checklists.map((l) => l.checklist), slos: slos.map((s) => s.slo) },
    skipped,
  };
}

function locateService(r: ServiceRead, at: Locate, origin: 'native' | 'backstage'): LocatedService {
  const s = r.service;
  const runbooks = new Map(Object.keys(s.runbooks).map((k) => [k, { at, path: `${r.path}.runbooks${keyStep(k)}` }]));
  const escalationPath = origin === 'native' ? `${r.path}.escalation` : '$.metadata.annotations["runledger.io/escalation"]';
  return {
    service: s,
    name: { at, path: r.namePath },
    deps: s.dependsOn.map((dep, i) => ({ dep, at, path: r.depPaths[i] ?? r.path })),
    checks: r.checks.map((c) => ({ ...c, at })),
    ...(s.escalation !== undefined ? { escalation: { at, path: escalationPath } } : {}),
    runbooks,
  };
}

/** A native entry named like a Backstage entity extends it: its settings win, its edges add or re-mark edges. */
function merge(imported: readonly LocatedService[], native: readonly LocatedService[]): LocatedService[] {
  const byName = new Map(native.map((n) => [n.service.name, n]));
  const used = new Set<LocatedService>();
  const out = imported.map((b) => {
    const n = byName.get(b.service.name);
    if (!n) return b;
    used.add(n);
    const key = (d: Dependency): string => ('service' in d ? `s:${d.service}` : `c:${d.component}`);
    const overriding = new Set(n.deps.map((d) => key(d.dep)));
    const deps = [...b.deps.filter((d) => !overriding.has(key(d.dep))), ...n.deps];
    const { name: _name, runbooks: _r, components: _c, checks: _k, dependsOn: _d, ...settings } = n.service;
    const service = {
      ...b.service,
      ...settings,
      runbooks: { ...b.service.runbooks, ...n.service.runbooks },
      components: n.service.components,
      checks: n.service.checks,
      dependsOn: deps.map((d) => d.dep),
    };
    const escalation = n.escalation ?? b.escalation;
    return { service, name: b.name, deps, checks: n.checks, runbooks: n.runbooks, ...(escalation ? { escalation } : {}) };
  });
  return [...out, ...native.filter((n) => !used.has(n))];
}

function isOpenSlo(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { apiVersion?: unknown }).apiVersion === 'string' &&
    (data as { apiVersion: string }).apiVersion.startsWith('openslo/')
  );
}

/** An imported OpenSLO objective in the catalog's own terms (percent), so both kinds read the same downstream. */
function sloSpecOf(d: SloDefinition, doc: Readonly<Record<string, unknown>>): SloSpec {
  return {
    name: d.name,
    service: d.service,
    objective: Number((d.objective * 100).toPrecision(12)),
    windowMs: d.windowMs,
    ...(d.description ? { description: d.description } : {}),
    ...(d.latency ? { latencyMs: d.latency.thresholdMs } : {}),
    ...(d.checks && d.checks.length > 0 ? { checks: [...d.checks] } : {}),
    ...(d.basis ? { basis: d.basis } : {}),
    ...(d.minFailures !== undefined ? { minFailures: d.minFailures } : {}),
    spec: doc,
  };
}
