// The ledger entries of the operations layer, built in one place. Each has an idempotency key, so the
// outbox pump may append it again after a crash and the ledger keeps one copy.
import type { IncidentFact, OperationsConfig } from '@runledger/core';
import type { Actor, EntryDraft } from '@runledger/ledger';
import type { OutboxDraft } from '@runledger/store';

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'runledger' };

/** A person's id as stored in facts (`user:alice`, `token:ci`) back to a ledger actor. */
export function actorOf(by: string): Actor {
  if (by === 'system') return SYSTEM_ACTOR;
  if (by.startsWith('token:')) return { kind: 'token', id: by };
  if (by.startsWith('integration:')) return { kind: 'system', id: by };
  return { kind: 'user', id: by };
}

function outbox(draft: EntryDraft & { idem: string }): OutboxDraft {
  return { idem: draft.idem, draft };
}

/** The ledger type of a fact: `incident.<fact type>` (`incident.created` stays as it is). */
export function factEntryType(factType: string): string {
  return factType.startsWith('incident.') ? factType : `incident.${factType}`;
}

/** One entry per fact: the timeline and the ledger say the same thing. */
export function factDraft(incidentId: string, seq: number, fact: IncidentFact): OutboxDraft {
  const { type, ...data } = fact;
  const by = 'by' in fact && typeof fact.by === 'string' ? fact.by : 'system';
  return outbox({
    type: factEntryType(type),
    actor: actorOf(by),
    subject: { kind: 'incident', id: incidentId },
    data: { ...data, seq },
    idem: `incident:${incidentId}:${seq}`,
  });
}

export function bodyDraft(p: { id: string; integration: string; kind: string; alerts: number; bytes: number; requestId?: string }): OutboxDraft {
  return outbox({
    type: 'alert.received',
    actor: { kind: 'system', id: `integration:${p.integration}` },
    subject: { kind: 'alert-body', id: p.id },
    data: { integration: p.integration, kind: p.kind, sha256: p.id, alerts: p.alerts, bytes: p.bytes, ...(p.requestId ? { requestId: p.requestId } : {}) },
    idem: `alert-body:${p.id}`,
  });
}

export function deliveryDraft(p: {
  id: string;
  incidentId: string;
  state: string;
  receiver: string;
  channel: string;
  event: string;
  attempts: number;
  reason: string | null;
  detail: Readonly<Record<string, unknown>>;
}): OutboxDraft {
  return outbox({
    type: `notification.${p.state}`,
    actor: SYSTEM_ACTOR,
    subject: { kind: 'incident', id: p.incidentId },
    data: {
      delivery: p.id,
      receiver: p.receiver,
      channel: p.channel,
      event: p.event,
      attempts: p.attempts,
      ...(p.reason ? { reason: p.reason } : {}),
      ...p.detail,
    },
    idem: `delivery:${p.id}:${p.state}`,
  });
}

export function silenceDraft(type: 'silence.created' | 'silence.expired', actor: Actor, id: string, data: Readonly<Record<string, unknown>>): OutboxDraft {
  return outbox({ type, actor, subject: { kind: 'silence', id }, data, idem: `${type}:${id}` });
}

export function handoffDraft(actor: Actor, id: string, data: Readonly<Record<string, unknown>>): OutboxDraft {
  return outbox({ type: 'oncall.handoff', actor, subject: { kind: 'handoff', id }, data, idem: `handoff:${id}` });
}

/** Which operations file a server (or a CLI decision) works under: its digest, path and a summary. */
export function configDraft(l: { readonly digest: string; readonly path: string; readonly exists: boolean; readonly config: OperationsConfig }): OutboxDraft {
  const c = l.config;
  return outbox({
    type: 'operations.config.loaded',
    actor: SYSTEM_ACTOR,
    subject: { kind: 'config', id: l.digest },
    data: {
      digest: l.digest,
      path: l.path,
      exists: l.exists,
      integrations: c.integrations.length,
      receivers: c.receivers.length,
      schedules: c.schedules.length,
      escalationPolicies: c.escalationPolicies.length,
    },
    idem: `config:${l.digest}`,
  });
}
