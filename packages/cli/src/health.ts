// Continuous health from the command line: `services` (the catalog's services with their states, as the
// server recorded them or probed now), `checks run` (one check probed now, nothing recorded) and
// `health` (the "healthy if and only if" checklists, or one service, evaluated now: exit 0 only when
// every item holds). The catalog is the server's: `--catalog PATH`, else `<data dir>/catalog.yaml`,
// else `<data dir>/catalog/`. --json prints the API's shapes where the API has one.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { bytesEqual, parseNote, toBase64 } from '@runledger/ledger';
import {
  computeHealth,
  describeVerdict,
  evaluateChecklist,
  type Catalog,
  type CatalogHealth,
  type Check,
  type Checklist,
  type ChecklistFacts,
  type ChecklistItem,
  type ChecklistResult,
  type CheckState,
  type Evidence,
  type HealthVerdict,
  type Service,
} from '@runledger/core';
import {
  CATALOG_DIR,
  CATALOG_FILE,
  catalogPath,
  EXIT,
  gatherFacts,
  judge,
  loadCatalog,
  loadOperationsConfig,
  openLedger,
  operationsConfigPath,
  probeSpecOf,
  resolveSecret,
  runProbe,
  type CheckOutcome,
  type FactSources,
  type LastResult,
  type LedgerContext,
  type LedgerLocation,
  type LoadedCatalog,
} from '@runledger/runtime';
import { activeBypassesOf, ApiError, openIncidentFact, readStoredVerification, targetOf, verificationFact } from '@runledger/server';
import { DEFAULT_HOME, HealthStore, IncidentStore, loadSigners, MIGRATION_HEAD, RunStore } from '@runledger/store';
import type { Io } from './io.js';

const CATALOG_FLAG = ['--catalog <path>', 'the service catalog, a file or a directory (default: <data dir>/catalog.yaml, else <data dir>/catalog/)'] as const;
/** Probes run at once by `services --probe` and `health`. */
const PROBE_CONCURRENCY = 8;

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));
const ms = (x: number): string => `${Math.round(x * 10) / 10} ms`;

// ── the catalog ─────────────────────────────────────────────────────────────────────────────────

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

function findService(l: LoadedCatalog, name: string): Service {
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

// ── probing ─────────────────────────────────────────────────────────────────────────────────────

/** `env:NAME` and `file:/path` references in probes (postgres URLs, credential headers), as the server resolves them. */
function secretResolver(env: Io['env']): (v: string) => string {
  return (v) => {
    if (v.startsWith('env:')) return resolveSecret({ env: v.slice(4) }, { ...env });
    if (v.startsWith('file:')) return resolveSecret({ file: v.slice(5) }, { ...env });
    return v;
  };
}

/** One probe of one check, judged (what the server's health service does each interval; nothing is recorded). */
export async function probeCheck(c: Check, env: Io['env']): Promise<CheckOutcome> {
  const spec = probeSpecOf(c, secretResolver(env));
  const r = await runProbe(spec, { signal: AbortSignal.timeout(c.timeoutMs + 1000) });
  return judge(c, r, Date.now());
}

/** Every check given, at most PROBE_CONCURRENCY at once; a check that cannot be probed here (a secret missing) fails with why. */
async function probeAll(checks: readonly Check[], env: Io['env']): Promise<Map<string, { outcome: CheckOutcome; at: string }>> {
  const out = new Map<string, { outcome: CheckOutcome; at: string }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checks.length) {
      const c = checks[next++]!;
      const at = new Date().toISOString();
      let outcome: CheckOutcome;
      try {
        outcome = await probeCheck(c, env);
      } catch (e) {
        const detail = `cannot probe here: ${e instanceof Error ? e.message : String(e)}`;
        outcome = { ok: false, reason: 'error', detail, conditions: [], probe: { ok: false, reason: 'error', detail, durationMs: 0 } };
      }
      out.set(c.id, { outcome, at });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, checks.length) }, worker));
  return out;
}

function lastOf(o: CheckOutcome, at: string): LastResult {
  return {
    at,
    ok: o.ok,
    reason: o.reason,
    detail: o.detail,
    ...(o.latencyMs !== undefined ? { latencyMs: Math.round(o.latencyMs * 10) / 10 } : {}),
    ...(o.probe.observation?.status !== undefined ? { status: o.probe.observation.status } : {}),
    ...(o.probe.phases ? { phases: o.probe.phases } : {}),
    conditions: o.conditions,
  };
}

// ── states: recorded by the server, or probed now ───────────────────────────────────────────────

interface CheckNow {
  readonly state: CheckState;
  readonly since: string | null;
  readonly last: LastResult | null;
}

interface Snapshot {
  /** `recorded`: what the server stored in this data directory; `probed`: one probe per check, now. */
  readonly source: 'recorded' | 'probed';
  readonly checks: ReadonlyMap<string, CheckNow>;
  readonly health: CatalogHealth;
  readonly serviceSince: ReadonlyMap<string, string>;
  /** The newest result the states rest on (recorded), or when the probes ran. */
  readonly at: string | null;
}

const statesOf = (checks: ReadonlyMap<string, CheckNow>): Record<string, CheckState> => Object.fromEntries([...checks].map(([id, c]) => [id, c.state]));

async function recordedSnapshot(ledger: LedgerContext, catalog: Catalog): Promise<Snapshot> {
  const store = new HealthStore(ledger.store);
  const wanted = new Set(checksOf(catalog).map((c) => c.id));
  const checks = new Map<string, CheckNow>();
  let at: string | null = null;
  for (const r of await store.checks()) {
    if (!wanted.has(r.id)) continue;
    const last = (r.last as LastResult | undefined) ?? null;
    checks.set(r.id, { state: r.state as CheckState, since: r.since, last });
    if (last && (at === null || last.at > at)) at = last.at;
  }
  const serviceSince = new Map((await store.services()).map((s) => [s.name, s.since]));
  return { source: 'recorded', checks, health: computeHealth(catalog, statesOf(checks)), serviceSince, at };
}

async function probedSnapshot(
  catalog: Catalog,
  only: ReadonlySet<string> | undefined,
  env: Io['env'],
): Promise<Snapshot & { outcomes: Map<string, CheckOutcome> }> {
  const list = checksOf(catalog).filter((c) => !only || only.has(c.id));
  const at = new Date().toISOString();
  const probed = await probeAll(list, env);
  const checks = new Map<string, CheckNow>();
  const outcomes = new Map<string, CheckOutcome>();
  // In catalog order, whatever order the probes finished in.
  for (const c of list) {
    const p = probed.get(c.id)!;
    checks.set(c.id, { state: p.outcome.ok ? 'up' : 'down', since: null, last: lastOf(p.outcome, p.at) });
    outcomes.set(c.id, p.outcome);
  }
  return { source: 'probed', checks, health: computeHealth(catalog, statesOf(checks)), serviceSince: new Map(), at, outcomes };
}

async function withStore<T>(location: () => LedgerLocation, fn: (ledger: LedgerContext) => Promise<T>): Promise<T> {
  const ledger = await openLedger(location(), { write: false });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

// ── services: JSON (the API's shapes) and text ──────────────────────────────────────────────────

const UNKNOWN: HealthVerdict = { state: 'unknown', via: [], reasons: [] };

function checkJson(c: Check, now: CheckNow | undefined) {
  return {
    id: c.id,
    name: c.name,
    service: c.service,
    ...(c.component ? { component: c.component } : {}),
    kind: c.probe.kind,
    target: targetOf(c),
    intervalMs: c.intervalMs,
    timeoutMs: c.timeoutMs,
    optional: c.optional,
    severity: c.severity,
    conditions: c.conditions.map((x) => x.text),
    state: now?.state ?? 'unknown',
    since: now?.since ?? null,
    last: now?.last ? { ...now.last, conditions: [...now.last.conditions] } : null,
  };
}

function serviceJson(catalog: Catalog, snap: Snapshot, s: Service) {
  const v = snap.health.services[s.name] ?? UNKNOWN;
  const comps = snap.health.components;
  return {
    name: s.name,
    description: s.description ?? null,
    owner: s.owner ?? null,
    system: s.system ?? null,
    state: v.state,
    since: snap.serviceSince.get(s.name) ?? null,
    cause: v.cause ?? null,
    via: [...v.via],
    reasons: [...v.reasons],
    explanation: describeVerdict(s.name, v),
    checks: s.checks.map((c) => checkJson(c, snap.checks.get(c.id))),
    components: s.components.map((c) => ({
      id: c.id,
      name: c.name,
      optional: c.optional,
      state: comps[c.id]?.state ?? 'unknown',
      checks: c.checks.map((k) => checkJson(k, snap.checks.get(k.id))),
    })),
    dependsOn: s.dependsOn.map((d) => {
      const target = 'service' in d ? d.service : d.component;
      const state = ('service' in d ? snap.health.services[d.service]?.state : comps[d.component]?.state) ?? 'unknown';
      return { target, optional: d.optional, state };
    }),
    dependents: catalog.services.filter((x) => x.dependsOn.some((d) => ('service' in d ? d.service : d.component.split('/')[0]) === s.name)).map((x) => x.name),
    runbooks: { ...s.runbooks },
    escalation: s.escalation ?? null,
  };
}

type ServiceOut = ReturnType<typeof serviceJson>;
type CheckOut = ReturnType<typeof checkJson>;

function sourceLine(snap: Snapshot): string {
  if (snap.source === 'probed')
    return `states from one probe of each check now (${snap.at}); the server confirms a failure over failureThreshold probes before it calls a check down\n`;
  if (snap.checks.size === 0) return 'no results recorded in this data directory yet (no server has run these checks here): `--probe` probes them now\n';
  return `states as the server recorded them (newest result ${snap.at ?? 'none'}); \`--probe\` probes every check now\n`;
}

function printServices(io: Io, l: LoadedCatalog, snap: Snapshot, rows: readonly ServiceOut[]): void {
  io.out(`${pad('STATE', 10)}${pad('SERVICE', 20)}${pad('OWNER', 16)}EXPLANATION\n`);
  for (const s of rows) io.out(`${pad(s.state, 10)}${pad(s.name, 20)}${pad(s.owner ?? '-', 16)}${s.explanation}\n`);
  io.out(`\ncatalog ${l.path} (${l.digest.slice(0, 19)}…)\n${sourceLine(snap)}`);
}

function checkLines(c: CheckOut, indent: string): string {
  const head = `${indent}${pad(c.state, 9)}${pad(c.id, 30)}${c.kind === 'http' ? '' : `${c.kind} `}${c.target}${c.optional ? ' (optional)' : ''}\n`;
  const l = c.last;
  if (!l) return `${head}${indent}${' '.repeat(9)}no result yet\n`;
  const latency = l.latencyMs !== undefined ? `, ${ms(l.latencyMs)}` : '';
  return `${head}${indent}${' '.repeat(9)}${l.reason}: ${l.detail} (at ${l.at}${latency})\n`;
}

function printService(io: Io, snap: Snapshot, s: ServiceOut): void {
  io.out(`${s.name}  ${s.state.toUpperCase()}\n  ${s.explanation}\n\n`);
  const row = (k: string, v: string | null): void => {
    if (v) io.out(`${pad(k, 14)}${v}\n`);
  };
  row('owner', s.owner);
  row('description', s.description);
  row('system', s.system);
  row('since', s.since);
  row(
    'runbooks',
    Object.keys(s.runbooks).length
      ? Object.entries(s.runbooks)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
      : null,
  );
  row('escalation', s.escalation);
  io.out(`\nchecks${s.checks.length ? '' : ' (none of its own)'}\n`);
  for (const c of s.checks) io.out(checkLines(c, '  '));
  if (s.components.length) {
    io.out('\ncomponents\n');
    for (const c of s.components) {
      io.out(`  ${pad(c.state, 9)}${c.id}${c.optional ? ' (optional)' : ''}\n`);
      for (const k of c.checks) io.out(checkLines(k, '    '));
    }
  }
  io.out('\ndepends on\n');
  if (s.dependsOn.length === 0) io.out('  nothing\n');
  for (const d of s.dependsOn) io.out(`  ${pad(d.optional ? 'optional' : 'required', 10)}${pad(d.target, 28)}${d.state}\n`);
  io.out(`\ndependents\n  ${s.dependents.length ? s.dependents.join(', ') : 'none'}\n\n${sourceLine(snap)}`);
}

// ── checks run ──────────────────────────────────────────────────────────────────────────────────

function checkRunJson(c: Check, o: CheckOutcome) {
  return {
    check: c.id,
    ok: o.ok,
    reason: o.reason,
    detail: o.detail,
    ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}),
    ...(o.probe.observation?.status !== undefined ? { status: o.probe.observation.status } : {}),
    ...(o.probe.phases ? { phases: o.probe.phases } : {}),
    conditions: [...o.conditions],
  };
}

/** `dns 0.2 ms, connect 0.6 ms, first byte 3.1 ms, total 3.4 ms` (cumulative from the start, as curl's). */
function phasesText(p: NonNullable<CheckOutcome['probe']['phases']>): string {
  const parts: string[] = [];
  if (p.dnsMs !== undefined) parts.push(`dns ${ms(p.dnsMs)}`);
  if (p.connectMs !== undefined) parts.push(`connect ${ms(p.connectMs)}`);
  if (p.tlsMs !== undefined) parts.push(`tls ${ms(p.tlsMs)}`);
  if (p.firstByteMs !== undefined) parts.push(`first byte ${ms(p.firstByteMs)}`);
  parts.push(`total ${ms(p.totalMs)}`);
  return parts.join(', ');
}

function printCheckRun(io: Io, c: Check, o: CheckOutcome): void {
  io.out(`${c.id}  ${o.ok ? 'OK' : `FAILED (${o.reason})`}\n`);
  io.out(`  ${pad('target', 12)}${c.probe.kind === 'http' ? '' : `${c.probe.kind} `}${targetOf(c)}\n`);
  io.out(`  ${pad('detail', 12)}${o.detail}\n`);
  if (o.latencyMs !== undefined) io.out(`  ${pad('latency', 12)}${ms(o.latencyMs)}\n`);
  if (o.probe.phases) io.out(`  ${pad('phases', 12)}${phasesText(o.probe.phases)}\n`);
  if (o.conditions.length === 0) {
    io.out(`  ${pad('conditions', 12)}none: the probe completing is enough\n`);
    return;
  }
  io.out('  conditions\n');
  const w = Math.max(...o.conditions.map((x) => x.condition.length)) + 2;
  for (const x of o.conditions)
    io.out(
      `    ${x.ok ? '✓' : '✗'} ${pad(x.condition, w)}saw ${x.actual}${x.ok ? '' : `${x.reason ? ` [${x.reason}]` : ''}${x.message ? `: ${x.message}` : ''}`}\n`,
    );
}

// ── health ──────────────────────────────────────────────────────────────────────────────────────

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function named(name: string, fn: () => Promise<string>): Promise<ReadinessCheck> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (e) {
    return { name, ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runledger's readiness without a server, from this data directory: the database answers and takes
 * writes, its migration head is this build's, the stored tree gives the latest signed checkpoint's
 * root, and the key that signed that checkpoint is here. (The server's /ready adds its own: the
 * background integrity check and the run worker; `--server URL` asks it instead.)
 */
export async function localReadiness(ledger: LedgerContext): Promise<ReadinessCheck[]> {
  const store = ledger.store;
  return Promise.all([
    named('database-writable', () => store.checkWritable()),
    named('migrations', async () => {
      const head = await store.migrationHead();
      if (head !== MIGRATION_HEAD) throw new Error(`migration head is ${head ?? 'none'}, this build expects ${MIGRATION_HEAD}`);
      return `head ${head}`;
    }),
    named('ledger-root', async () => {
      const cp = await ledger.reader.latestCheckpoint();
      if (!cp) throw new Error('the ledger has no signed checkpoint');
      const root = await ledger.reader.rootAt(cp.size);
      if (!bytesEqual(root, cp.root))
        throw new Error(`stored nodes give root ${toBase64(root)} at size ${cp.size}; the signed checkpoint says ${toBase64(cp.root)}`);
      return `size ${cp.size}, root matches the latest checkpoint`;
    }),
    named('signing-key', async () => {
      const cp = await ledger.reader.latestCheckpoint();
      if (!cp) throw new Error('the ledger has no signed checkpoint');
      const signers = await loadSigners(ledger.home);
      const sigs = parseNote(cp.note).signatures;
      const here = signers.filter((k) => sigs.some((s) => s.name === k.name && s.keyId === k.keyId));
      if (here.length === 0) throw new Error(`no key file in ${join(ledger.home, 'keys')} holds a key that signed the latest checkpoint`);
      return `${here.length} key file(s) hold a key that signed the latest checkpoint`;
    }),
  ]);
}

/** GET URL/ready of a running server. */
async function serverReadiness(base: string): Promise<{ ready: boolean; failed: string[] }> {
  const url = new URL('ready', base.endsWith('/') ? base : `${base}/`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { ready?: boolean; checks?: { name: string; ok: boolean }[] };
    return { ready: body.ready === true, failed: (body.checks ?? []).filter((c) => !c.ok).map((c) => c.name) };
  } catch (e) {
    return { ready: false, failed: [`GET ${url.toString()} failed: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

interface HealthOptions {
  readonly catalog?: string;
  readonly json?: boolean;
  readonly prometheusUrl?: string;
  readonly server?: string;
}

interface ItemOut {
  readonly checklist: string;
  readonly name: string;
  readonly ok: boolean;
  readonly evidence: Evidence;
}

/** Evidence in one line or a few, for people. */
export function evidenceText(e: Evidence): string {
  if (typeof e === 'string') return e;
  const o = e as Record<string, unknown>;
  if (typeof o['check'] === 'string' && typeof o['state'] === 'string') {
    const latency = typeof o['latencyMs'] === 'number' ? `, ${ms(o['latencyMs'])}` : '';
    return `check ${o['check']} is ${o['state']}${o['reason'] === 'ok' ? '' : ` [${String(o['reason'])}]`}: ${String(o['detail'])}${latency ? ` (${latency.slice(2)})` : ''}`;
  }
  if (typeof o['service'] === 'string' && typeof o['state'] === 'string') {
    const reasons = (o['reasons'] as string[] | undefined) ?? [];
    return `service ${o['service']} is ${o['state']}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
  }
  if (typeof o['mode'] === 'string' && typeof o['ok'] === 'boolean') {
    const at = typeof o['at'] === 'number' ? ` at ${new Date(o['at']).toISOString()}` : '';
    return `${o['ok'] ? 'verified' : 'did NOT verify'}: ${String(o['detail'] ?? '')} (the last full verification${at})`;
  }
  if (Array.isArray(o['active']))
    return `on now: ${(o['active'] as { kind: string; detail?: string }[]).map((a) => `${a.kind}${a.detail ? ` ${a.detail}` : ''}`).join('; ')}`;
  if (Array.isArray(o['open']))
    return `open: ${(o['open'] as { id: string; severity: string; title?: string }[]).map((i) => `${i.id} ${i.severity}${i.title ? ` ${i.title}` : ''}`).join('; ')}`;
  if (o['ready'] === false) return `not ready: ${((o['failed'] as string[] | undefined) ?? []).join(', ') || 'no check named'}`;
  if (typeof o['query'] === 'string') {
    const need = `${String(o['op'])} ${String(o['threshold'])}`;
    return o['error'] !== undefined ? `${o['query']}: ${String(o['error'])} (needs ${need})` : `${o['query']} = ${String(o['value'])} (needs ${need})`;
  }
  return JSON.stringify(e);
}

/** The items of a service: its state, then each of its checks (its components' too). */
function serviceResult(service: Service, health: CatalogHealth, checks: ReadonlyMap<string, CheckNow>): ChecklistResult {
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

function printHealth(
  io: Io,
  results: readonly ChecklistResult[],
  lists: readonly Checklist[] | undefined,
  probes: ReadonlyMap<string, CheckOutcome>,
  label: string,
): void {
  for (const [i, r] of results.entries()) {
    const failing = r.items.filter((x) => !x.ok).length;
    const n = r.items.length;
    io.out(
      `${i > 0 ? '\n' : ''}${label} ${r.name}: ${r.healthy ? `HEALTHY (all ${n} items hold)` : `NOT HEALTHY (${failing} of ${n} item${n === 1 ? '' : 's'} fail)`}\n`,
    );
    const specs = lists?.find((l) => l.name === r.name)?.items;
    for (const [k, item] of r.items.entries()) {
      io.out(`  ${item.ok ? '✓' : '✗'} ${item.name}\n`);
      const ev = evidenceText(item.evidence);
      if (ev !== item.name) for (const line of ev.split('\n')) io.out(`      ${line}\n`);
      // A failing check item: what the probe saw.
      const spec = specs?.[k];
      const o = spec?.kind === 'check' && !item.ok ? probes.get(spec.check) : undefined;
      if (o) io.out(`      ${o.reason}: ${o.detail}\n`);
    }
  }
}

async function evaluateHealth(
  io: Io,
  location: () => LedgerLocation,
  name: string | undefined,
  o: HealthOptions,
): Promise<{
  healthy: boolean;
  kind: 'checklist' | 'service' | 'all';
  results: ChecklistResult[];
  lists?: Checklist[];
  probes: Map<string, CheckOutcome>;
  at: string;
}> {
  const l = (await readCatalog(io, location, o.catalog, true))!;
  const catalog = l.catalog;
  const at = new Date().toISOString();
  const list = name === undefined ? undefined : catalog.checklists.find((x) => x.name === name);
  const service = name === undefined ? undefined : catalog.services.find((x) => x.name === name);
  if (name !== undefined && !list && !service)
    throw new ApiError(
      'CATALOG_ENTRY_NOT_FOUND',
      `no checklist or service ${JSON.stringify(name)} in ${l.path} (checklists: ${catalog.checklists.map((x) => x.name).join(', ') || 'none'}; services: ${catalog.services.map((x) => x.name).join(', ') || 'none'})`,
    );
  if (list && service) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `${JSON.stringify(name)} names both a checklist and a service in ${l.path}; rename one`);

  if (service) {
    const snap = await probedSnapshot(catalog, checksUnder(catalog, [service.name]), io.env);
    const r = serviceResult(service, snap.health, snap.checks);
    return { healthy: r.healthy, kind: 'service', results: [r], probes: snap.outcomes, at };
  }

  // No checklist in the catalog: each service up is the statement.
  const lists: Checklist[] = list
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
  const lr = lists.flatMap((x) => x.items);
  // Nothing to evaluate is not healthy: no data never reads as healthy.
  if (lr.length === 0) throw new ApiError('CATALOG_ENTRY_NOT_FOUND', `${l.path} has no checklists and no services: nothing to evaluate`);
  const wanted = checksUnder(
    catalog,
    lr.flatMap((i) => (i.kind === 'service' ? [i.service] : [])),
  );
  for (const i of lr) if (i.kind === 'check') wanted.add(i.check);
  const snap = await probedSnapshot(catalog, wanted, io.env);
  const needsStore = lr.some((i) => i.kind === 'ledger' || i.kind === 'noBypass' || i.kind === 'noOpenIncident' || (i.kind === 'ready' && !o.server));
  const evaluate = async (ledger: LedgerContext | undefined): Promise<ChecklistResult[]> => {
    const runs = ledger ? new RunStore(ledger.store) : undefined;
    const src: FactSources = {
      ...(runs
        ? {
            ledgerVerification: async (mode: 'full' | 'sampled') => verificationFact(await readStoredVerification(runs), mode),
            activeBypasses: () => activeBypassesOf(runs),
          }
        : {}),
      ...(ledger
        ? {
            openIncidents: async () =>
              (await new IncidentStore(ledger.store).list({ states: ['triggered', 'acknowledged'], limit: 1000 })).map(openIncidentFact),
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
    const gathered = await gatherFacts(lists, undefined, src);
    const states = statesOf(snap.checks);
    const facts: ChecklistFacts = { ...gathered, checkState: (id) => states[id], serviceHealth: (n) => snap.health.services[n] };
    return lists.map((x) => evaluateChecklist(x, facts));
  };
  const results = needsStore ? await withStore(location, evaluate) : await evaluate(undefined);
  return { healthy: results.every((r) => r.healthy), kind: list ? 'checklist' : 'all', results, lists, probes: snap.outcomes, at };
}

// ── commands ────────────────────────────────────────────────────────────────────────────────────

let pendingExit = 0;
/** The exit code `health` or `checks run` asked for (main() reads it): 1 when something does not hold. */
export function takeHealthExit(): number {
  const c = pendingExit;
  pendingExit = 0;
  return c;
}

export function registerHealthCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const services = program.command('services').description('the service catalog’s services and their states (up, degraded, down, unknown)');

  const snapshot = async (l: LoadedCatalog, probe: boolean | undefined): Promise<Snapshot> =>
    probe ? probedSnapshot(l.catalog, undefined, io.env) : withStore(location, (ledger) => recordedSnapshot(ledger, l.catalog));

  services
    .command('list', { isDefault: true })
    .description('every service: state, owner and why (states as the server recorded them, or --probe now)')
    .option(...CATALOG_FLAG)
    .option('--probe', 'probe every check once now instead of reading what the server recorded')
    .option('--json', 'as one JSON object (the API’s GET /services)')
    .action(async (o: { catalog?: string; probe?: boolean; json?: boolean }) => {
      const l = await readCatalog(io, location, o.catalog, false);
      if (!l) {
        if (o.json) io.out(`${JSON.stringify({ catalog: null, source: null, at: null, services: [] })}\n`);
        else io.out(`${noCatalog(homeOf(io, location))}: write one (docs/catalog.md) or pass --catalog PATH\n`);
        return;
      }
      const snap = await snapshot(l, o.probe);
      const rows = l.catalog.services.map((s) => serviceJson(l.catalog, snap, s));
      if (o.json)
        io.out(`${JSON.stringify({ catalog: { path: l.path, digest: l.digest, files: [...l.files] }, source: snap.source, at: snap.at, services: rows })}\n`);
      else printServices(io, l, snap, rows);
    });

  services
    .command('show')
    .description('one service: its checks (state, reason, detail, latency), components, dependencies both ways')
    .argument('<name>', 'the service')
    .option(...CATALOG_FLAG)
    .option('--probe', 'probe its checks (and those of what it depends on) once now')
    .option('--json', 'as one JSON object (the API’s service)')
    .action(async (name: string, o: { catalog?: string; probe?: boolean; json?: boolean }) => {
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const s = findService(l, name);
      const snap = o.probe
        ? await probedSnapshot(l.catalog, checksUnder(l.catalog, [s.name]), io.env)
        : await withStore(location, (ledger) => recordedSnapshot(ledger, l.catalog));
      const out = serviceJson(l.catalog, snap, s);
      if (o.json) io.out(`${JSON.stringify({ ...out, source: snap.source, at: snap.at })}\n`);
      else printService(io, snap, out);
    });

  const checks = program.command('checks').description('the catalog’s checks');
  checks
    .command('run')
    .description('probe one check now and show what it saw: reason, detail, phase timings, each condition (nothing is recorded); exit 1 when it fails')
    .argument('<id>', 'the check id, e.g. api/ping')
    .option(...CATALOG_FLAG)
    .option('--json', 'as one JSON object (the API’s POST /checks/{id}/run)')
    .action(async (id: string, o: { catalog?: string; json?: boolean }) => {
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const all = checksOf(l.catalog);
      const c = all.find((x) => x.id === id);
      if (!c)
        throw new ApiError(
          'CATALOG_ENTRY_NOT_FOUND',
          `no check ${JSON.stringify(id)} in ${l.path} (checks: ${
            all
              .slice(0, 30)
              .map((x) => x.id)
              .join(', ') || 'none'
          }${all.length > 30 ? ', …' : ''})`,
        );
      const out = await probeCheck(c, io.env);
      if (o.json) io.out(`${JSON.stringify(checkRunJson(c, out))}\n`);
      else printCheckRun(io, c, out);
      pendingExit = out.ok ? EXIT.OK : EXIT.FAILED;
    });

  program
    .command('health')
    .description(
      'evaluate now, probing the checks it needs: every checklist of the catalog, one checklist, or one service (its state and its checks); each item with its evidence; exit 0 only when every item holds, 1 when one does not',
    )
    .argument('[name]', 'a checklist or a service (default: every checklist; without checklists, every service)')
    .option(...CATALOG_FLAG)
    .option('--prometheus-url <url>', 'the Prometheus asked by items that name no url')
    .option('--server <url>', 'ask this running server’s /ready for the `ready: runledger` items (default: checked locally on the data directory)')
    .option('--json', 'as one JSON object: healthy, items [{checklist, name, ok, evidence}], checklists')
    .action(async (name: string | undefined, o: HealthOptions) => {
      const r = await evaluateHealth(io, location, name, o);
      pendingExit = r.healthy ? EXIT.OK : EXIT.FAILED;
      if (o.json) {
        const items: ItemOut[] = r.results.flatMap((x) => x.items.map((i) => ({ checklist: x.name, name: i.name, ok: i.ok, evidence: i.evidence })));
        io.out(
          `${JSON.stringify({
            healthy: r.healthy,
            evaluatedAt: r.at,
            target: { kind: r.kind, name: name ?? null },
            items,
            checklists: r.results.map((x) => ({ name: x.name, healthy: x.healthy, items: [...x.items] })),
            checks: [...r.probes].map(([check, p]) => ({
              check,
              ok: p.ok,
              reason: p.reason,
              detail: p.detail,
              ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
            })),
          })}\n`,
        );
        return;
      }
      printHealth(io, r.results, r.lists, r.probes, r.kind === 'service' ? 'service' : 'checklist');
      const n = r.probes.size;
      const down = [...r.probes.values()].filter((p) => !p.ok).length;
      io.out(
        `\n${r.healthy ? 'healthy' : 'NOT healthy'} at ${r.at}; ${n} check${n === 1 ? '' : 's'} probed now${n ? ` (${n - down} up, ${down} down)` : ''}\n`,
      );
    });
}
