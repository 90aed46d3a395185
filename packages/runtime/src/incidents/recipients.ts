// Who hears of an incident event: the routing tree's receivers, or an escalation level's targets
// (receivers, people, the person on call in a schedule), minus what silences hold back (recorded as
// `skipped`, never dropped). A resolve goes to everyone who heard of the incident before.
import { heldBack, onCallAt, parseMatchers, type IncidentCommand, type IncidentModel, type OperationsConfig, type Silence } from '@runledger/core';
import type { NewDelivery, SilenceRecord } from '@runledger/store';
import type { DrillPlan } from './drill-plan.js';

/** What an incident remembers of the route that opened it. */
export interface IncidentContext {
  readonly integration: string;
  readonly routes: readonly { readonly path: string; readonly receiver: string }[];
  readonly groupBy: readonly string[];
  readonly escalation?: string;
  readonly runbook?: string;
  /** The route starts the runbook when the incident opens. */
  readonly autoRun?: boolean;
  /** The opening alert's labels: what routes, silences and notifications match on. */
  readonly labels: Readonly<Record<string, string>>;
  /** Set for incidents raised by a drill: notifications say so, and none goes out unless the drill asks. */
  readonly drill?: string;
  /** How the drill asks (set in-process only, never from labels): email to its sink, with its deadline and policy. */
  readonly drillPlan?: DrillPlan;
}

/** A concrete place to send to: a configured receiver, or a person's address over the default SMTP. */
export interface Recipient {
  readonly name: string;
  readonly channel: 'email' | 'webhook' | 'chat' | 'none';
  /** What expanded to it (`schedule:primary → person:alice`). */
  readonly via?: string;
}

export function silencesOf(records: readonly SilenceRecord[]): Silence[] {
  return records.map((r) => ({
    id: r.id,
    kind: r.kind,
    matchers: r.matchers.flatMap((m) => parseMatchers(m)),
    startsAt: Date.parse(r.startsAt),
    endsAt: Date.parse(r.endsAt),
    createdBy: r.createdBy,
    comment: r.comment,
  }));
}

/** The channel a receiver name (or `person:<name>`, mailed) sends over; `none` when it is not configured. */
export function channelOf(cfg: OperationsConfig, name: string): Recipient['channel'] {
  if (name.startsWith('person:')) return 'email';
  const r = cfg.receivers.find((x) => x.name === name);
  return r?.email ? 'email' : r?.webhook ? 'webhook' : r?.chat ? 'chat' : 'none';
}

function receiverRecipient(cfg: OperationsConfig, name: string, via?: string): Recipient {
  return { name, channel: channelOf(cfg, name), ...(via ? { via } : {}) };
}

function personRecipients(cfg: OperationsConfig, person: string, via: string): Recipient[] {
  const p = cfg.people.find((x) => x.name === person);
  if (!p) return [];
  const out = p.receivers.map((r) => receiverRecipient(cfg, r, via));
  if (p.email) out.push({ name: `person:${p.name}`, channel: 'email', via });
  return out;
}

/** Expands escalation targets (`receiver:`, `person:`, `schedule:`) at `atMs`. */
export function expandTargets(cfg: OperationsConfig, targets: readonly string[], atMs: number): Recipient[] {
  const out: Recipient[] = [];
  for (const t of targets) {
    const [kind, name = ''] = t.split(/:(.*)/s) as [string, string?];
    if (kind === 'receiver') out.push(receiverRecipient(cfg, name, t));
    else if (kind === 'person') out.push(...personRecipients(cfg, name, t));
    else if (kind === 'schedule') {
      const s = cfg.schedules.find((x) => x.name === name);
      const shift = s ? onCallAt(s, atMs) : undefined;
      if (shift) out.push(...personRecipients(cfg, shift.user, `${t} → person:${shift.user}`));
      else out.push({ name: t, channel: 'none', via: t });
    }
  }
  return dedupe(out);
}

function dedupe(rs: readonly Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return rs.filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
}

/**
 * The delivery records one notify command makes. `prior` are the receivers that got (or are getting)
 * an earlier notification of this incident: a resolve goes to exactly them.
 */
export function deliveriesFor(p: {
  cfg: OperationsConfig;
  ctx: IncidentContext;
  model: IncidentModel;
  cmd: Extract<IncidentCommand, { type: 'notify' }>;
  idBase: string;
  factSeq: number;
  prior: readonly Recipient[];
  silences: readonly Silence[];
  atMs: number;
}): NewDelivery[] {
  const { cfg, ctx, cmd } = p;
  let recipients: Recipient[];
  if (cmd.event === 'resolved') recipients = [...p.prior];
  else if (cmd.targets) recipients = expandTargets(cfg, cmd.targets, p.atMs);
  else recipients = dedupe(ctx.routes.map((r) => receiverRecipient(cfg, r.receiver, r.path)));
  const held = heldBack(p.silences, ctx.labels, p.atMs, cmd.event);
  return recipients.map((r) => {
    const base = { id: `${p.idBase}:${r.name}`, factSeq: p.factSeq, event: cmd.event, receiver: r.name, channel: r.channel };
    const detail = { ...(r.via ? { via: r.via } : {}), ...(held ? { silence: held.id, silenceBy: held.createdBy } : {}) };
    if (r.channel === 'none')
      return { ...base, state: 'skipped' as const, reason: r.name.startsWith('schedule:') ? 'no_one_on_call' : 'receiver_disabled', detail };
    if (held) return { ...base, state: 'skipped' as const, reason: held.kind === 'maintenance' ? 'maintenance' : 'silenced', detail };
    // A drill sends only email, only when it asks (its plan), and only to its sink (deliver.ts).
    if (ctx.drill && !(ctx.drillPlan && r.channel === 'email'))
      return { ...base, state: 'skipped' as const, reason: 'drill', detail: { ...detail, drill: ctx.drill } };
    const rc = cfg.receivers.find((x) => x.name === r.name);
    if (cmd.event === 'resolved' && rc && !rc.sendResolved) return { ...base, state: 'skipped' as const, reason: 'send_resolved_off', detail };
    return { ...base, state: 'pending' as const, reason: null, detail: ctx.drill ? { ...detail, drill: ctx.drill } : detail };
  });
}
