// The service catalog the health commands read: the server's, `--catalog PATH`, else
// `<data dir>/catalog.yaml`, else `<data dir>/catalog/`; and the lookups over it (checks, services,
// the checks a service's state rests on).
import { join, resolve } from 'node:path';
import type { Catalog, Check, Service } from '@runledger/core';
import {
  CATALOG_DIR,
  CATALOG_FILE,
  catalogPath,
  loadCatalog,
  loadOperationsConfig,
  operationsConfigPath,
  type LedgerLocation,
  type LoadedCatalog,
} from '@runledger/runtime';
import { ApiError } from '@runledger/server';
import { DEFAULT_HOME } from '@runledger/store';
import type { Io } from '../io.js';

export const CATALOG_FLAG = [
  '--catalog <path>',
  'the service catalog, a file or a directory (default: <data dir>/catalog.yaml, else <data dir>/catalog/)',
] as const;

/** The data directory the commands read (as `config check` resolves it). */
export function homeOf(io: Io, location: () => LedgerLocation): string {
  const loc = location();
  return resolve(loc.cwd ?? io.cwd, loc.home ?? (io.env['RUNLEDGER_HOME'] || DEFAULT_HOME));
}

/** Escalation policy names of the operations file, to check the catalog's against (as the server does); undefined when it cannot be read. */
export async function escalationNames(io: Io, home: string, flag?: string): Promise<string[] | undefined> {
  try {
    const l = await loadOperationsConfig(operationsConfigPath({ env: { ...io.env }, home, cwd: io.cwd, ...(flag ? { flag } : {}) }));
    return l.config.escalationPolicies.map((p) => p.name);
  } catch {
    // The operations file's own problems are `config check`'s to report; the names are then not checked.
    return undefined;
  }
}

/**
 * The catalog (CATALOG_INVALID with every problem as file:line:col); undefined when there is none and
 * `required` is false, CATALOG_ENTRY_NOT_FOUND when it is.
 */
export async function readCatalog(io: Io, location: () => LedgerLocation, flag: string | undefined, required: boolean): Promise<LoadedCatalog | undefined> {
  const home = homeOf(io, location);
  const path = catalogPath({ home, cwd: io.cwd, ...(flag ? { flag } : {}) });
  if (!path) {
    if (!required) return undefined;
    throw new ApiError(
      'CATALOG_ENTRY_NOT_FOUND',
      `${noCatalog(home)}: write one (docs/catalog.md; examples/catalog/catalog.yaml is a start) or pass --catalog PATH`,
    );
  }
  const names = await escalationNames(io, home);
  return loadCatalog(path, names ? { escalationPolicies: names } : {});
}

export function noCatalog(home: string): string {
  return `no service catalog: neither ${join(home, CATALOG_FILE)} nor ${join(home, CATALOG_DIR)}/ exists`;
}

export function checksOf(catalog: Pick<Catalog, 'services'>): Check[] {
  return catalog.services.flatMap((s) => [...s.checks, ...s.components.flatMap((c) => c.checks)]);
}

export function findService(l: LoadedCatalog, name: string): Service {
  const s = l.catalog.services.find((x) => x.name === name);
  if (!s)
    throw new ApiError(
      'CATALOG_ENTRY_NOT_FOUND',
      `no service ${JSON.stringify(name)} in ${l.path} (services: ${l.catalog.services.map((x) => x.name).join(', ') || 'none'})`,
    );
  return s;
}

/** The checks a service's state rests on: its own, its components', and those of everything it depends on. */
export function checksUnder(catalog: Catalog, services: readonly string[], components: readonly string[] = []): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const byName = new Map(catalog.services.map((s) => [s.name, s]));
  const component = (id: string): void => {
    const [svc = '', name = ''] = id.split('/');
    for (const k of byName.get(svc)?.components.find((c) => c.name === name)?.checks ?? []) out.add(k.id);
  };
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = byName.get(name);
    if (!s) return;
    for (const k of s.checks) out.add(k.id);
    for (const c of s.components) for (const k of c.checks) out.add(k.id);
    for (const d of s.dependsOn) {
      if ('service' in d) visit(d.service);
      else component(d.component);
    }
  };
  for (const s of services) visit(s);
  for (const c of components) component(c);
  return out;
}
