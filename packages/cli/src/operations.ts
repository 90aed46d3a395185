// `runledger config check`, `routes test` and `oncall`: the operations file, offline (no server, no
// database). They read the file the server reads (`--config`, `$RUNLEDGER_CONFIG`, `<data dir>/operations.yaml`)
// and answer what the server would do with it: where an alert goes, who is on call.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  incidentKey,
  nowAndNext,
  offsetAt,
  onCallAt,
  routeFor,
  severityOfLabels,
  toLocal,
  type FileProblem,
  type OperationsConfig,
  type Schedule,
} from '@runledger/core';
import {
  formatSecretRef,
  loadOperationsConfig,
  OPERATIONS_CONFIG_ENV,
  OperationsConfigError,
  operationsConfigPath,
  resolveSecret,
  RuntimeError,
  secretRefsOf,
  type LedgerLocation,
  type LoadedOperations,
} from '@runledger/runtime';
import { DEFAULT_HOME } from '@runledger/store';
import { positiveInt } from './args.js';
import { DAY, formatDuration } from './duration.js';
import { catalogJson, checkCatalog, printCatalog } from './health/index.js';
import type { Io } from './io.js';

export { formatDuration };

const CONFIG_FLAG = ['--config <path>', `the operations file (default: $${OPERATIONS_CONFIG_ENV}, then <data dir>/operations.yaml)`] as const;
const MAX_DAYS = 366;

/** Where the file is and whether someone named it (a named file that is missing is a mistake, the default one is not). */
function locate(io: Io, location: () => LedgerLocation, flag: string | undefined): { path: string; named: string | undefined } {
  const loc = location();
  const cwd = loc.cwd ?? io.cwd;
  const home = resolve(cwd, loc.home ?? (io.env['RUNLEDGER_HOME'] || DEFAULT_HOME));
  const path = operationsConfigPath({ env: { ...io.env }, home, cwd, ...(flag ? { flag } : {}) });
  const named = flag ? `--config ${flag}` : io.env[OPERATIONS_CONFIG_ENV] ? `${OPERATIONS_CONFIG_ENV}=${io.env[OPERATIONS_CONFIG_ENV]}` : undefined;
  return { path, named };
}

async function load(io: Io, location: () => LedgerLocation, flag: string | undefined, required: boolean): Promise<LoadedOperations> {
  const { path, named } = locate(io, location, flag);
  const loaded = await loadOperationsConfig(path);
  if (!loaded.exists && named) throw new RuntimeError('INPUT_INVALID', `${named}: no such file (${path})`);
  if (!loaded.exists && required)
    throw new RuntimeError(
      'INPUT_INVALID',
      `no operations file at ${path}: write one (docs/operations.md; examples/operations/operations.yaml is a start) or point --config or ${OPERATIONS_CONFIG_ENV} at it`,
    );
  return loaded;
}

const two = (n: number): string => String(n).padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** An instant in a zone and in UTC: `local` is RFC 3339 with the zone's offset then, e.g. 2026-03-30T09:00:00+02:00. */
export interface ZonedTime {
  readonly utc: string;
  readonly local: string;
}

function zoned(ms: number, timeZone: string): ZonedTime {
  const l = toLocal(ms, timeZone);
  const off = offsetAt(ms, timeZone) / 60_000;
  const sign = off < 0 ? '-' : '+';
  const offset = `${sign}${two(Math.floor(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
  return {
    utc: new Date(ms).toISOString().replace('.000Z', 'Z'),
    local: `${l.year}-${two(l.month)}-${two(l.day)}T${two(l.hour)}:${two(l.minute)}:${two(l.second)}${offset}`,
  };
}

/** `Mon 2026-03-30 09:00 +02:00 (2026-03-30T07:00:00Z)` */
function human(t: ZonedTime): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})(:\d{2})([+-]\d{2}:\d{2})$/.exec(t.local)!;
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay()]!;
  return `${weekday} ${m[1]}-${m[2]}-${m[3]} ${m[4]}${m[5] === ':00' ? '' : m[5]} ${m[6]} (${t.utc})`;
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

// ── config check ────────────────────────────────────────────────────────────────────────────────

interface SecretStatus {
  readonly ref: string;
  readonly usedAt: string;
  readonly resolves: boolean;
  /** Why not (names the reference, never a value). */
  readonly problem?: string;
}

/** Whether each secret resolves here; the value is read and dropped, never shown. */
function secretStatus(config: OperationsConfig, env: Io['env']): SecretStatus[] {
  return secretRefsOf(config).map(({ ref, usedAt }) => {
    try {
      resolveSecret(ref, { ...env });
      return { ref: formatSecretRef(ref), usedAt, resolves: true };
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      return { ref: formatSecretRef(ref), usedAt, resolves: false, problem: e.message };
    }
  });
}

function countRoutes(r: OperationsConfig['route']): number {
  return 1 + (r.routes ?? []).reduce((n, c) => n + countRoutes(c), 0);
}

function receiverKinds(r: OperationsConfig['receivers'][number]): string {
  return [r.email ? 'email' : '', r.webhook ? `webhook${r.webhook.secrets.length > 1 ? ', 2 secrets' : ''}` : '', r.chat ? 'chat' : '']
    .filter(Boolean)
    .join(', ');
}

function summary(l: LoadedOperations, secrets: readonly SecretStatus[]) {
  const c = l.config;
  return {
    ok: true as const,
    path: l.path,
    exists: l.exists,
    digest: l.digest,
    integrations: c.integrations.map((i) => ({ name: i.name, type: i.type, ...(i.secret ? { secret: formatSecretRef(i.secret) } : {}) })),
    receivers: c.receivers.map((r) => ({
      name: r.name,
      kinds: [...(r.email ? ['email'] : []), ...(r.webhook ? ['webhook'] : []), ...(r.chat ? ['chat'] : [])],
      sendResolved: r.sendResolved,
    })),
    routes: l.exists ? countRoutes(c.route) : 0,
    people: c.people.map((p) => p.name),
    schedules: c.schedules.map((s) => ({ name: s.name, timeZone: s.timeZone, layers: s.layers.length, overrides: s.overrides.length })),
    escalationPolicies: c.escalationPolicies.map((p) => ({ name: p.name, levels: p.levels.length, repeat: p.repeat })),
    incidents: {
      ackDeadlines: Object.fromEntries(Object.entries(c.rules.ackDeadlines).map(([k, v]) => [k, formatDuration(v)])),
      flapWindow: formatDuration(c.rules.flapWindowMs),
      ...(c.rules.retriggerAfterAckMs !== undefined ? { retriggerAfterAck: formatDuration(c.rules.retriggerAfterAckMs) } : {}),
    },
    secrets,
  };
}

function problemJson(p: FileProblem) {
  return { file: p.file, line: p.line, column: p.column, path: p.path, message: p.message };
}

function printSummary(io: Io, l: LoadedOperations, secrets: readonly SecretStatus[]): void {
  const c = l.config;
  const row = (k: string, n: number | string, rest = ''): void => io.out(`${pad(k, 20)}${pad(String(n), 4)}${rest}`.trimEnd() + '\n');
  io.out(`${pad('operations file', 20)}${l.path}\n${pad('digest', 20)}${l.digest}\n`);
  row('integrations', c.integrations.length, c.integrations.map((i) => `${i.name} (${i.type})`).join(', '));
  row('receivers', c.receivers.length, c.receivers.map((r) => `${r.name} (${receiverKinds(r)})`).join(', '));
  const routes = countRoutes(c.route);
  row('routes', routes, routes === 1 ? 'the root only' : `the root and ${routes - 1} below it`);
  row('people', c.people.length, c.people.map((p) => p.name).join(', '));
  row(
    'schedules',
    c.schedules.length,
    c.schedules.map((s) => `${s.name} (${s.timeZone}, ${s.layers.length} layer${s.layers.length === 1 ? '' : 's'})`).join(', '),
  );
  row(
    'escalation policies',
    c.escalationPolicies.length,
    c.escalationPolicies.map((p) => `${p.name} (${p.levels.length} level${p.levels.length === 1 ? '' : 's'}, repeat ${p.repeat})`).join(', '),
  );
  const r = c.rules;
  io.out(
    `${pad('incidents', 20)}acknowledge ${Object.entries(r.ackDeadlines)
      .map(([k, v]) => `${k} within ${formatDuration(v)}`)
      .join(', ')}; flap window ${formatDuration(r.flapWindowMs)}${
      r.retriggerAfterAckMs !== undefined ? `; re-trigger after ${formatDuration(r.retriggerAfterAckMs)} acknowledged` : ''
    }\n`,
  );
  row('secrets', secrets.length, secrets.length === 0 ? '' : `reference${secrets.length === 1 ? '' : 's'} (values are never shown)`);
  for (const s of secrets)
    io.out(
      `  ${pad(s.ref, 38)}${pad(s.usedAt, 42)}${s.resolves ? 'resolves here' : `does NOT resolve here: ${s.problem!.replace(`secret ${s.ref}: `, '')}`}\n`,
    );
  if (secrets.some((s) => !s.resolves)) io.out('  (the server needs every secret where it runs; this machine may not be that place)\n');
}

function registerConfigCheck(program: Command, io: Io, location: () => LedgerLocation): void {
  program
    .command('config')
    .description('the operations file (integrations, receivers, routes, schedules, escalation) and the service catalog')
    .command('check')
    .description(
      'check the operations file and the service catalog: a summary with what each SLO burn rule needs to fire, or every problem as file:line:col with its JSON path (exit 9)',
    )
    .option(...CONFIG_FLAG)
    .option('--catalog <path>', 'the service catalog, a file or a directory (default: <data dir>/catalog.yaml, else <data dir>/catalog/)')
    .option('--json', 'as one JSON object')
    .action(async (o: { config?: string; catalog?: string; json?: boolean }) => {
      let loaded: LoadedOperations;
      try {
        loaded = await load(io, location, o.config, false);
      } catch (e) {
        // The error line (stderr) lists the problems and sets the exit code; --json adds them on stdout.
        if (e instanceof OperationsConfigError && o.json) io.out(`${JSON.stringify({ ok: false, path: e.path, problems: e.problems.map(problemJson) })}\n`);
        throw e;
      }
      const secrets = loaded.exists ? secretStatus(loaded.config, io.env) : [];
      // Escalation names in the catalog are checked against this operations file, as the server checks them.
      const catalog = checkCatalog(
        io,
        location,
        o.catalog,
        loaded.config.escalationPolicies.map((p) => p.name),
      );
      if (o.json) {
        io.out(`${JSON.stringify({ ...summary(loaded, secrets), ok: catalog.ok, catalog: catalogJson(catalog) })}\n`);
      } else {
        if (!loaded.exists)
          io.out(`no operations file at ${loaded.path}: Runledger runs with no integrations, receivers, routes or schedules, and the default incident rules\n`);
        else printSummary(io, loaded, secrets);
        printCatalog(io, catalog);
      }
      if (!catalog.ok) throw catalog.error;
      if (!o.json) io.out('ok\n');
    });
}

// ── routes test ─────────────────────────────────────────────────────────────────────────────────

const LABEL_ARG = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** `key=value` arguments → labels; the error names the argument at fault. */
export function labelArgs(args: readonly string[]): Record<string, string> {
  // No prototype: a label named like an Object property (`__proto__`, `constructor`) is just a label.
  const labels = Object.create(null) as Record<string, string>;
  for (const a of args) {
    const m = LABEL_ARG.exec(a);
    if (!m)
      throw new RuntimeError(
        'INPUT_INVALID',
        `label argument ${JSON.stringify(a)}: expected key=value, e.g. severity=critical (a key is letters, digits and _, not starting with a digit)`,
      );
    if (Object.hasOwn(labels, m[1]!)) throw new RuntimeError('INPUT_INVALID', `label argument ${JSON.stringify(a)}: ${m[1]} is given twice`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

function registerRoutesTest(program: Command, io: Io, location: () => LedgerLocation): void {
  program
    .command('routes')
    .description('the routing tree of the operations file')
    .command('test')
    .description('where an alert with these labels goes: every route it matches, its severity and incident key')
    .argument('[labels...]', 'the alert’s labels, key=value (e.g. alertname=DiskFull severity=critical)')
    .option(...CONFIG_FLAG)
    .option('--json', 'as one JSON object')
    .action(async (args: string[], o: { config?: string; json?: boolean }) => {
      const labels = labelArgs(args);
      const { config } = await load(io, location, o.config, true);
      const sev = severityOfLabels(labels);
      const deadline = config.rules.ackDeadlines[sev.severity];
      const routes = routeFor(config.route, labels).map((m) => ({
        path: m.path,
        receiver: m.receiver,
        groupBy: m.groupBy,
        escalation: m.escalation ?? null,
        runbook: m.runbook ?? null,
        matchers: m.because,
        incidentKey: incidentKey(labels, m.groupBy),
      }));
      if (o.json) {
        io.out(`${JSON.stringify({ labels, severity: { ...sev, ackDeadline: formatDuration(deadline) }, routes })}\n`);
        return;
      }
      const shown = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      io.out(`${pad('labels', 12)}${shown.length ? shown.join(', ') : '(none)'}\n`);
      io.out(
        `${pad('severity', 12)}${sev.severity} (${sev.from === 'default' ? 'no sev or severity label: the default' : `from ${sev.from}`}); acknowledge within ${formatDuration(deadline)}\n`,
      );
      io.out(`${pad('routes', 12)}${routes.length}${routes.length > 1 ? ' (through continue)' : ''}\n`);
      for (const r of routes) {
        io.out(`\n  ${r.path} → ${r.receiver}\n`);
        io.out(`    ${pad('matched', 14)}${r.matchers.length ? r.matchers.join(', ') : '(no matchers on the way: every alert gets here)'}\n`);
        io.out(`    ${pad('groupBy', 14)}${r.groupBy.join(', ')}\n`);
        io.out(`    ${pad('incident key', 14)}${r.incidentKey}\n`);
        io.out(`    ${pad('escalation', 14)}${r.escalation ?? '-'}\n`);
        io.out(`    ${pad('runbook', 14)}${r.runbook ?? '-'}\n`);
      }
    });
}

// ── oncall ──────────────────────────────────────────────────────────────────────────────────────

interface ShiftOut {
  /** Undefined: nobody on call (a gap). */
  readonly user?: string;
  readonly source?: string;
  readonly from: number;
  /** Infinity: nobody from `from` on. */
  readonly to: number;
}

/** The shifts covering [from, to): consecutive pieces of one person's shift are merged, gaps are listed. */
export function shiftsBetween(s: Schedule, from: number, to: number, maxShifts = 5000): ShiftOut[] {
  const out: ShiftOut[] = [];
  let t = from;
  while (t < to && out.length < maxShifts) {
    const sh = onCallAt(s, t);
    if (!sh) {
      const next = nowAndNext(s, t).next;
      out.push({ from: t, to: next ? next.from : Infinity });
      if (!next) break;
      t = next.from;
      continue;
    }
    const last = out[out.length - 1];
    // The first shift shows when it really began; later ones begin where the one before ended.
    if (last && last.user === sh.user && last.source === sh.source && last.to === t) out[out.length - 1] = { ...last, to: sh.to };
    else out.push({ user: sh.user, source: sh.source, from: out.length === 0 ? sh.from : t, to: sh.to });
    t = sh.to;
  }
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function atArg(v: string | undefined, now: number): number {
  if (v === undefined) return now;
  const t = RFC3339.test(v) ? Date.parse(v.replace(/(\.\d{3})\d+/, '$1')) : NaN;
  if (Number.isNaN(t))
    throw new RuntimeError('INPUT_INVALID', `--at ${JSON.stringify(v)}: expected an RFC 3339 time with its offset, e.g. 2026-03-29T12:00:00Z`);
  return t;
}

function shiftJson(sh: ShiftOut | undefined, tz: string) {
  if (!sh) return null;
  return {
    user: sh.user ?? null,
    source: sh.source ?? null,
    from: zoned(sh.from, tz),
    to: Number.isFinite(sh.to) ? zoned(sh.to, tz) : null,
  };
}

function registerOncall(program: Command, io: Io, location: () => LedgerLocation, now: () => number): void {
  program
    .command('oncall')
    .description('who is on call now and next (now), or the shifts of the coming days (schedule); from the operations file')
    .argument('[view]', 'now (default) or schedule', 'now')
    .option('--schedule <name>', 'only this schedule')
    .option('--at <time>', 'as of this RFC 3339 time (default: now)')
    .option('--days <n>', `schedule: how many days to show (default 14, at most ${MAX_DAYS})`)
    .option(...CONFIG_FLAG)
    .option('--json', 'as one JSON object')
    .action(async (view: string, o: { schedule?: string; at?: string; days?: string; config?: string; json?: boolean }) => {
      if (view !== 'now' && view !== 'schedule') throw new RuntimeError('USAGE', `oncall ${JSON.stringify(view)}: expected now or schedule`);
      if (o.days !== undefined && view !== 'schedule') throw new RuntimeError('USAGE', '--days: only with `oncall schedule`');
      const days = positiveInt('--days', o.days) ?? 14;
      if (days > MAX_DAYS) throw new RuntimeError('INPUT_INVALID', `--days ${days}: at most ${MAX_DAYS}`);
      const at = atArg(o.at, now());
      const { path, config } = await load(io, location, o.config, true);
      let schedules = config.schedules;
      if (o.schedule !== undefined) {
        schedules = schedules.filter((s) => s.name === o.schedule);
        if (schedules.length === 0)
          throw new RuntimeError(
            'INPUT_INVALID',
            `--schedule ${o.schedule}: no such schedule in ${path}${config.schedules.length ? ` (schedules: ${config.schedules.map((s) => s.name).join(', ')})` : ''}`,
          );
      }
      const atUtc = zoned(at, 'UTC').utc;
      if (view === 'now') {
        const rows = schedules.map((s) => ({ s, ...nowAndNext(s, at) }));
        if (o.json) {
          io.out(
            `${JSON.stringify({
              at: atUtc,
              schedules: rows.map((r) => ({
                name: r.s.name,
                timeZone: r.s.timeZone,
                now: shiftJson(r.now, r.s.timeZone),
                next: shiftJson(r.next, r.s.timeZone),
              })),
            })}\n`,
          );
          return;
        }
        if (rows.length === 0) return io.out(`no schedules in ${path}\n`);
        io.out(`on call at ${atUtc}\n`);
        for (const r of rows) {
          const tz = r.s.timeZone;
          io.out(`\n${r.s.name} (${tz})\n`);
          const line = (label: string, sh: ShiftOut | undefined, since: string, none: string): void =>
            io.out(
              sh
                ? `  ${pad(label, 6)}${pad(sh.user!, 12)}${since} ${human(zoned(sh.from, tz))}  until ${human(zoned(sh.to, tz))}  [${sh.source}]\n`
                : `  ${pad(label, 6)}${none}\n`,
            );
          line('now', r.now, 'since', 'nobody is on call');
          line('next', r.next, 'from ', 'nobody is scheduled');
        }
        return;
      }
      const end = at + days * DAY;
      const rows = schedules.map((s) => ({ s, shifts: shiftsBetween(s, at, end) }));
      if (o.json) {
        io.out(
          `${JSON.stringify({
            from: atUtc,
            to: zoned(end, 'UTC').utc,
            days,
            schedules: rows.map((r) => ({ name: r.s.name, timeZone: r.s.timeZone, shifts: r.shifts.map((sh) => shiftJson(sh, r.s.timeZone)) })),
          })}\n`,
        );
        return;
      }
      if (rows.length === 0) return io.out(`no schedules in ${path}\n`);
      for (const [i, r] of rows.entries()) {
        const tz = r.s.timeZone;
        io.out(`${i > 0 ? '\n' : ''}${r.s.name} (${tz}): ${days} day${days === 1 ? '' : 's'} from ${human(zoned(at, tz))}\n`);
        for (const sh of r.shifts) {
          const until = Number.isFinite(sh.to) ? human(zoned(sh.to, tz)) : 'on';
          io.out(`  ${pad(sh.user ?? '(nobody)', 12)}${human(zoned(sh.from, tz))}  →  ${until}${sh.source ? `  [${sh.source}]` : ''}\n`);
        }
      }
    });
}

/** `config check`, `routes test`, `oncall`. `now` is the clock `oncall` reads without --at. */
export function registerOperationsCommands(program: Command, io: Io, location: () => LedgerLocation, now: () => number = Date.now): void {
  registerConfigCheck(program, io, location);
  registerRoutesTest(program, io, location);
  registerOncall(program, io, location, now);
}
