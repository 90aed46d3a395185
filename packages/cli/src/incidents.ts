// Incidents on the local data directory, as the incidents API offers them: list, show, acknowledge,
// resolve, note, escalate, severity; delivery records; silences; on-call hand-offs; `notify test`.
// --json prints the API's shapes. A command that changes something appends the operations outbox to
// the ledger before it exits, so the ledger has its entries even when no server runs.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { configDuration, parseMatchers, SEVERITIES, type IncidentSeverity, type SecretRef } from '@runledger/core';
import {
  configDraft,
  defaultActor,
  handoffDraft,
  holdSecrets,
  IncidentService,
  loadOperationsConfig,
  openLedger,
  operationsConfigPath,
  pumpOutbox,
  resolveSecret,
  RuntimeError,
  sendTestNotification,
  silenceDraft,
  type IncidentView,
  type LedgerContext,
  type LedgerLocation,
  type LoadedOperations,
} from '@runledger/runtime';
import { ApiError, deliveryOf, detailOf, silenceOf, summaryOf } from '@runledger/server';
import type { DeliveryRecord, HandoffRecord, SilenceRecord } from '@runledger/store';
import { positiveInt } from './args.js';
import type { Io } from './io.js';
import { whoFromEnv } from './runs.js';

export interface Ops {
  readonly ledger: LedgerContext;
  readonly svc: IncidentService;
  /** The operations file (--config, else $RUNLEDGER_CONFIG, else <data dir>/operations.yaml), read once. */
  config(): Promise<LoadedOperations>;
}

export interface Options {
  readonly config?: string;
  readonly json?: boolean;
}

type Detail = ReturnType<typeof detailOf>;
type Summary = ReturnType<typeof summaryOf>;

/**
 * Opens the store (and, to change something, the ledger writer). With `write`, the operations outbox
 * is appended to the ledger after `fn`, whether it succeeded or not (nothing queued stays behind).
 */
export async function withOps<T>(loc: LedgerLocation, io: Io, o: Options, write: boolean, fn: (ops: Ops) => Promise<T>): Promise<T> {
  const ledger = await openLedger(loc, { write });
  let loaded: LoadedOperations | undefined;
  const config = async (): Promise<LoadedOperations> =>
    (loaded ??= await loadOperationsConfig(
      operationsConfigPath({ env: { ...io.env }, home: ledger.home, cwd: io.cwd, ...(o.config ? { flag: o.config } : {}) }),
    ));
  const svc = new IncidentService({
    store: ledger.store,
    operations: () => {
      if (!loaded) throw new RuntimeError('INTERNAL', 'the operations configuration was not read before it was needed');
      return loaded;
    },
  });
  try {
    let out: T;
    try {
      out = await fn({ ledger, svc, config });
    } catch (e) {
      if (write) await pump(ledger, svc).catch(() => undefined);
      throw e;
    }
    if (write) await pump(ledger, svc);
    return out;
  } finally {
    await ledger.close();
  }
}

function pump(ledger: LedgerContext, svc: IncidentService): Promise<number> {
  return pumpOutbox(svc.outbox, (d) => ledger.writer!.append(d));
}

/** Reads the operations file and queues its digest for the ledger (which configuration a decision was made under). */
async function configInForce(ops: Ops): Promise<LoadedOperations> {
  const l = await ops.config();
  await ops.svc.outbox.queue([configDraft(l)]);
  return l;
}

// ---- human output ----------------------------------------------------------------------------

/** 45s, 12m, 3h05m, 4d (whole units, rounded down: 14m59s left is "14m"). */
export function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${String(m % 60).padStart(2, '0')}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** `in 12m`, `12m ago` */
function rel(at: string, now: number): string {
  const d = Date.parse(at) - now;
  return d >= 0 ? `in ${span(d)}` : `${span(d)} ago`;
}

/** What the deadline column says: how long is left to acknowledge, or who owns it. */
function deadline(s: Summary, now: number): string {
  if (s.state === 'resolved') return s.resolvedAt ? `resolved ${rel(s.resolvedAt, now)}` : 'resolved';
  if (s.state === 'acknowledged') return 'acknowledged';
  if (!s.ackDueAt) return 'no ack deadline';
  const left = Date.parse(s.ackDueAt) - now;
  return left >= 0 ? `ack in ${span(left)}` : `ACK OVERDUE ${span(left)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function printList(io: Io, rows: readonly Summary[], state: string): void {
  const now = Date.now();
  if (rows.length === 0) {
    io.out(state === 'open' ? 'no open incidents (all: runledger incidents --state all)\n' : `no ${state === 'all' ? '' : `${state} `}incidents\n`);
    return;
  }
  io.out(`${pad('SEV', 7)}${pad('STATE', 14)}${pad('DEADLINE', 22)}${pad('OWNER', 14)}${pad('ALERTS', 8)}${pad('ID', 27)}TITLE\n`);
  for (const s of rows)
    io.out(
      `${pad(s.severity, 7)}${pad(s.state, 14)}${pad(deadline(s, now), 22)}${pad(s.owner ?? '-', 14)}${pad(`${s.alerts.firing}/${s.alerts.total}`, 8)}${pad(s.id, 27)}${s.title}\n`,
    );
}

function printDetail(io: Io, d: Detail): void {
  const now = Date.now();
  io.out(`${d.severity} ${d.state.toUpperCase()}  ${d.title}\n`);
  io.out(`id          ${d.id}\n`);
  if (d.state === 'triggered' && d.ackDueAt)
    io.out(
      `ack by      ${d.ackDueAt} (${Date.parse(d.ackDueAt) >= now ? `in ${span(Date.parse(d.ackDueAt) - now)}` : `OVERDUE by ${span(Date.parse(d.ackDueAt) - now)}`})\n`,
    );
  io.out(`owner       ${d.owner ?? '-'}\n`);
  io.out(`opened      ${d.openedAt} (${rel(d.openedAt, now)})\n`);
  if (d.acknowledged) io.out(`acknowledged by ${d.acknowledged.by} at ${d.acknowledged.at}\n`);
  if (d.resolved) io.out(`resolved    by ${d.resolved.by} at ${d.resolved.at}: ${d.resolved.reason}\n`);
  if (d.override) io.out(`severity    set to ${d.override.severity} by ${d.override.by}: ${d.override.reason}\n`);
  if (d.runbook) io.out(`runbook     ${d.runbook}\n`);
  if (d.escalation) io.out(`escalation  ${d.escalation}\n`);
  io.out(`integration ${d.integration}${d.routes.length ? `; routes ${d.routes.map((r) => `${r.path} → ${r.receiver}`).join(', ')}` : ''}\n`);
  if (d.reopened > 0) io.out(`reopened    ${d.reopened} time${d.reopened === 1 ? '' : 's'}\n`);

  io.out(`\nalerts (${d.alerts.firing} firing of ${d.alerts.total})\n`);
  for (const a of d.alertList) io.out(`  ${a.status === 'firing' ? '●' : '○'} ${pad(a.fingerprint, 24)}${labelsText(a.labels)}\n`);

  io.out('\ntimeline\n');
  for (const t of d.timeline) io.out(`  ${pad(t.at, 25)}${pad(t.by ?? 'system', 14)}${t.text}\n`);

  io.out('\ndeliveries\n');
  if (d.deliveries.length === 0) io.out('  none\n');
  for (const x of d.deliveries) io.out(`  ${deliveryLine(x, now)}\n`);

  io.out('\ntimers\n');
  if (d.timers.length === 0) io.out('  none pending\n');
  for (const t of d.timers) io.out(`  ${pad(t.kind, 12)}${t.at} (${rel(t.at, now)})\n`);

  if (d.state === 'triggered') io.out(`\nnext: runledger incidents ack ${d.id}\n`);
  else if (d.state === 'acknowledged') io.out(`\nnext: runledger incidents resolve ${d.id} --reason "…"\n`);
}

function deliveryLine(x: DeliveryRecord, now: number): string {
  // Past due and still pending: no delivery worker (`runledger serve`) has taken it yet.
  const next = !x.nextAt ? '' : Date.parse(x.nextAt) > now ? `next try in ${span(Date.parse(x.nextAt) - now)}` : 'due now';
  const what = x.detail['messageId'] ?? (x.detail['status'] !== undefined ? `HTTP ${String(x.detail['status'])}` : undefined);
  const extra = [x.reason ?? '', next, typeof what === 'string' ? what : ''].filter(Boolean).join('; ');
  return `${pad(x.state, 10)}${pad(`${x.attempts} att.`, 8)}${pad(x.receiver, 22)}${pad(x.channel, 8)}${pad(x.event, 16)}${extra}`;
}

function silenceState(s: SilenceRecord, now: string): string {
  if (s.endsAt <= now) return s.expiredBy ? 'expired' : 'over';
  return s.startsAt <= now ? 'active' : 'pending';
}

// ---- commands --------------------------------------------------------------------------------

const STATES = ['open', 'triggered', 'acknowledged', 'resolved', 'all'] as const;

export function registerIncidentCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const who = () => whoFromEnv(io.env, defaultActor(io.env).id);
  const withConfig = (c: Command): Command => c.option('--config <file>', 'the operations file (default: $RUNLEDGER_CONFIG, else <data dir>/operations.yaml)');

  const incidents = program.command('incidents').description('incidents: list, show, ack, resolve, note, escalate, severity');

  withConfig(
    incidents
      .command('list', { isDefault: true })
      .description('incidents, newest first (default: open ones)')
      .option('--state <state>', `${STATES.join('|')}`, 'open')
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'a JSON array of incident summaries'),
  ).action(async (o: Options & { state: string; limit: string }) => {
    if (!(STATES as readonly string[]).includes(o.state)) throw new RuntimeError('USAGE', `--state ${o.state}: expected one of ${STATES.join(', ')}`);
    const limit = positiveInt('--limit', o.limit)!;
    const states = o.state === 'open' ? ['triggered', 'acknowledged'] : o.state === 'all' ? undefined : [o.state];
    await withOps(location(), io, o, false, async ({ svc }) => {
      const rows = (await svc.incidents.list({ ...(states ? { states } : {}), limit })).map(summaryOf);
      if (o.json) io.out(`${JSON.stringify(rows)}\n`);
      else printList(io, rows, o.state);
    });
  });

  const detail = async (svc: IncidentService, v: IncidentView): Promise<Detail> => detailOf(v, await svc.deliveries.list({ incidentId: v.row.id }));

  withConfig(
    incidents
      .command('show')
      .description('one incident: summary, alerts, timeline, deliveries, pending timers')
      .argument('<id>', 'incident id or a unique prefix')
      .option('--json', 'as JSON (the API’s incident detail)'),
  ).action(async (id: string, o: Options) => {
    await withOps(location(), io, o, false, async ({ svc }) => {
      const d = await detail(svc, await svc.get(id));
      if (o.json) io.out(`${JSON.stringify(d)}\n`);
      else printDetail(io, d);
    });
  });

  type Act = Parameters<IncidentService['act']>[1];
  const action = (
    name: string,
    description: string,
    extra: (c: Command) => Command,
    input: (by: string, args: string[], o: Record<string, string>) => Act,
    done: (d: Detail) => string,
  ) => {
    const c = extra(incidents.command(name).description(description).argument('<id>', 'incident id or a unique prefix')).option(
      '--json',
      'the incident after the change (as `show --json`)',
    );
    withConfig(c).action(async (...args: unknown[]) => {
      // commander passes the arguments, then the options, then the command
      const o = args[args.length - 2] as Options & Record<string, string>;
      const positional = args.slice(0, -2) as string[];
      const [id, ...rest] = positional;
      const by = who().actor.id;
      const act = input(by, rest, o);
      await withOps(location(), io, o, true, async (ops) => {
        await configInForce(ops);
        const before = new Set((await ops.svc.deliveries.list({ incidentId: await ops.svc.incidents.resolveId(id!) })).map((x) => x.id));
        const v = await ops.svc.act(id!, act);
        const d = await detail(ops.svc, v);
        if (o.json) {
          io.out(`${JSON.stringify(d)}\n`);
          return;
        }
        io.out(`${done(d)}\n`);
        const queued = d.deliveries.filter((x) => !before.has(x.id));
        const pending = queued.filter((x) => x.state === 'pending');
        if (queued.length > 0)
          io.out(
            `notifications: ${queued.map((x) => `${x.receiver} ${x.state}${x.reason ? ` (${x.reason})` : ''}`).join(', ')}${pending.length > 0 ? ' — the server’s delivery worker sends the pending ones' : ''}\n`,
          );
      });
    });
  };
  const line = (d: Detail) => `${d.id} ${d.severity} ${d.state}${d.owner ? `, owner ${d.owner}` : ''}: ${d.title}`;
  action(
    'ack',
    'acknowledge: stops the deadline and the escalation',
    (c) => c,
    (by) => ({ type: 'acknowledge', by }),
    (d) => `acknowledged ${line(d)}`,
  );
  action(
    'resolve',
    'resolve by hand (a reason is required)',
    (c) => c.requiredOption('--reason <text>', 'required: why it is over'),
    (by, _a, o) => ({ type: 'resolve', by, reason: o['reason']! }),
    (d) => `resolved ${line(d)}`,
  );
  action(
    'note',
    'add a note to the timeline',
    (c) => c.argument('<text>', 'the note'),
    (by, a) => ({ type: 'note', by, text: a[0]! }),
    (d) => `noted on ${line(d)}`,
  );
  action(
    'escalate',
    'escalate now to the next level of the policy',
    (c) => c,
    (by) => ({ type: 'escalate', by }),
    (d) => `escalated ${line(d)}`,
  );
  action(
    'severity',
    'raise or lower the severity (a reason is required)',
    (c) => c.argument('<severity>', SEVERITIES.join('|')).requiredOption('--reason <text>', 'required: why'),
    (by, a, o) => {
      const sev = a[0]!.toUpperCase();
      if (!(SEVERITIES as readonly string[]).includes(sev)) throw new RuntimeError('USAGE', `severity ${a[0]}: expected one of ${SEVERITIES.join(', ')}`);
      return { type: 'set-severity', by, severity: sev as IncidentSeverity, reason: o['reason']! };
    },
    (d) => `severity set: ${line(d)}`,
  );

  // ---- deliveries ----------------------------------------------------------------------------

  withConfig(
    program
      .command('deliveries')
      .description('notification delivery records (one per incident event × receiver), newest first')
      .option('--incident <id>', 'only this incident’s (id or unique prefix)')
      .option('--state <state>', 'skipped|pending|attempted|delivered|failed')
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'a JSON array of delivery records'),
  ).action(async (o: Options & { incident?: string; state?: string; limit: string }) => {
    const limit = positiveInt('--limit', o.limit)!;
    await withOps(location(), io, o, false, async ({ svc }) => {
      const incidentId = o.incident ? await svc.incidents.resolveId(o.incident) : undefined;
      const list = (await svc.deliveries.list({ ...(incidentId ? { incidentId } : {}), ...(o.state ? { states: [o.state] } : {}), limit })).map(deliveryOf);
      if (o.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) {
        io.out('no delivery records\n');
        return;
      }
      const now = Date.now();
      io.out(
        `${pad('UPDATED', 25)}${pad('INCIDENT', 27)}${pad('STATE', 10)}${pad('TRIES', 8)}${pad('RECEIVER', 22)}${pad('CHANNEL', 8)}${pad('EVENT', 16)}DETAIL\n`,
      );
      for (const x of list) io.out(`${pad(x.updatedAt, 25)}${pad(x.incidentId, 27)}${deliveryLine(x, now)}\n`);
    });
  });

  // ---- silences ------------------------------------------------------------------------------

  const silences = program.command('silences').description('silences and maintenance windows: list, add, expire');

  withConfig(
    silences
      .command('list', { isDefault: true })
      .description('silences not over yet (--all: every one)')
      .option('--all', 'include those that are over')
      .option('--json', 'a JSON array of silences'),
  ).action(async (o: Options & { all?: boolean }) => {
    await withOps(location(), io, o, false, async ({ svc }) => {
      const now = new Date().toISOString();
      const list = (await svc.silences.list(now, o.all === true)).map((s) => silenceOf(s, now));
      if (o.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) {
        io.out(o.all ? 'no silences\n' : 'no silences in force (add one: runledger silences add --matcher \'service="db"\' --duration 2h --comment "…")\n');
        return;
      }
      const nowMs = Date.parse(now);
      io.out(`${pad('ID', 37)}${pad('KIND', 12)}${pad('STATE', 9)}${pad('ENDS', 40)}${pad('BY', 14)}MATCHERS — COMMENT\n`);
      for (const s of list)
        io.out(
          `${pad(s.id, 37)}${pad(s.kind, 12)}${pad(silenceState(s, now), 9)}${pad(`${s.endsAt} (${rel(s.endsAt, nowMs)})`, 40)}${pad(s.createdBy, 14)}${s.matchers.join(', ')} — ${s.comment}\n`,
        );
    });
  });

  withConfig(
    silences
      .command('add')
      .description('hold back notifications of matching alerts for a time (never resolves anything); recorded in the ledger')
      .requiredOption('--matcher <m>', 'a label matcher, e.g. \'service="db"\' or \'instance=~"db-.*"\' (repeatable; all must match)', collect, [])
      .option('--duration <d>', 'how long from now, e.g. 30m, 2h, 1d')
      .option('--until <iso>', 'when it ends (ISO 8601)')
      .requiredOption('--comment <text>', 'required: why')
      .option('--maintenance', 'a maintenance window (recorded as such on skipped deliveries)')
      .option('--json', 'the silence as JSON'),
  ).action(async (o: Options & { matcher: string[]; duration?: string; until?: string; comment: string; maintenance?: boolean }) => {
    if (o.matcher.length === 0) throw new ApiError('SILENCE_INVALID', 'give at least one --matcher');
    for (const m of o.matcher) {
      try {
        parseMatchers(m);
      } catch (e) {
        throw new ApiError('SILENCE_INVALID', `--matcher ${m}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if ((o.duration === undefined) === (o.until === undefined)) throw new RuntimeError('USAGE', 'silences add: give exactly one of --duration and --until');
    if (!o.comment.trim()) throw new ApiError('SILENCE_INVALID', '--comment: say why');
    const now = new Date();
    let endsMs: number;
    if (o.duration !== undefined) {
      const span = configDuration(o.duration);
      if (span === undefined || span <= 0) throw new ApiError('SILENCE_INVALID', `--duration ${o.duration}: not a duration (30m, 2h, 1d)`);
      endsMs = now.getTime() + span;
    } else {
      endsMs = Date.parse(o.until!);
      if (Number.isNaN(endsMs)) throw new ApiError('SILENCE_INVALID', `--until ${o.until}: not an ISO 8601 time, e.g. 2026-12-07T18:00:00Z`);
      if (endsMs <= now.getTime()) throw new ApiError('SILENCE_INVALID', `--until ${o.until}: not after now (${now.toISOString()})`);
    }
    const w = who();
    const rec: Omit<SilenceRecord, 'expiredBy'> = {
      id: randomUUID(),
      kind: o.maintenance ? 'maintenance' : 'silence',
      matchers: o.matcher,
      startsAt: now.toISOString(),
      endsAt: new Date(endsMs).toISOString(),
      createdBy: w.actor.id,
      comment: o.comment,
      createdAt: now.toISOString(),
    };
    await withOps(location(), io, o, true, async ({ svc }) => {
      await svc.silences.add(
        rec,
        silenceDraft('silence.created', w.actor, rec.id, {
          kind: rec.kind,
          matchers: rec.matchers,
          startsAt: rec.startsAt,
          endsAt: rec.endsAt,
          comment: rec.comment,
          ...(w.osUser ? { osUser: w.osUser } : {}),
        }),
      );
      const s = silenceOf({ ...rec, expiredBy: null }, now.toISOString());
      if (o.json) io.out(`${JSON.stringify(s)}\n`);
      else io.out(`${s.kind} ${s.id} until ${s.endsAt} (${rel(s.endsAt, now.getTime())}): ${s.matchers.join(', ')}\n`);
    });
  });

  withConfig(
    silences.command('expire').description('end a silence now').argument('<id>', 'silence id or a unique prefix').option('--json', 'the silence as JSON'),
  ).action(async (id: string, o: Options) => {
    const w = who();
    await withOps(location(), io, o, true, async ({ svc }) => {
      const now = new Date().toISOString();
      const matches = (await svc.silences.list(now, true)).filter((s) => s.id === id || (id.length >= 4 && s.id.startsWith(id)));
      const exact = matches.find((s) => s.id === id);
      if (!exact && matches.length > 1) throw new ApiError('SILENCE_INVALID', `silence id prefix ${JSON.stringify(id)} is ambiguous`);
      const target = exact?.id ?? matches[0]?.id ?? id;
      const s = await svc.silences.expire(
        target,
        w.actor.id,
        now,
        silenceDraft('silence.expired', w.actor, target, { at: now, ...(w.osUser ? { osUser: w.osUser } : {}) }),
      );
      const v = silenceOf(s, now);
      if (o.json) io.out(`${JSON.stringify(v)}\n`);
      else io.out(`expired ${v.kind} ${v.id} at ${v.endsAt}: ${v.matchers.join(', ')}\n`);
    });
  });

  // ---- hand-offs -----------------------------------------------------------------------------

  const handoff = program.command('handoff').description('on-call hand-offs: give one (the unresolved risks, for the incoming person), or list them');

  withConfig(
    handoff
      .command('give', { isDefault: true })
      .description('hand off on-call for a schedule (recorded in the ledger with the open incidents)')
      .requiredOption('--schedule <name>', 'the on-call schedule')
      .requiredOption('--risks <text>', 'required: what is still open or risky')
      .option('--to <person>', 'who takes over')
      .option('--json', 'the hand-off as JSON'),
  ).action(async (o: Options & { schedule: string; risks: string; to?: string }) => {
    if (!o.risks.trim()) throw new RuntimeError('USAGE', '--risks: say what is open (or "none")');
    const w = who();
    await withOps(location(), io, o, true, async (ops) => {
      const cfg = (await ops.config()).config;
      if (!cfg.schedules.some((s) => s.name === o.schedule))
        throw new ApiError(
          'SCHEDULE_UNKNOWN',
          `no schedule named ${JSON.stringify(o.schedule)}${cfg.schedules.length ? `; configured: ${cfg.schedules.map((s) => s.name).join(', ')}` : ' (the operations file has none)'}`,
        );
      const h: HandoffRecord = { id: randomUUID(), at: new Date().toISOString(), by: w.actor.id, schedule: o.schedule, to: o.to ?? null, risks: o.risks };
      const open = await ops.svc.incidents.list({ states: ['triggered', 'acknowledged'], limit: 100 });
      await ops.svc.silences.addHandoff(
        h,
        handoffDraft(w.actor, h.id, {
          schedule: h.schedule,
          to: h.to,
          risks: h.risks,
          openIncidents: open.map((r) => r.id),
          ...(w.osUser ? { osUser: w.osUser } : {}),
        }),
      );
      if (o.json) io.out(`${JSON.stringify(h)}\n`);
      else io.out(`handed off ${h.schedule}${h.to ? ` to ${h.to}` : ''} at ${h.at} (${open.length} open incident${open.length === 1 ? '' : 's'})\n`);
    });
  });

  withConfig(
    handoff
      .command('list')
      .description('the hand-off log, newest first')
      .option('--schedule <name>', 'only this schedule’s')
      .option('--limit <n>', 'at most this many', '20')
      .option('--json', 'a JSON array of hand-offs'),
  ).action(async (o: Options & { schedule?: string; limit: string }) => {
    const limit = positiveInt('--limit', o.limit)!;
    await withOps(location(), io, o, false, async ({ svc }) => {
      const list = await svc.silences.handoffs(o.schedule, limit);
      if (o.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) {
        io.out('no hand-offs yet\n');
        return;
      }
      for (const h of list) io.out(`${h.at}  ${h.schedule}  ${h.by}${h.to ? ` → ${h.to}` : ''}\n    ${h.risks.split('\n').join('\n    ')}\n`);
    });
  });

  // ---- notify test ---------------------------------------------------------------------------

  const notify = program.command('notify').description('notifications');
  withConfig(
    notify
      .command('test')
      .description('send a test message to a configured receiver now; prints its delivery record (exit 1 if not delivered)')
      .argument('<receiver>', 'a receiver name from the operations file (or person:<name>)')
      .option('--timeout <seconds>', 'longest wait for the receiver', '15')
      .option('--json', 'the delivery record as JSON'),
  ).action(async (receiver: string, o: Options & { timeout: string }) => {
    const timeoutMs = positiveInt('--timeout', o.timeout)! * 1000;
    const w = who();
    const released: (() => void)[] = [];
    try {
      const rec = await withOps(location(), io, o, true, async (ops) => {
        const loaded = await configInForce(ops);
        return sendTestNotification({
          service: ops.svc,
          config: loaded.config,
          receiver,
          by: w.actor.id,
          ...(w.osUser ? { osUser: w.osUser } : {}),
          timeoutMs,
          // Resolved only for this receiver, and held so no ledger entry or message may carry it.
          secret: (ref: SecretRef) => {
            const v = resolveSecret(ref, { ...io.env });
            released.push(holdSecrets([v]));
            return v;
          },
          append: (d) => ops.ledger.writer!.append(d),
        });
      });
      const d = deliveryOf(rec);
      if (o.json) io.out(`${JSON.stringify(d)}\n`);
      else printTestRecord(io, d);
      if (d.state !== 'delivered')
        throw new RuntimeError('NOTIFICATION_FAILED', `the test notification to ${receiver} was not delivered: ${d.reason ?? d.state}`);
    } finally {
      for (const r of released) r();
    }
  });
}

function printTestRecord(io: Io, d: DeliveryRecord): void {
  const x = d.detail;
  const rows: [string, unknown][] = [
    ['delivery', d.id],
    ['receiver', `${d.receiver} (${d.channel})`],
    ['state', d.state],
    ['attempts', d.attempts],
    ['reason', d.reason],
    ['to', Array.isArray(x['to']) ? (x['to'] as unknown[]).join(', ') : undefined],
    ['message-id', x['messageId']],
    ['smtp reply', x['smtp']],
    ['http status', x['status']],
    ['webhook id', x['webhookId']],
    ['error', x['error']],
  ];
  for (const [k, v] of rows) if (v !== undefined && v !== null) io.out(`${pad(k, 12)}${String(v)}\n`);
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
