// Approval requests are notifications too: a run that stops at a gate tells the people who can approve
// it, through the same routing tree as alerts. The request's labels (`kind="approval"`, the runbook, the
// environment and the roles the gate asks for) pick the route, so `roles=~".*release-manager.*"` reaches
// release managers. One delivery record per (gate × receiver), idempotent by its id: asking again after a
// restart asks once. No incident is opened: an approval is not an outage.
import { heldBack, routeFor } from '@runledger/core';
import type { NewDelivery } from '@runledger/store';
import { deliveryDraft } from './drafts.js';
import { channelOf, silencesOf } from './recipients.js';
import type { IncidentService } from './service.js';

export interface ApprovalRequest {
  readonly runId: string;
  readonly runbookId: string;
  readonly runbookTitle: string;
  readonly environment: string;
  readonly requester: string;
  readonly stepId: string;
  /** Roles (or groups) the gate needs; empty: anyone who may approve. */
  readonly roles: readonly string[];
  readonly count: number;
  readonly have: number;
  /** The run's attempt at this gate (a retried gate asks again). */
  readonly attempt: number;
  /** The gate's `expires` passed with approvals missing: asked again, marked as escalated. */
  readonly escalated?: boolean;
}

/** The subject every approval delivery is filed under (no incident has this id). */
export const approvalSubject = (runId: string): string => `run:${runId}`;

export function approvalLabels(r: ApprovalRequest): Record<string, string> {
  return {
    alertname: 'ApprovalRequested',
    kind: 'approval',
    runbook: r.runbookId,
    environment: r.environment,
    roles: r.roles.join(','),
    severity: r.escalated ? 'warning' : 'info',
    ...(r.escalated ? { escalated: 'true' } : {}),
  };
}

/** Records (and so queues) the notifications of one approval request; returns the delivery ids added. */
export async function requestApprovalNotifications(service: IncidentService, r: ApprovalRequest, now: Date): Promise<string[]> {
  const cfg = service.config;
  if (!cfg.route.receiver) return [];
  const labels = approvalLabels(r);
  const receivers = [...new Set(routeFor(cfg.route, labels).map((m) => m.receiver))];
  const held = heldBack(silencesOf(await service.silences.list(now.toISOString())), labels, now.getTime(), 'approval');
  const base = `${approvalSubject(r.runId)}:${r.stepId}:${r.attempt}${r.escalated ? ':expired' : ''}`;
  const detail = {
    ...(r.escalated ? { escalated: true } : {}),
    run: r.runId,
    step: r.stepId,
    runbook: r.runbookId,
    title: r.runbookTitle,
    environment: r.environment,
    requester: r.requester,
    roles: [...r.roles],
    count: r.count,
    have: r.have,
  };
  const rows: (NewDelivery & { incidentId: string })[] = receivers.map((name) => {
    const channel = channelOf(cfg, name);
    const skip = channel === 'none' ? 'receiver_disabled' : held ? (held.kind === 'maintenance' ? 'maintenance' : 'silenced') : undefined;
    return {
      id: `${base}:${name}`,
      incidentId: approvalSubject(r.runId),
      factSeq: 0,
      event: 'approval-requested',
      receiver: name,
      channel,
      state: skip ? 'skipped' : 'pending',
      reason: skip ?? null,
      detail: { ...detail, ...(held ? { silence: held.id } : {}) },
    };
  });
  return service.deliveries.addMany(rows, now.toISOString(), (added) =>
    rows
      .filter((d) => added.includes(d.id) && d.state === 'skipped')
      .map((d) =>
        deliveryDraft({
          id: d.id,
          incidentId: d.incidentId,
          state: 'skipped',
          receiver: d.receiver,
          channel: d.channel,
          event: d.event,
          attempts: 0,
          reason: d.reason,
          detail: d.detail as Record<string, unknown>,
        }),
      ),
  );
}

/** The message of an approval request, for every channel. */
export function renderApprovalRequest(
  detail: Readonly<Record<string, unknown>>,
  link: string | undefined,
): { subject: string; text: string; json: Record<string, unknown> } {
  const d = detail as {
    run: string;
    step: string;
    title: string;
    environment: string;
    requester: string;
    roles: string[];
    count: number;
    have: number;
    escalated?: boolean;
  };
  const who = d.roles.length ? `${d.count} approval(s) from ${d.roles.join(' or ')}` : `${d.count} approval(s)`;
  const subject = `[${d.escalated ? 'APPROVAL OVERDUE' : 'APPROVAL'}] ${d.title} (${d.environment}): step ${d.step} waits for ${who}`.slice(0, 250);
  const text = [
    `${d.title} waits for approval.`,
    '',
    `run        ${d.run} (${d.environment}), started by ${d.requester}`,
    `gate       step ${d.step}: ${who}; ${d.have} given`,
    ...(link ? [`review     ${link}`] : []),
    '',
    'Open the run to see what the gate asks and the evidence before it; the requester cannot approve their own run.',
  ].join('\n');
  return { subject, text: `${text}\n`, json: { event: 'approval-requested', ...d, ...(link ? { link } : {}) } };
}
