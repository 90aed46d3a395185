// `health`: the catalog's "healthy if and only if" checklists, one checklist, or one service (its state
// and each of its checks), evaluated now, probing the checks they need; facts from the data directory
// as the server's, Runledger's readiness local or via --server.
import {
  describeVerdict,
  evaluateChecklist,
  type Catalog,
  type CatalogHealth,
  type Checklist,
  type ChecklistFacts,
  type ChecklistItem,
  type ChecklistResult,
  type Service,
} from '@runledger/core';
import {
  anchorDirsFact,
  backupFact,
  drillFact,
  backupRpoTargetSeconds,
  BackupVerifier,
  defaultBackupDir,
  gatherFacts,
  resolveLedgerHome,
  type CheckOutcome,
  type FactSources,
  type LedgerContext,
  type LedgerLocation,
  type LoadedCatalog,
} from '@runledger/runtime';
import { activeBypassesOf, ApiError, openIncidentFact, readStoredVerification, verificationFact } from '@runledger/server';
import { IncidentStore, RunStore } from '@runledger/store';
import type { Io } from '../io.js';
import { checksUnder, readCatalog } from './catalog.js';
import { localReadiness, serverReadiness } from './readiness.js';
import { probedSnapshot, statesOf, UNKNOWN, withStore, type CheckNow } from './snapshot.js';

export interface HealthOptions {
  readonly catalog?: string;
  readonly json?: boolean;
  readonly prometheusUrl?: string;
  readonly server?: string;
}

export interface HealthEvaluation {
  healthy: boolean;
  kind: 'checklist' | 'service' | 'all';
  results: ChecklistResult[];
  lists?: Checklist[];
  probes: Map<string, CheckOutcome>;
  at: string;
}

/** The items of a service: its state, then each of its checks (its components' too). */
export function serviceResult(service: Service, health: CatalogHealth, checks: ReadonlyMap<string, CheckNow>): ChecklistResult {
  const v = health.services[service.name] ?? UNKNOWN;
  const items = [
    {
      name: `service ${service.name} is up`,
      ok: v.state === 'up',
      evidence: {
        service: service.name,
        state: v.state,
        ...(v.cause ? { cause: v.cause } : {}),
        reasons: [...v.reasons],
        explanation: describeVerdict(service.name, v),
      },
    },
    ...[...service.checks, ...service.components.flatMap((c) => c.checks)].map((c) => {
      const now = checks.get(c.id);
      const state = now?.state ?? 'unknown';
      const l = now?.last;
      return {
        name: `check ${c.id} is up`,
        ok: state === 'up',
        evidence: l
          ? { check: c.id, state, reason: l.reason, detail: l.detail, ...(l.latencyMs !== undefined ? { latencyMs: l.latencyMs } : {}) }
          : `no result for check ${c.id}`,
      };
    }),
  ];
  return { name: service.name, healthy: items.every((i) => i.ok), items };
}

/** What `name` names: a checklist or a service (neither when it is undefined); both, or none, is refused. */
function findTarget(l: LoadedCatalog, name: string | undefined): { list: Checklist | undefined; service: Service | undefined } {
  const catalog = l.catalog;
  const list = name === undefined ? undefined : catalog.checklists.find((x) => x.name === name);
  const service = name === undefined ? undefined : catalog.services.find((x) => x.name === name);
  if (name !== undefined && !list && !service)
    throw new ApiError(
      'CATALOG_ENTRY_NOT_FOUND',
      `no checklist or service ${JSON.stringify(name)} in ${l.path} (checklists: ${catalog.checklists.map((x) => x.name).join(', ') || 'none'}; services: ${catalog.services.map((x) => x.name).join(', ') || 'none'})`,
    );
  if (list && service) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `${JSON.stringify(name)} names both a checklist and a service in ${l.path}; rename one`);
  return { list, service };
}

/** The checklists to evaluate: the one named, else the catalog's; with no checklist in the catalog, each service up is the statement. */
function checklistsFor(catalog: Catalog, list: Checklist | undefined): Checklist[] {
  return list
    ? [list]
    : catalog.checklists.length > 0
      ? [...catalog.checklists]
      : [
          {
            name: 'services',
            description: 'every service of the catalog is up',
            items: catalog.services.map((s): ChecklistItem => ({ kind: 'service', service: s.name, allow: ['up'], name: `service ${s.name} is up` })),
          },
        ];
}

/** The checks the items rest on: those under each service item, and each check item's. */
function checksNeeded(catalog: Catalog, items: readonly ChecklistItem[]): Set<string> {
  const wanted = checksUnder(
    catalog,
    items.flatMap((i) => (i.kind === 'service' ? [i.service] : [])),
  );
  for (const i of items) if (i.kind === 'check') wanted.add(i.check);
  return wanted;
}

/** Whether some item needs the data directory's store (ledger verification, bypasses, incidents, local readiness). */
function needsStore(items: readonly ChecklistItem[], o: HealthOptions): boolean {
  return items.some(
    (i) =>
      i.kind === 'ledger' ||
      i.kind === 'anchors' ||
      i.kind === 'drill' ||
      i.kind === 'noBypass' ||
      i.kind === 'noOpenIncident' ||
      (i.kind === 'ready' && !o.server),
  );
}

/** Where the items' facts come from: the data directory as the server's, readiness local or via --server, Prometheus. */
function factSources(
  o: HealthOptions,
  ledger: LedgerContext | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  location: () => LedgerLocation,
): FactSources {
  const runs = ledger ? new RunStore(ledger.store) : undefined;
  return {
    // The server's rule on the same directory: the newest verified backup against RUNLEDGER_BACKUP_RPO (off: unknown).
    backup: async () => {
      const target = backupRpoTargetSeconds(env);
      if (target === undefined) return undefined;
      return backupFact(new BackupVerifier(defaultBackupDir(resolveLedgerHome(location()), env)), new Date(), target);
    },
    ...(ledger ? { drill: (kind: string) => drillFact(ledger.reader, kind, new Date()) } : {}),
    ...(runs
      ? {
          ledgerVerification: async (mode: 'full' | 'sampled') => verificationFact(await readStoredVerification(runs), mode),
          activeBypasses: () => activeBypassesOf(runs),
        }
      : {}),
    ...(ledger
      ? {
          anchors: async () => anchorDirsFact(ledger, env.RUNLEDGER_ANCHORS, cwd),
          openIncidents: async () => (await new IncidentStore(ledger.store).list({ states: ['triggered', 'acknowledged'], limit: 1000 })).map(openIncidentFact),
        }
      : {}),
    readiness: async () => {
      if (o.server) return serverReadiness(o.server);
      if (!ledger) return undefined;
      const checks = await localReadiness(ledger);
      return { ready: checks.every((c) => c.ok), failed: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`) };
    },
    ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
  };
}

export async function evaluateHealth(io: Io, location: () => LedgerLocation, name: string | undefined, o: HealthOptions): Promise<HealthEvaluation> {
  const l = (await readCatalog(io, location, o.catalog, true))!;
  const catalog = l.catalog;
  const at = new Date().toISOString();
  const { list, service } = findTarget(l, name);

  if (service) {
    const snap = await probedSnapshot(catalog, checksUnder(catalog, [service.name]), io.env);
    const r = serviceResult(service, snap.health, snap.checks);
    return { healthy: r.healthy, kind: 'service', results: [r], probes: snap.outcomes, at };
  }

  const lists = checklistsFor(catalog, list);
  const lr = lists.flatMap((x) => x.items);
  // Nothing to evaluate is not healthy: no data never reads as healthy.
  if (lr.length === 0) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `${l.path} has no checklists and no services: nothing to evaluate`);
  const snap = await probedSnapshot(catalog, checksNeeded(catalog, lr), io.env);
  const evaluate = async (ledger: LedgerContext | undefined): Promise<ChecklistResult[]> => {
    const gathered = await gatherFacts(lists, undefined, factSources(o, ledger, io.env, io.cwd, location));
    const states = statesOf(snap.checks);
    const facts: ChecklistFacts = { ...gathered, checkState: (id) => states[id], serviceHealth: (n) => snap.health.services[n] };
    return lists.map((x) => evaluateChecklist(x, facts));
  };
  const results = needsStore(lr, o) ? await withStore(location, evaluate) : await evaluate(undefined);
  return { healthy: results.every((r) => r.healthy), kind: list ? 'checklist' : 'all', results, lists, probes: snap.outcomes, at };
}
