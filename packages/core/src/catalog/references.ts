// Checks that span files: names defined twice (both places named), dependencies and checklist items
// that point nowhere ("did you mean"), dependency cycles, and, when the caller knows them,
// escalation policies and runbooks. Runs on located entries so every problem has file:line:col.
import type { FileProblem } from '../operations/yaml-locate.js';
import { didYouMean } from './checker.js';
import type { Check, Checklist, Dependency, Service, SloSpec } from './types.js';

export type Locate = (path: string, message: string) => FileProblem;
export interface Place {
  readonly at: Locate;
  readonly path: string;
}

export interface LocatedService {
  readonly service: Service;
  readonly name: Place;
  readonly deps: ReadonlyArray<{ readonly dep: Dependency } & Place>;
  readonly checks: ReadonlyArray<{ readonly check: Check } & Place>;
  readonly escalation?: Place;
  readonly runbooks: ReadonlyMap<string, Place>;
}
export interface LocatedChecklist extends Place {
  readonly checklist: Checklist;
  readonly itemPaths: readonly string[];
}
export interface LocatedSlo extends Place {
  readonly slo: SloSpec;
}

export interface ReferenceOptions {
  /** Escalation policy names from the operations file; unchecked when not given. */
  readonly escalationPolicies?: readonly string[];
  /** Runbook ids known to the caller; unchecked when not given. */
  readonly runbooks?: readonly string[];
}

/** `file:line:col` of a place, for "also defined at". */
export function placeText(p: Place): string {
  const f = p.at(p.path, '');
  return `${f.file}:${f.line}:${f.column}`;
}

/** Reports every name given twice, at the second place, naming the first. */
export function duplicates<T>(items: readonly T[], key: (x: T) => string, place: (x: T) => Place, what: string): FileProblem[] {
  const first = new Map<string, Place>();
  const out: FileProblem[] = [];
  for (const x of items) {
    const k = key(x);
    const p = place(x);
    const prev = first.get(k);
    if (prev) out.push(p.at(p.path, `${what} ${k} is also defined at ${placeText(prev)}`));
    else first.set(k, p);
  }
  return out;
}

export function checkReferences(
  services: readonly LocatedService[],
  checklists: readonly LocatedChecklist[],
  slos: readonly LocatedSlo[],
  opts: ReferenceOptions,
): FileProblem[] {
  const out: FileProblem[] = [];
  const byName = new Map(services.map((s) => [s.service.name, s.service]));
  const checks = services.flatMap((s) => s.checks);
  // A check's id is written (`id:`) or made from its place (`service/component/name`): point at whichever made it.
  const idPath = (c: Check): string => (c.id === [c.service, c.component, c.name].filter((x) => x !== undefined).join('/') ? 'name' : 'id');
  out.push(
    ...duplicates(
      checks,
      (c) => c.check.id,
      (c) => ({ at: c.at, path: `${c.path}.${idPath(c.check)}` }),
      'check',
    ),
  );
  out.push(
    ...duplicates(
      checklists,
      (c) => c.checklist.name,
      (c) => ({ at: c.at, path: `${c.path}.name` }),
      'checklist',
    ),
  );
  out.push(
    ...duplicates(
      slos,
      (s) => s.slo.name,
      (s) => ({ at: s.at, path: `${s.path}.name` }),
      'SLO',
    ),
  );
  const checkIds = new Set(checks.map((c) => c.check.id));

  for (const s of services) {
    for (const d of s.deps) {
      const problem = dependencyProblem(s.service.name, d.dep, byName);
      if (problem) out.push(d.at(d.path, problem));
    }
    if (opts.escalationPolicies && s.escalation && s.service.escalation && !opts.escalationPolicies.includes(s.service.escalation))
      out.push(
        s.escalation.at(
          s.escalation.path,
          `no escalation policy named ${s.service.escalation} in the operations file${didYouMean(s.service.escalation, opts.escalationPolicies)}`,
        ),
      );
    for (const [k, id] of Object.entries(s.service.runbooks)) {
      const p = s.runbooks.get(k);
      if (opts.runbooks && p && !opts.runbooks.includes(id)) out.push(p.at(p.path, `no runbook with id ${id}${didYouMean(id, opts.runbooks)}`));
    }
  }
  out.push(...cycles(services));
  const checklistNames = new Set(checklists.map((l) => l.checklist.name));
  for (const s of services)
    for (const k of ['checklist', 'postRollback'] as const) {
      const name = s.service.release?.[k];
      if (name !== undefined && !checklistNames.has(name))
        out.push(s.name.at(`${s.name.path.replace(/\.name$/, '')}.release.${k}`, `no checklist named ${name}${didYouMean(name, checklistNames)}`));
    }

  for (const l of checklists) {
    l.checklist.items.forEach((item, i) => {
      const path = l.itemPaths[i] ?? l.path;
      if (item.kind === 'check' && !checkIds.has(item.check))
        out.push(l.at(`${path}.check`, `no check with id ${item.check}${didYouMean(item.check, checkIds)}`));
      if (item.kind === 'service' && !byName.has(item.service))
        out.push(l.at(`${path}.service`, `no service named ${item.service}${didYouMean(item.service, byName.keys())}`));
      if (item.kind === 'noOpenIncident' && item.service !== undefined && !byName.has(item.service))
        out.push(l.at(`${path}.noOpenIncident.service`, `no service named ${item.service}${didYouMean(item.service, byName.keys())}`));
    });
  }
  for (const s of slos) {
    if (!byName.has(s.slo.service)) out.push(s.at(`${s.path}.service`, `no service named ${s.slo.service}${didYouMean(s.slo.service, byName.keys())}`));
    (s.slo.checks ?? []).forEach((id, i) => {
      if (!checkIds.has(id)) out.push(s.at(`${s.path}.checks[${i}]`, `no check ${id}${didYouMean(id, checkIds)}`));
    });
  }
  return out;
}

function dependencyProblem(self: string, d: Dependency, byName: ReadonlyMap<string, Service>): string | undefined {
  if ('service' in d) {
    if (d.service === self) return `${self} cannot depend on itself`;
    return byName.has(d.service) ? undefined : `no service named ${d.service}${didYouMean(d.service, byName.keys())}`;
  }
  const [svc = '', name = ''] = d.component.split('/');
  const target = byName.get(svc);
  if (!target) return `no service named ${svc}${didYouMean(svc, byName.keys())}`;
  if (svc === self) return `a service's own component is a component, not a dependency: list it under components`;
  if (!target.components.some((c) => c.name === name))
    return `${svc} has no component ${name}${didYouMean(
      name,
      target.components.map((c) => c.name),
    )} (it has ${target.components.map((c) => c.name).join(', ') || 'none'})`;
  return undefined;
}

/**
 * Dependency cycles (a component dependency counts as one on its service): each reported once, at
 * the dependency that closes it, with the whole loop in the message.
 */
function cycles(services: readonly LocatedService[]): FileProblem[] {
  const byName = new Map(services.map((s) => [s.service.name, s]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const out: FileProblem[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    const s = byName.get(name);
    for (const d of s?.deps ?? []) {
      const target = 'service' in d.dep ? d.dep.service : (d.dep.component.split('/')[0] ?? '');
      if (target === name || !byName.has(target)) continue;
      const st = state.get(target);
      if (st === 'open') {
        const loop = [...stack.slice(stack.indexOf(target)), target];
        out.push(d.at(d.path, `dependency cycle: ${loop.join(' → ')} (a service cannot need what needs it)`));
      } else if (st === undefined) visit(target);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const s of services) if (!state.has(s.service.name)) visit(s.service.name);
  return out;
}
