// The service catalog's part of `runledger config check`: the file read as the server reads it (its
// escalation names checked against the operations file), every problem as file:line:col, and for each
// SLO what each burn rule needs to fire.
import { catalogPath, CatalogInvalidError, loadCatalog, type LedgerLocation, type LoadedCatalog } from '@runledger/runtime';
import type { FileProblem } from '@runledger/core';
import { formatDuration } from '../duration.js';
import type { Io } from '../io.js';
import { checksOf, homeOf, noCatalog } from './catalog.js';
import { explainSlos, printExplanations } from './slo.js';
import { pad } from './text.js';

export type CatalogCheck =
  | { readonly ok: true; readonly loaded: LoadedCatalog }
  | { readonly ok: true; readonly loaded: undefined; readonly none: string }
  | { readonly ok: false; readonly error: CatalogInvalidError };

/** Reads the catalog (`--catalog`, else the data directory's); a refused one is returned, not thrown, so the summary can say so first. */
export function checkCatalog(io: Io, location: () => LedgerLocation, flag: string | undefined, escalationPolicies: readonly string[]): CatalogCheck {
  const home = homeOf(io, location);
  const path = catalogPath({ home, cwd: io.cwd, ...(flag ? { flag } : {}) });
  if (!path) return { ok: true, loaded: undefined, none: noCatalog(home) };
  try {
    return { ok: true, loaded: loadCatalog(path, { escalationPolicies }) };
  } catch (e) {
    if (e instanceof CatalogInvalidError) return { ok: false, error: e };
    throw e;
  }
}

function problemJson(p: FileProblem) {
  return { file: p.file, line: p.line, column: p.column, path: p.path, message: p.message };
}

export function catalogJson(c: CatalogCheck) {
  if (!c.ok) return { ok: false as const, path: c.error.path, problems: c.error.problems.map(problemJson) };
  const l = c.loaded;
  if (!l) return null;
  const cat = l.catalog;
  return {
    ok: true as const,
    path: l.path,
    digest: l.digest,
    files: [...l.files],
    services: cat.services.map((s) => s.name),
    checks: checksOf(cat).map((k) => ({ id: k.id, kind: k.probe.kind, intervalMs: k.intervalMs })),
    checklists: cat.checklists.map((x) => ({ name: x.name, items: x.items.length })),
    skipped: [...l.skipped],
    slos: explainSlos(cat),
  };
}

export function printCatalog(io: Io, c: CatalogCheck): void {
  const row = (k: string, n: number | string, rest = ''): void => io.out(`${pad(k, 20)}${pad(String(n), 4)}${rest}`.trimEnd() + '\n');
  if (!c.ok) return;
  const l = c.loaded;
  if (!l) {
    io.out(`${pad('service catalog', 20)}none (${c.none.replace(/^no service catalog: /, '')})\n`);
    return;
  }
  const cat = l.catalog;
  io.out(`${pad('service catalog', 20)}${l.path}\n${pad('catalog digest', 20)}${l.digest}\n`);
  row('services', cat.services.length, cat.services.map((s) => s.name).join(', '));
  const checks = checksOf(cat);
  row('checks', checks.length, checks.map((k) => `${k.id} (${k.probe.kind}, every ${formatDuration(k.intervalMs)})`).join(', '));
  row('checklists', cat.checklists.length, cat.checklists.map((x) => `${x.name} (${x.items.length} item${x.items.length === 1 ? '' : 's'})`).join(', '));
  if (l.skipped.length > 0) row('skipped', l.skipped.length, l.skipped.map((s) => `${s.kind} ${s.name} (${s.reason})`).join(', '));
  const slos = explainSlos(cat);
  row('SLOs', slos.length, slos.map((s) => `${s.name} (${s.objective})`).join(', '));
  if (slos.length > 0) {
    io.out('  what each burn rule needs to fire:\n');
    printExplanations(io, slos, '  ');
  }
}
