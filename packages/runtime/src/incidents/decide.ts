// Turns one decision of the incident machine into one storage commit: numbered facts, the timers'
// final state, delivery records for its notify commands and the ledger drafts of all of it.
import { applyFact, type IncidentDecision, type IncidentModel, type IncidentRules, type OperationsConfig, type Silence } from '@runledger/core';
import type { IncidentCommit, IncidentRow, NewDelivery, OutboxDraft } from '@runledger/store';
import { deliveryDraft, factDraft } from './drafts.js';
import { drillRules } from './drill-plan.js';
import { deliveriesFor, type IncidentContext, type Recipient } from './recipients.js';

export interface CommitInputs {
  readonly id: string;
  readonly row: IncidentRow | undefined;
  readonly ctx: IncidentContext;
  readonly decision: IncidentDecision;
  readonly cfg: OperationsConfig;
  readonly now: Date;
  readonly silences: readonly Silence[];
  /** Receivers that heard of this incident before (for a resolve). */
  readonly prior: readonly Recipient[];
  readonly alerts: IncidentCommit['alerts'];
  readonly consumeTimer?: IncidentCommit['consumeTimer'];
}

/** The rules an incident follows: the configuration's, with the escalation policy its route names (a drill: its plan's). */
export function rulesFor(cfg: OperationsConfig, ctx: IncidentContext): IncidentRules {
  const escalation = ctx.escalation ? cfg.escalationPolicies.find((p) => p.name === ctx.escalation) : undefined;
  const { escalation: _none, ...base } = cfg.rules;
  const rules = escalation ? { ...base, escalation } : base;
  return ctx.drillPlan ? drillRules(rules, ctx.drillPlan) : rules;
}

export function buildCommit(p: CommitInputs): { commit: IncidentCommit; model: IncidentModel } {
  const version = p.row?.version ?? 0;
  let model = p.row?.model as IncidentModel | undefined;
  const facts = p.decision.facts.map((f, i) => {
    model = applyFact(model, f);
    return { seq: version + i + 1, at: f.at, type: f.type, fact: f };
  });
  if (!model) throw new Error(`incident ${p.id}: a commit without a model`);
  const newVersion = version + facts.length;
  // Commands in order; the last word on each timer kind wins (a reschedule cancels, then sets).
  const timers = new Map<string, string | null>();
  const deliveries: NewDelivery[] = [];
  p.decision.commands.forEach((c, i) => {
    if (c.type === 'schedule') timers.set(c.kind, c.due);
    else if (c.type === 'cancel') timers.set(c.kind, null);
    else
      deliveries.push(
        ...deliveriesFor({
          cfg: p.cfg,
          ctx: p.ctx,
          model: model!,
          cmd: c,
          idBase: `${p.id}:${newVersion}:${i}`,
          factSeq: newVersion,
          prior: p.prior,
          silences: p.silences,
          atMs: p.now.getTime(),
        }),
      );
  });
  if (deliveries.length === 0 && p.decision.commands.some((c) => c.type === 'notify' && c.event !== 'resolved') && p.ctx.routes.length === 0)
    deliveries.push({
      id: `${p.id}:${newVersion}:none`,
      factSeq: newVersion,
      event: 'triggered',
      receiver: '(none)',
      channel: 'none',
      state: 'skipped',
      reason: 'no_route',
      detail: {},
    });
  const outbox: OutboxDraft[] = facts.map((f) => factDraft(p.id, f.seq, f.fact));
  for (const d of deliveries)
    if (d.state === 'skipped')
      outbox.push(
        deliveryDraft({
          id: d.id,
          incidentId: p.id,
          state: 'skipped',
          receiver: d.receiver,
          channel: d.channel,
          event: d.event,
          attempts: 0,
          reason: d.reason,
          detail: d.detail as Record<string, unknown>,
        }),
      );
  const m = model;
  const commit: IncidentCommit = {
    id: p.id,
    expectVersion: version,
    summary: {
      id: p.id,
      key: m.key,
      state: m.state,
      severity: m.severity,
      title: m.title,
      openedAt: m.openedAt,
      // Kept after it passes, so a list can say how overdue an unacknowledged incident is.
      ackDueAt: m.state === 'triggered' ? (m.ackDueAt ?? null) : null,
      owner: m.acknowledged?.by ?? null,
      resolvedAt: m.resolved?.at ?? null,
      context: p.ctx,
      model: m,
    },
    updatedAt: p.now.toISOString(),
    facts,
    setTimers: [...timers].flatMap(([kind, due]) => (due === null ? [] : [{ kind, due }])),
    cancelTimers: [...timers].flatMap(([kind, due]) => (due === null ? [kind] : [])),
    ...(p.consumeTimer ? { consumeTimer: p.consumeTimer } : {}),
    alerts: p.alerts,
    deliveries,
    outbox,
  };
  return { commit, model: m };
}
