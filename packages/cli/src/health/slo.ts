// `runledger slo`: the catalog's SLOs over the probe history the server recorded in this data
// directory (or over events Prometheus counts, asked with --prometheus-url or the SLO's url) — each
// SLO's SLI, budget and burn rules now (list), a report for a period (report; the same history gives
// the same bytes, so it can go into a release's evidence), and what each burn rule needs to fire
// (explain, also printed by `config check`).
import type { Command } from 'commander';
import {
  checksOfSlo,
  describeBudget,
  describeObjective,
  explainRules,
  renderSloReport,
  sloDefinitionOf,
  sloSource,
  type Catalog,
  type SloSource,
  type SloSpec,
} from '@runledger/core';
import {
  computeSlos,
  HealthService,
  openLedger,
  RuntimeError,
  sloReport,
  type LedgerLocation,
  type LoadedCatalog,
  type SloComputed,
  type SloOptions,
} from '@runledger/runtime';
import { DAY, formatDuration } from '../duration.js';
import type { Io } from '../io.js';
import { CATALOG_FLAG, checksOf, homeOf, noCatalog, readCatalog } from './catalog.js';
import { pad } from './text.js';

const DEFAULT_INTERVAL_MS = 30_000;

const percent = (f: number): string => `${Math.round(f * 1e6) / 1e4} %`;

/** The shortest interval among an SLO's checks: the finest its history is sampled at. */
export function sloInterval(catalog: Catalog, slo: SloSpec): number {
  const ids = new Set(checksOfSlo(catalog, slo));
  const intervals = checksOf(catalog)
    .filter((c) => ids.has(c.id))
    .map((c) => c.intervalMs);
  return intervals.length > 0 ? Math.min(...intervals) : DEFAULT_INTERVAL_MS;
}

export interface SloExplanation {
  readonly name: string;
  readonly service: string;
  readonly objective: string;
  readonly source: SloSource;
  /** The checks' probe interval; null for an SLO over Prometheus events. */
  readonly intervalMs: number | null;
  readonly rules: readonly { readonly rule: string; readonly severity: string; readonly neverFires: boolean; readonly text: string }[];
}

/** For each SLO, what each multi-window burn rule needs to fire at its checks' interval (or that it never can). */
export function explainSlos(catalog: Catalog): SloExplanation[] {
  return catalog.slos.map((s) => {
    const def = sloDefinitionOf(catalog, s);
    const intervalMs = sloInterval(catalog, s);
    return {
      name: s.name,
      service: s.service,
      objective: describeObjective(def),
      source: sloSource(def),
      intervalMs: def.prometheus ? null : intervalMs,
      rules: explainRules(def, intervalMs).map((r) => ({ rule: r.name, severity: r.rule.severity, neverFires: r.neverFires, text: r.text })),
    };
  });
}

export function printExplanations(io: Io, list: readonly SloExplanation[], indent = ''): void {
  for (const e of list) {
    const counted = e.intervalMs === null ? 'events from Prometheus' : `probed every ${formatDuration(e.intervalMs)}`;
    io.out(`${indent}${e.name} (service ${e.service}, ${e.objective}, ${counted})\n`);
    for (const r of e.rules) io.out(`${indent}  ${pad(r.severity, 8)}${r.text}\n`);
  }
}

/** The health service over this data directory's history (nothing is probed or scheduled). */
async function withHealth<T>(location: () => LedgerLocation, l: LoadedCatalog, fn: (h: HealthService) => Promise<T>): Promise<T> {
  const ledger = await openLedger(location(), { write: false });
  try {
    const h = new HealthService({ store: ledger.store, catalog: l.catalog });
    await h.open();
    return await fn(h);
  } finally {
    await ledger.close();
  }
}

function sloJson(c: SloComputed) {
  const { slo, result, burn } = c;
  return {
    name: slo.name,
    service: slo.service,
    kind: slo.kind,
    source: sloSource(slo),
    objective: slo.objective,
    objectiveText: describeObjective(slo),
    windowMs: slo.windowMs,
    checks: [...(slo.checks ?? [])],
    sli: result.sli,
    met: result.met,
    budget: result.budget,
    burnRate: result.burnRate,
    description: describeBudget(result),
    burn: burn.map((b) => ({ rule: b.name, severity: b.rule.severity, firing: b.fires, reason: b.reason })),
    problem: result.problem,
  };
}

const PROMETHEUS_FLAG = ['--prometheus-url <url>', 'the Prometheus asked by SLOs over Prometheus events that name no url'] as const;

function sloOptions(url: string | undefined): SloOptions {
  if (url === undefined) return {};
  if (!/^https?:\/\/[^/]/i.test(url)) throw new RuntimeError('INPUT_INVALID', `--prometheus-url ${url}: expected an http or https URL`);
  return { prometheusUrl: url };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function timeArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = RFC3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t))
    throw new RuntimeError('INPUT_INVALID', `${flag} ${JSON.stringify(v)}: expected an RFC 3339 time with its offset, e.g. 2026-11-01T00:00:00Z`);
  return t;
}

export function registerSloCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const slo = program.command('slo').description('service level objectives over the recorded probe history');

  slo
    .command('list', { isDefault: true })
    .description('each SLO over its rolling window ending now: SLI, objective, met, error budget, burn rules firing')
    .option(...CATALOG_FLAG)
    .option(...PROMETHEUS_FLAG)
    .option('--json', 'as one JSON object')
    .action(async (o: { catalog?: string; json?: boolean; prometheusUrl?: string }) => {
      const opts = sloOptions(o.prometheusUrl);
      const l = await readCatalog(io, location, o.catalog, false);
      if (!l) {
        if (o.json) io.out(`${JSON.stringify({ at: null, slos: [] })}\n`);
        else io.out(`${noCatalog(homeOf(io, location))}\n`);
        return;
      }
      const now = Date.now();
      const list = (await withHealth(location, l, (h) => computeSlos(h, now, opts))).map(sloJson);
      if (o.json) {
        io.out(`${JSON.stringify({ at: new Date(now).toISOString(), slos: list })}\n`);
        return;
      }
      if (list.length === 0) {
        io.out(`no SLOs in ${l.path}\n`);
        return;
      }
      for (const [i, s] of list.entries()) {
        const verdict = s.problem !== null ? 'PROBLEM' : s.met === null ? 'NO DATA' : s.met ? 'MET' : 'NOT MET';
        const counted = s.source === 'prometheus' ? 'source prometheus' : `checks ${s.checks.join(', ') || '-'}`;
        io.out(`${i > 0 ? '\n' : ''}${s.name} (service ${s.service}, ${s.kind}, ${formatDuration(s.windowMs)} window; ${counted})\n`);
        io.out(`  SLI ${s.sli === null ? 'no data' : percent(s.sli)}  objective ${s.objectiveText}  ${verdict}\n`);
        io.out(s.problem !== null ? `  problem: ${s.problem}\n` : `  budget: ${s.description}\n`);
        const firing = s.burn.filter((b) => b.firing);
        io.out(`  burn rules: ${firing.length === 0 ? 'none firing' : firing.map((b) => `${b.rule} (${b.severity})`).join(', ')}\n`);
        for (const b of s.burn) io.out(`    ${pad(b.severity, 8)}${b.rule}: ${b.reason}\n`);
      }
    });

  slo
    .command('report')
    .description('an SLO report for a period [from, to): the same recorded history always gives the same text (release evidence)')
    .option('--from <time>', 'start, RFC 3339 (default: 30 days before --to)')
    .option('--to <time>', 'end, RFC 3339 (default: now)')
    .option(...CATALOG_FLAG)
    .option(...PROMETHEUS_FLAG)
    .option('--json', 'the report as JSON (runledger.slo-report, version 1)')
    .action(async (o: { from?: string; to?: string; catalog?: string; json?: boolean; prometheusUrl?: string }) => {
      const opts = sloOptions(o.prometheusUrl);
      const to = timeArg('--to', o.to) ?? Date.now();
      const from = timeArg('--from', o.from) ?? to - 30 * DAY;
      if (!(from < to)) throw new RuntimeError('INPUT_INVALID', '--from must be before --to');
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const report = await withHealth(location, l, (h) => sloReport(h, from, to, opts));
      io.out(o.json ? `${JSON.stringify(report)}\n` : renderSloReport(report));
    });

  slo
    .command('explain')
    .description('what each burn rule needs to fire for each SLO, at its checks’ probe interval (or why it never can)')
    .option(...CATALOG_FLAG)
    .option('--json', 'as one JSON object')
    .action(async (o: { catalog?: string; json?: boolean }) => {
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const list = explainSlos(l.catalog);
      if (o.json) io.out(`${JSON.stringify({ slos: list })}\n`);
      else if (list.length === 0) io.out(`no SLOs in ${l.path}\n`);
      else printExplanations(io, list);
    });
}
