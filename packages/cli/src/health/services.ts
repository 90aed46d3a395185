// `services list` and `services show`: each service of the catalog with its checks, components and
// dependencies, as JSON (the API's shapes) or as text.
import { describeVerdict, type Catalog, type Check, type Service } from '@runledger/core';
import type { LoadedCatalog } from '@runledger/runtime';
import { checkJson as serverCheckJson } from '@runledger/server';
import type { Io } from '../io.js';
import { UNKNOWN, type CheckNow, type Snapshot } from './snapshot.js';
import { ms, pad } from './text.js';

/** The API's shape (one shaper for both), without the server's sparkline. */
export function checkJson(c: Check, now: CheckNow | undefined) {
  return serverCheckJson(c, now);
}

export function serviceJson(catalog: Catalog, snap: Snapshot, s: Service) {
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

export type ServiceOut = ReturnType<typeof serviceJson>;
export type CheckOut = ReturnType<typeof checkJson>;

function sourceLine(snap: Snapshot): string {
  if (snap.source === 'probed')
    return `states from one probe of each check now (${snap.at}); the server confirms a failure over failureThreshold probes before it calls a check down\n`;
  if (snap.checks.size === 0) return 'no results recorded in this data directory yet (no server has run these checks here): `--probe` probes them now\n';
  return `states as the server recorded them (newest result ${snap.at ?? 'none'}); \`--probe\` probes every check now\n`;
}

export function printServices(io: Io, l: LoadedCatalog, snap: Snapshot, rows: readonly ServiceOut[]): void {
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

export function printService(io: Io, snap: Snapshot, s: ServiceOut): void {
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
