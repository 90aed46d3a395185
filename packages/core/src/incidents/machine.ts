// The incident state machine: inputs in (an alert fired or resolved, an acknowledgement, a timer), facts
// and commands out. Like the run machine it has no clock and no I/O: every input carries its time, the
// driver stores the facts (each one a timeline entry and a ledger entry), folds them into the model, and
// carries out the commands (durable timers, notifications). Replaying the stored facts rebuilds the model.
import { CodedError } from '@runledger/ledger';
import { incidentTitle } from './grouping.js';
import { nextEscalation, type IncidentRules } from './rules.js';
import { highestSeverity, severityOfLabels, type IncidentSeverity } from './severity.js';

export const INCIDENT_STATES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface AlertSnapshot {
  /** Stable per label set (Alertmanager's fingerprint, or a hash of the labels / the dedup key). */
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
}

export interface MemberAlert extends AlertSnapshot {
  readonly status: 'firing' | 'resolved';
  readonly severity: IncidentSeverity;
  readonly lastChangeAt: string;
}

export type TimerKind = 'deadline' | 'escalation' | 'retrigger';

export interface PendingTimer {
  readonly at: string;
  /** Escalation timers: which step fires. */
  readonly loop?: number;
  readonly level?: number;
}

export interface IncidentModel {
  readonly id: string;
  readonly key: string;
  readonly title: string;
  readonly state: IncidentState;
  /** The severity in force: a person's override, else the highest of the firing alerts. */
  readonly severity: IncidentSeverity;
  readonly override?: { readonly severity: IncidentSeverity; readonly by: string; readonly reason: string };
  readonly alerts: readonly MemberAlert[];
  readonly openedAt: string;
  /** When the current escalation chain started (opening, reopening or re-trigger). */
  readonly chainStartedAt: string;
  readonly ackDueAt?: string;
  readonly acknowledged?: { readonly by: string; readonly at: string };
  readonly resolved?: { readonly by: string; readonly at: string; readonly reason: string };
  readonly reopened: number;
  readonly escalation?: { readonly loop: number; readonly level: number; readonly at: string };
  readonly timers: Readonly<Partial<Record<TimerKind, PendingTimer>>>;
  readonly notes: number;
  /** Runs started from this incident (its linked runbook), oldest first. */
  readonly runs?: readonly { readonly runId: string; readonly runbook: string; readonly by: string; readonly at: string }[];
}

/** What happens to an incident. Each fact is stored, shown on the timeline and appended to the ledger. */
export type IncidentFact =
  | { readonly type: 'incident.created'; readonly at: string; readonly id: string; readonly key: string; readonly title: string }
  | { readonly type: 'alert.attached'; readonly at: string; readonly alert: AlertSnapshot; readonly severity: IncidentSeverity; readonly severityFrom: string }
  | { readonly type: 'alert.resolved'; readonly at: string; readonly fingerprint: string }
  | {
      readonly type: 'severity.changed';
      readonly at: string;
      readonly from: IncidentSeverity;
      readonly to: IncidentSeverity;
      readonly by: string;
      readonly reason: string;
    }
  | { readonly type: 'timer.set'; readonly at: string; readonly kind: TimerKind; readonly due: string; readonly loop?: number; readonly level?: number }
  | { readonly type: 'timer.cancelled'; readonly at: string; readonly kind: TimerKind }
  | { readonly type: 'deadline.missed'; readonly at: string; readonly due: string; readonly severity: IncidentSeverity }
  | { readonly type: 'escalated'; readonly at: string; readonly loop: number; readonly level: number; readonly targets: readonly string[]; readonly by: string }
  | { readonly type: 'acknowledged'; readonly at: string; readonly by: string }
  | { readonly type: 'note'; readonly at: string; readonly by: string; readonly text: string }
  | { readonly type: 'resolved'; readonly at: string; readonly by: string; readonly reason: string }
  | { readonly type: 'reopened'; readonly at: string; readonly by: string; readonly reason: string }
  | { readonly type: 'retriggered'; readonly at: string; readonly reason: string }
  | { readonly type: 'runbook.started'; readonly at: string; readonly by: string; readonly runId: string; readonly runbook: string };

export type IncidentInput =
  | { readonly type: 'alert.firing'; readonly at: string; readonly alert: AlertSnapshot }
  | { readonly type: 'alert.resolved'; readonly at: string; readonly fingerprint: string }
  | { readonly type: 'acknowledge'; readonly at: string; readonly by: string }
  | { readonly type: 'resolve'; readonly at: string; readonly by: string; readonly reason: string }
  | { readonly type: 'set-severity'; readonly at: string; readonly by: string; readonly severity: IncidentSeverity; readonly reason: string }
  | { readonly type: 'note'; readonly at: string; readonly by: string; readonly text: string }
  | { readonly type: 'escalate'; readonly at: string; readonly by: string }
  | { readonly type: 'timer'; readonly at: string; readonly kind: TimerKind; readonly due: string }
  | { readonly type: 'runbook-started'; readonly at: string; readonly by: string; readonly runId: string; readonly runbook: string };

/** What the driver does after storing the facts. */
export type IncidentCommand =
  | { readonly type: 'schedule'; readonly kind: TimerKind; readonly due: string }
  | { readonly type: 'cancel'; readonly kind: TimerKind }
  | { readonly type: 'notify'; readonly event: NotifyEvent; readonly targets?: readonly string[] };

/** Why people are told: the notifier routes each to receivers and writes a delivery record per receiver. */
export type NotifyEvent = 'triggered' | 'escalated' | 'resolved' | 'reopened' | 'retriggered' | 'severity' | 'deadline-missed';

export interface IncidentDecision {
  readonly facts: readonly IncidentFact[];
  readonly commands: readonly IncidentCommand[];
  /** Set when the input was not applied (and why): a stale timer, an acknowledgement of a resolved incident… */
  readonly ignored?: string;
}

export type IncidentRuleCode = 'INCIDENT_RESOLVED' | 'INCIDENT_ALREADY_ACKNOWLEDGED' | 'INCIDENT_NOTE_EMPTY' | 'INCIDENT_REASON_REQUIRED';

/** A person's action the rules refuse (it crosses the API and CLI boundaries with its code). */
export class IncidentRuleError extends CodedError<IncidentRuleCode> {
  override readonly name = 'IncidentRuleError';
}

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (t: string): number => Date.parse(t);

/** Folds one fact into the model (the only way the model changes; replay is a fold). */
export function applyFact(m: IncidentModel | undefined, f: IncidentFact): IncidentModel {
  if (f.type === 'incident.created') {
    if (m) throw new Error(`incident ${m.id} already exists`);
    return {
      id: f.id,
      key: f.key,
      title: f.title,
      state: 'triggered',
      severity: 'SEV-3',
      alerts: [],
      openedAt: f.at,
      chainStartedAt: f.at,
      reopened: 0,
      timers: {},
      notes: 0,
    };
  }
  if (!m) throw new Error(`fact ${f.type} before incident.created`);
  switch (f.type) {
    case 'alert.attached': {
      const member: MemberAlert = { ...f.alert, status: 'firing', severity: f.severity, lastChangeAt: f.at };
      const alerts = [...m.alerts.filter((a) => a.fingerprint !== f.alert.fingerprint), member];
      return withSeverity({ ...m, alerts });
    }
    case 'alert.resolved':
      return withSeverity({
        ...m,
        alerts: m.alerts.map((a) => (a.fingerprint === f.fingerprint ? { ...a, status: 'resolved' as const, lastChangeAt: f.at } : a)),
      });
    case 'severity.changed':
      return f.by === 'system' ? { ...m, severity: f.to } : { ...m, severity: f.to, override: { severity: f.to, by: f.by, reason: f.reason } };
    case 'timer.set': {
      const t: PendingTimer = { at: f.due, ...(f.loop !== undefined ? { loop: f.loop } : {}), ...(f.level !== undefined ? { level: f.level } : {}) };
      return { ...m, timers: { ...m.timers, [f.kind]: t }, ...(f.kind === 'deadline' ? { ackDueAt: f.due } : {}) };
    }
    case 'timer.cancelled': {
      const timers = { ...m.timers };
      delete timers[f.kind];
      return { ...m, timers };
    }
    case 'deadline.missed': {
      const timers = { ...m.timers };
      delete timers.deadline;
      return { ...m, timers };
    }
    case 'escalated': {
      const timers = { ...m.timers };
      if (timers.escalation?.loop === f.loop && timers.escalation.level === f.level) delete timers.escalation;
      return { ...m, timers, escalation: { loop: f.loop, level: f.level, at: f.at } };
    }
    case 'acknowledged':
      return { ...m, state: 'acknowledged', acknowledged: { by: f.by, at: f.at } };
    case 'note':
      return { ...m, notes: m.notes + 1 };
    case 'runbook.started':
      return { ...m, runs: [...(m.runs ?? []), { runId: f.runId, runbook: f.runbook, by: f.by, at: f.at }] };
    case 'resolved': {
      const { ackDueAt: _gone, ...rest } = m;
      return { ...rest, state: 'resolved', resolved: { by: f.by, at: f.at, reason: f.reason } };
    }
    case 'reopened':
    case 'retriggered': {
      const { acknowledged: _a, resolved: _r, escalation: _e, ackDueAt: _d, ...rest } = m;
      return { ...rest, state: 'triggered', chainStartedAt: f.at, reopened: m.reopened + (f.type === 'reopened' ? 1 : 0) };
    }
  }
}

/** The computed severity follows the firing alerts unless a person has set one. */
function withSeverity(m: IncidentModel): IncidentModel {
  if (m.override) return m;
  const s = highestSeverity(m.alerts.filter((a) => a.status === 'firing').map((a) => a.severity));
  return s ? { ...m, severity: s } : m;
}

export function replayIncident(facts: readonly IncidentFact[]): IncidentModel {
  let m: IncidentModel | undefined;
  for (const f of facts) m = applyFact(m, f);
  if (!m) throw new Error('no facts');
  return m;
}

/** Accumulates facts, folding each into the model as it is produced, so later rules see earlier facts. */
class Builder {
  readonly facts: IncidentFact[] = [];
  readonly commands: IncidentCommand[] = [];
  constructor(public m: IncidentModel | undefined) {}
  add(f: IncidentFact): void {
    this.facts.push(f);
    this.m = applyFact(this.m, f);
  }
  get model(): IncidentModel {
    return this.m!;
  }
  schedule(at: string, kind: TimerKind, due: number, step?: { loop: number; level: number }): void {
    this.add({ type: 'timer.set', at, kind, due: iso(due), ...(step ? { loop: step.loop, level: step.level } : {}) });
    this.commands.push({ type: 'schedule', kind, due: iso(due) });
  }
  cancel(at: string, kind: TimerKind): void {
    if (!this.model.timers[kind]) return;
    this.add({ type: 'timer.cancelled', at, kind });
    this.commands.push({ type: 'cancel', kind });
  }
  notify(event: NotifyEvent, targets?: readonly string[]): void {
    this.commands.push({ type: 'notify', event, ...(targets ? { targets } : {}) });
  }
  done(ignored?: string): IncidentDecision {
    return { facts: this.facts, commands: this.commands, ...(ignored ? { ignored } : {}) };
  }
}

/** Starts the acknowledgement deadline and the escalation chain from `at` (opening, reopening, re-trigger). */
function startChain(b: Builder, at: string, rules: IncidentRules): void {
  const m = b.model;
  b.schedule(at, 'deadline', ms(at) + rules.ackDeadlines[m.severity]);
  const first = nextEscalation(rules.escalation, m.severity, rules, ms(at));
  if (first) fireOrSchedule(b, at, first, rules);
}

/** An escalation step due now fires at once (level 0 at `after: 0` is the first page); a later one is a timer. */
function fireOrSchedule(b: Builder, at: string, step: { loop: number; level: number; at: number }, rules: IncidentRules): void {
  if (step.at <= ms(at)) {
    escalate(b, at, step, rules, 'system');
    return;
  }
  b.schedule(at, 'escalation', step.at, step);
}

function escalate(b: Builder, at: string, step: { loop: number; level: number }, rules: IncidentRules, by: string): void {
  const level = rules.escalation?.levels[step.level];
  const targets = level?.targets ?? [];
  b.add({ type: 'escalated', at, loop: step.loop, level: step.level, targets, by });
  b.notify(step.loop === 0 && step.level === 0 && by === 'system' ? 'triggered' : 'escalated', targets);
  const next = nextEscalation(rules.escalation, b.model.severity, rules, ms(b.model.chainStartedAt), step);
  if (next) fireOrSchedule(b, at, next, rules);
}

function stopChain(b: Builder, at: string): void {
  b.cancel(at, 'deadline');
  b.cancel(at, 'escalation');
  b.cancel(at, 'retrigger');
}

/**
 * Opens an incident for an alert that matched no open one. `rules` are the rules in force now; the
 * facts carry their consequences (timer times), so a later configuration change does not rewrite them.
 */
export function openIncident(
  id: string,
  key: string,
  input: { at: string; alert: AlertSnapshot },
  rules: IncidentRules,
  groupBy?: readonly string[],
): IncidentDecision {
  const b = new Builder(undefined);
  b.add({ type: 'incident.created', at: input.at, id, key, title: incidentTitle(input.alert.labels, input.alert.annotations, groupBy) });
  attach(b, input.at, input.alert);
  startChain(b, input.at, rules);
  if (!hasEscalation(rules)) b.notify('triggered');
  return b.done();
}

/**
 * With an escalation policy its levels page people (a `notify` with targets); without one, the
 * routing tree decides who hears of it (a `notify` without targets). Never both for one event.
 */
function hasEscalation(rules: IncidentRules): boolean {
  return (rules.escalation?.levels.length ?? 0) > 0;
}

function attach(b: Builder, at: string, alert: AlertSnapshot): void {
  const before = b.model.severity;
  const hadAlerts = b.model.alerts.length > 0;
  const v = severityOfLabels(alert.labels);
  b.add({ type: 'alert.attached', at, alert, severity: v.severity, severityFrom: v.from });
  if (hadAlerts && b.model.severity !== before)
    b.add({ type: 'severity.changed', at, from: before, to: b.model.severity, by: 'system', reason: `alert ${alert.fingerprint} (${v.from})` });
}

/** Decides what an input does to an existing incident. Refusals of a person's action throw IncidentRuleError. */
export function decideIncident(m: IncidentModel, input: IncidentInput, rules: IncidentRules): IncidentDecision {
  const b = new Builder(m);
  const at = input.at;
  switch (input.type) {
    case 'alert.firing': {
      const known = m.alerts.find((a) => a.fingerprint === input.alert.fingerprint);
      if (m.state === 'resolved') {
        b.add({ type: 'reopened', at, by: 'system', reason: `alert ${input.alert.fingerprint} fired again within the flap window` });
        attach(b, at, input.alert);
        startChain(b, at, rules);
        if (!hasEscalation(rules)) b.notify('reopened');
        return b.done();
      }
      if (known && known.status === 'firing') return b.done('alert already firing in this incident');
      const before = b.model.severity;
      attach(b, at, input.alert);
      if (b.model.severity !== before && b.model.state === 'triggered') reschedule(b, at, rules);
      return b.done();
    }
    case 'alert.resolved': {
      const known = m.alerts.find((a) => a.fingerprint === input.fingerprint);
      if (!known || known.status === 'resolved') return b.done(known ? 'alert already resolved' : 'alert not in this incident');
      const before = b.model.severity;
      b.add({ type: 'alert.resolved', at, fingerprint: input.fingerprint });
      if (b.model.severity !== before && !b.model.override)
        b.add({ type: 'severity.changed', at, from: before, to: b.model.severity, by: 'system', reason: `alert ${input.fingerprint} resolved` });
      // Auto-resolve only when every member alert has resolved, never on one payload's word.
      if (m.state !== 'resolved' && b.model.alerts.every((a) => a.status === 'resolved')) {
        stopChain(b, at);
        b.add({ type: 'resolved', at, by: 'system', reason: 'every alert resolved' });
        b.notify('resolved');
      }
      return b.done();
    }
    case 'acknowledge': {
      if (m.state === 'resolved') throw new IncidentRuleError('INCIDENT_RESOLVED', `incident ${m.id} is resolved`);
      if (m.state === 'acknowledged')
        throw new IncidentRuleError('INCIDENT_ALREADY_ACKNOWLEDGED', `incident ${m.id} was acknowledged by ${m.acknowledged?.by} at ${m.acknowledged?.at}`);
      stopChain(b, at);
      b.add({ type: 'acknowledged', at, by: input.by });
      if (rules.retriggerAfterAckMs !== undefined) b.schedule(at, 'retrigger', ms(at) + rules.retriggerAfterAckMs);
      return b.done();
    }
    case 'resolve': {
      if (m.state === 'resolved') throw new IncidentRuleError('INCIDENT_RESOLVED', `incident ${m.id} is resolved`);
      if (!input.reason.trim()) throw new IncidentRuleError('INCIDENT_REASON_REQUIRED', 'resolving by hand needs a reason');
      stopChain(b, at);
      b.add({ type: 'resolved', at, by: input.by, reason: input.reason });
      b.notify('resolved');
      return b.done();
    }
    case 'set-severity': {
      if (!input.reason.trim()) throw new IncidentRuleError('INCIDENT_REASON_REQUIRED', 'changing the severity needs a reason');
      if (input.severity === m.severity && m.override) return b.done(`already ${m.severity}`);
      b.add({ type: 'severity.changed', at, from: m.severity, to: input.severity, by: input.by, reason: input.reason });
      if (m.state === 'triggered' && input.severity !== m.severity) reschedule(b, at, rules);
      b.notify('severity');
      return b.done();
    }
    case 'note':
      if (!input.text.trim()) throw new IncidentRuleError('INCIDENT_NOTE_EMPTY', 'a note needs text');
      b.add({ type: 'note', at, by: input.by, text: input.text });
      return b.done();
    case 'runbook-started':
      b.add({ type: 'runbook.started', at, by: input.by, runId: input.runId, runbook: input.runbook });
      return b.done();
    case 'escalate': {
      if (m.state === 'resolved') throw new IncidentRuleError('INCIDENT_RESOLVED', `incident ${m.id} is resolved`);
      const step =
        nextEscalation(rules.escalation, m.severity, rules, ms(m.chainStartedAt), m.escalation) ??
        (rules.escalation?.levels.length ? { loop: m.escalation?.loop ?? 0, level: rules.escalation.levels.length - 1, at: ms(at) } : undefined);
      b.cancel(at, 'escalation');
      if (step) escalate(b, at, step, rules, input.by);
      else {
        b.add({ type: 'escalated', at, loop: 0, level: 0, targets: [], by: input.by });
        b.notify('escalated');
      }
      return b.done();
    }
    case 'timer': {
      const t = m.timers[input.kind];
      // A timer fires once: one that was cancelled, replaced or already handled is stale.
      if (!t || t.at !== input.due) return b.done(`stale ${input.kind} timer for ${input.due}`);
      if (input.kind === 'deadline') {
        b.add({ type: 'deadline.missed', at, due: input.due, severity: m.severity });
        b.notify('deadline-missed');
        return b.done();
      }
      if (input.kind === 'escalation') {
        escalate(b, at, { loop: t.loop ?? 0, level: t.level ?? 0 }, rules, 'system');
        return b.done();
      }
      // retrigger: acknowledged for too long while still open.
      b.cancel(at, 'retrigger');
      if (m.state !== 'acknowledged') return b.done('not acknowledged any more');
      b.add({ type: 'retriggered', at, reason: `acknowledged by ${m.acknowledged?.by} at ${m.acknowledged?.at} and still open` });
      startChain(b, at, rules);
      if (!hasEscalation(rules)) b.notify('retriggered');
      return b.done();
    }
  }
}

/** A severity change while triggered moves the acknowledgement deadline (counted from the chain's start). */
function reschedule(b: Builder, at: string, rules: IncidentRules): void {
  const due = ms(b.model.chainStartedAt) + rules.ackDeadlines[b.model.severity];
  if (b.model.timers.deadline?.at === iso(due)) return;
  b.cancel(at, 'deadline');
  if (due <= ms(at)) {
    b.add({ type: 'deadline.missed', at, due: iso(due), severity: b.model.severity });
    b.notify('deadline-missed');
  } else b.schedule(at, 'deadline', due);
}

/**
 * Where a firing alert goes, given the newest incident with its key: `attach` to an open one, `reopen`
 * a resolved one inside the flap window, else a `new` incident (never silently into a closed one).
 */
export function routeAlert(latest: IncidentModel | undefined, at: string, rules: IncidentRules): 'attach' | 'reopen' | 'new' {
  if (!latest) return 'new';
  if (latest.state !== 'resolved') return 'attach';
  const since = ms(at) - ms(latest.resolved?.at ?? latest.openedAt);
  return since <= rules.flapWindowMs ? 'reopen' : 'new';
}
