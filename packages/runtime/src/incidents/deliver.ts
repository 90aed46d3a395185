// Sends due delivery records: email over SMTP, Standard Webhooks-signed webhooks and chat webhooks.
// Each attempt's outcome goes through the pure retry rule (judgeAttempt); the final state is stored
// with its ledger entry. Secrets (SMTP passwords, webhook keys) are resolved per send, never stored.
import {
  DEFAULT_RETRY,
  judgeAttempt,
  renderNotification,
  type AttemptOutcome,
  type OperationsConfig,
  type RenderedNotification,
  type RetryPolicy,
  type SecretRef,
} from '@runledger/core';
import type { DeliveryRecord } from '@runledger/store';
import type { IncidentModel } from '@runledger/core';
import type { IncidentContext } from './recipients.js';
import { sendChat, sendWebhook } from '../notify/http.js';
import { sendMail, type SmtpTarget } from '../notify/smtp.js';
import { renderApprovalRequest } from './approvals.js';
import { DRILL_MAX_ATTEMPTS, drillMailConfig } from './drill-plan.js';
import { deliveryDraft } from './drafts.js';
import type { IncidentService } from './service.js';

export interface DeliveryWorkerOptions {
  readonly service: IncidentService;
  readonly secret: (ref: SecretRef) => string;
  readonly clock?: () => Date;
  readonly retry?: RetryPolicy;
  /** Link to an incident in the web UI (for the message). */
  readonly link?: (incidentId: string) => string | undefined;
  /** Link to a run in the web UI (approval requests). */
  readonly runLink?: (runId: string) => string | undefined;
  readonly timeoutMs?: number;
  readonly random?: () => number;
  /** After each final state (metrics). */
  readonly onFinal?: (d: DeliveryRecord, state: 'delivered' | 'failed') => void;
}

export interface SendResult {
  readonly outcome: AttemptOutcome;
  readonly detail: Readonly<Record<string, unknown>>;
}

const LEASE_MS = 60_000;

export class DeliveryWorker {
  private readonly clock: () => Date;
  constructor(private readonly o: DeliveryWorkerOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  /** Sends every due record once (concurrently, up to `batch`); resolves with the next due time. */
  async runDue(batch = 32): Promise<number | undefined> {
    for (;;) {
      await this.o.service.settled();
      const due = await this.o.service.deliveries.claimDue(this.clock().getTime(), LEASE_MS, batch);
      if (due.length === 0) break;
      await Promise.all(due.map((d) => this.attempt(d)));
      if (due.length < batch) break;
    }
    return this.o.service.deliveries.nextDueMs();
  }

  /** One attempt of one claimed record, and its outcome stored. */
  async attempt(d: DeliveryRecord): Promise<DeliveryRecord> {
    const attempt = d.attempts + 1;
    let result: SendResult;
    try {
      result = await this.send(d);
    } catch (e) {
      result = { outcome: { kind: 'network', error: e instanceof Error ? e.message : String(e) }, detail: {} };
    }
    const now = this.clock();
    const policy = this.o.retry ?? DEFAULT_RETRY;
    const drill = d.detail['drill'] !== undefined;
    const verdict = judgeAttempt(
      result.outcome,
      attempt,
      drill ? { ...policy, maxAttempts: DRILL_MAX_ATTEMPTS } : policy,
      now.getTime(),
      (this.o.random ?? Math.random)(),
    );
    const detail = { ...d.detail, ...result.detail, ...outcomeDetail(result.outcome) };
    const reason = verdict.state === 'delivered' ? null : verdict.reason;
    const nextMs = verdict.state === 'attempted' ? now.getTime() + verdict.retryInMs : null;
    const final = verdict.state === 'attempted' ? undefined : verdict.state;
    await this.o.service.deliveries.finish(
      d.id,
      { state: verdict.state, attempts: attempt, reason, nextMs, detail, at: now.toISOString() },
      final
        ? deliveryDraft({
            id: d.id,
            incidentId: d.incidentId,
            state: final,
            receiver: d.receiver,
            channel: d.channel,
            event: d.event,
            attempts: attempt,
            reason,
            detail,
          })
        : undefined,
    );
    const after: DeliveryRecord = {
      ...d,
      state: verdict.state,
      attempts: attempt,
      reason,
      nextAt: nextMs === null ? null : new Date(nextMs).toISOString(),
      detail,
      updatedAt: now.toISOString(),
    };
    if (final) this.o.onFinal?.(after, final);
    return after;
  }

  private async send(d: DeliveryRecord): Promise<SendResult> {
    const cfg = this.o.service.config;
    if (d.event === 'approval-requested') {
      const runId = String(d.detail['run']);
      const msg = renderApprovalRequest(d.detail, this.o.runLink?.(runId));
      return sendToReceiver({
        cfg,
        receiver: d.receiver,
        deliveryId: d.id,
        msg,
        headers: { 'X-Runledger-Run': runId, 'X-Runledger-Delivery': d.id },
        secret: this.o.secret,
        nowMs: this.clock().getTime(),
        ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}),
      });
    }
    const row = await this.o.service.incidents.get(d.incidentId);
    if (!row) return { outcome: { kind: 'http', status: 404 }, detail: { error: `incident ${d.incidentId} is gone` } };
    const view = { model: row.model as IncidentModel, context: row.context as IncidentContext };
    const ctx = view.context;
    const msg = renderNotification({
      incidentId: d.incidentId,
      event: d.event,
      severity: view.model.severity,
      state: view.model.state,
      title: view.model.title,
      openedAt: view.model.openedAt,
      ...(view.model.ackDueAt ? { ackDueAt: view.model.ackDueAt } : {}),
      alerts: view.model.alerts.map((a) => ({ labels: a.labels, status: a.status })),
      ...(this.o.link?.(d.incidentId) ? { link: this.o.link(d.incidentId)! } : {}),
      ...(ctx.runbook ? { runbook: ctx.runbook } : {}),
      ...(ctx.drill ? { drillId: ctx.drill } : {}),
    });
    const headers = { 'X-Runledger-Incident': d.incidentId, 'X-Runledger-Delivery': d.id, ...(ctx.drill ? { 'X-Runledger-Drill': ctx.drill } : {}) };
    if (ctx.drill && !ctx.drillPlan) return { outcome: { kind: 'http', status: 400 }, detail: { error: `drill ${ctx.drill} asked for no delivery` } };
    const sent = await sendToReceiver({
      // A drill's mail goes to its sink only, whatever server the receiver names.
      cfg: ctx.drillPlan ? drillMailConfig(cfg, ctx.drillPlan) : cfg,
      receiver: d.receiver,
      deliveryId: d.id,
      msg,
      headers,
      secret: this.o.secret,
      nowMs: this.clock().getTime(),
      ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}),
    });
    return ctx.drillPlan ? { ...sent, detail: { ...sent.detail, sink: `${ctx.drillPlan.smtp.host}:${ctx.drillPlan.smtp.port}` } } : sent;
  }
}

/** One message to one receiver (or `person:<name>`), over its channel: what the worker and `notify test` send with. */
export interface ChannelSend {
  readonly cfg: OperationsConfig;
  readonly receiver: string;
  /** The delivery record's id: the webhook id, and the X-Runledger-Delivery header. */
  readonly deliveryId: string;
  readonly msg: RenderedNotification;
  /** Mail headers (X-Runledger-Incident, X-Runledger-Delivery, …). */
  readonly headers: Readonly<Record<string, string>>;
  readonly secret: (ref: SecretRef) => string;
  readonly nowMs: number;
  readonly timeoutMs?: number;
}

/** Sends over the receiver's channel once; the outcome is what judgeAttempt decides on. Throws only on a local failure. */
export async function sendToReceiver(p: ChannelSend): Promise<SendResult> {
  const { cfg, msg } = p;
  const headers = { ...p.headers };
  if (p.receiver.startsWith('person:')) {
    const person = cfg.people.find((x) => `person:${x.name}` === p.receiver);
    const smtp = cfg.receivers.find((r) => r.email)?.email;
    if (!person?.email || !smtp) return { outcome: { kind: 'http', status: 400 }, detail: { error: `no email address or SMTP server for ${p.receiver}` } };
    return mail(p, smtp.smtp, { from: smtp.from, to: [person.email], subject: msg.subject, text: msg.text, headers });
  }
  const r = cfg.receivers.find((x) => x.name === p.receiver);
  if (!r) return { outcome: { kind: 'http', status: 404 }, detail: { error: `receiver ${p.receiver} is no longer configured` } };
  const timeout = p.timeoutMs ? { timeoutMs: p.timeoutMs } : {};
  if (r.email) return mail(p, r.email.smtp, { from: r.email.from, to: [...r.email.to], subject: msg.subject, text: msg.text, headers });
  if (r.webhook) {
    const secrets = r.webhook.secrets.map((s) => p.secret(s));
    const outcome = await sendWebhook({
      url: r.webhook.url,
      secrets,
      id: p.deliveryId,
      payload: { ...msg.json, delivery: p.deliveryId },
      nowMs: p.nowMs,
      ...timeout,
    });
    return { outcome, detail: { webhookId: p.deliveryId } };
  }
  if (r.chat) return { outcome: await sendChat({ url: r.chat.url, text: `*${msg.subject}*\n${msg.text}`, ...timeout }), detail: {} };
  return { outcome: { kind: 'http', status: 400 }, detail: { error: `receiver ${p.receiver} has no channel` } };
}

async function mail(
  p: ChannelSend,
  smtp: NonNullable<OperationsConfig['receivers'][number]['email']>['smtp'],
  m: { from: string; to: string[]; subject: string; text: string; headers: Record<string, string> },
): Promise<SendResult> {
  const target: SmtpTarget = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.username ? { username: smtp.username } : {}),
    ...(smtp.password ? { password: p.secret(smtp.password) } : {}),
  };
  const r = await sendMail(target, m, p.timeoutMs);
  return { outcome: r.outcome, detail: { messageId: r.messageId, to: m.to } };
}

/** What a delivery record keeps of an attempt's outcome: the HTTP status, the SMTP reply, or the error. */
export function outcomeDetail(o: AttemptOutcome): Record<string, unknown> {
  if (o.kind === 'http') return { status: o.status };
  if (o.kind === 'smtp') return { smtp: `${o.code} ${o.response}`.trim() };
  return { error: o.error };
}
