// `runledger notify test RECEIVER`: one `test` notification to one configured receiver, now, through the
// channel code the delivery worker uses. It is recorded like any delivery (a record under the incident id
// `test:<uuid>`, its final state's `notification.<state>` ledger entry), but sent once: a test that
// would be retried reports the failure at once, so the person testing sees it.
import { randomUUID } from 'node:crypto';
import { DEFAULT_RETRY, judgeAttempt, renderNotification, type OperationsConfig, type SecretRef } from '@runledger/core';
import type { EntryDraft } from '@runledger/ledger';
import type { DeliveryRecord } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { outcomeDetail, sendToReceiver, type SendResult } from './deliver.js';
import { channelOf } from './recipients.js';
import { deliveryDraft } from './drafts.js';
import { pumpOutbox } from './pump.js';
import type { IncidentService } from './service.js';

export interface TestNotificationOptions {
  readonly service: IncidentService;
  /** The configuration to send with (its receivers, people and SMTP servers). */
  readonly config: OperationsConfig;
  /** A receiver's name, or `person:<name>` (a person's own address over the first email receiver's SMTP server). */
  readonly receiver: string;
  /** Who asked (shown in the message, kept in the record). */
  readonly by: string;
  /** The OS account that ran the command, kept beside the claimed `by` (a CLI's actor is a claim). */
  readonly osUser?: string;
  /** Resolves a secret reference the receiver uses (SMTP password, webhook secrets). */
  readonly secret: (ref: SecretRef) => string;
  /** Appends a ledger draft: the outbox is pumped before this resolves. */
  readonly append: (d: EntryDraft) => Promise<unknown>;
  readonly clock?: () => Date;
  readonly timeoutMs?: number;
  readonly link?: string;
}

/** The names `notify test` accepts: every receiver, and `person:<name>` for each person with an email address. */
export function testableReceivers(cfg: OperationsConfig): string[] {
  return [...cfg.receivers.map((r) => r.name), ...cfg.people.filter((p) => p.email).map((p) => `person:${p.name}`)];
}

/**
 * Sends a test notification to `receiver` and returns its delivery record in its final state
 * (`delivered` or `failed`); the ledger has its `notification.<state>` entry when this resolves.
 * An unknown receiver is RECEIVER_UNKNOWN, naming the configured ones.
 */
export async function sendTestNotification(o: TestNotificationOptions): Promise<DeliveryRecord> {
  const cfg = o.config;
  const names = testableReceivers(cfg);
  if (!names.includes(o.receiver))
    throw new RuntimeError(
      'RECEIVER_UNKNOWN',
      names.length === 0
        ? `no receiver ${JSON.stringify(o.receiver)}: the operations file configures no receivers`
        : `no receiver ${JSON.stringify(o.receiver)}; configured: ${names.join(', ')}`,
    );
  const channel = channelOf(cfg, o.receiver);
  if (channel === 'none') throw new RuntimeError('USAGE', `receiver ${o.receiver} has no channel (email, webhook or chat) to test`);
  const clock = o.clock ?? (() => new Date());
  const started = clock();
  const incidentId = `test:${randomUUID()}`;
  const id = `${incidentId}:${o.receiver}`;
  const deliveries = o.service.deliveries;
  const requested = { requestedBy: o.by, ...(o.osUser ? { osUser: o.osUser } : {}) };
  await deliveries.addUnscheduled({ id, incidentId, factSeq: 0, event: 'test', receiver: o.receiver, channel, detail: requested, at: started.toISOString() });

  const msg = renderNotification({
    incidentId,
    event: 'test',
    severity: 'INFO',
    state: 'test',
    title: `Runledger test notification to ${o.receiver}, sent by ${o.by}`,
    openedAt: started.toISOString(),
    alerts: [],
    ...(o.link ? { link: o.link } : {}),
  });
  let result: SendResult;
  try {
    result = await sendToReceiver({
      cfg,
      receiver: o.receiver,
      deliveryId: id,
      msg,
      headers: { 'X-Runledger-Incident': incidentId, 'X-Runledger-Delivery': id, 'X-Runledger-Test': 'true' },
      secret: o.secret,
      nowMs: clock().getTime(),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
  } catch (e) {
    result = { outcome: { kind: 'network', error: e instanceof Error ? e.message : String(e) }, detail: {} };
  }
  const now = clock();
  const verdict = judgeAttempt(result.outcome, 1, DEFAULT_RETRY, now.getTime(), 0);
  // The worker would retry a 5xx, a 429 or a network error; a test reports it now.
  const state = verdict.state === 'delivered' ? 'delivered' : 'failed';
  const reason = verdict.state === 'delivered' ? null : verdict.state === 'attempted' ? `${verdict.reason} (a test is not retried)` : verdict.reason;
  const detail = { ...requested, ...result.detail, ...outcomeDetail(result.outcome) };
  await deliveries.finish(
    id,
    { state, attempts: 1, reason, nextMs: null, detail, at: now.toISOString() },
    deliveryDraft({ id, incidentId, state, receiver: o.receiver, channel, event: 'test', attempts: 1, reason, detail }),
  );
  await pumpOutbox(o.service.outbox, o.append);
  return (await deliveries.get(id))!;
}
