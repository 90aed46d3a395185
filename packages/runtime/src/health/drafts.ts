// The ledger entries of continuous health: state changes only (never every sample), each with its
// evidence, and the catalog version in force. Idempotency keys make a re-pumped outbox append once.
import type { OutboxDraft } from '@runledger/store';
import { SYSTEM_ACTOR } from '../incidents/drafts.js';

export function checkChangedDraft(p: {
  check: string;
  service: string;
  from: string;
  to: string;
  at: string;
  reason: string;
  detail: string;
  latencyMs?: number;
  status?: number;
}): OutboxDraft {
  // The new state is part of the key: two changes in one millisecond (down, then unknown) stay two entries.
  const idem = `health:check:${p.check}:${p.at}:${p.to}`;
  return {
    idem,
    draft: { type: 'health.check.changed', actor: SYSTEM_ACTOR, subject: { kind: 'check', id: p.check }, data: { ...p }, idem },
  };
}

export function serviceChangedDraft(p: { service: string; from: string; to: string; at: string; cause?: unknown; reasons: readonly string[] }): OutboxDraft {
  const idem = `health:service:${p.service}:${p.at}:${p.to}`;
  return {
    idem,
    draft: { type: 'health.service.changed', actor: SYSTEM_ACTOR, subject: { kind: 'service', id: p.service }, data: { ...p }, idem },
  };
}

export function verdictChangedDraft(p: { checklist: string; healthy: boolean; at: string; failed: readonly string[] }): OutboxDraft {
  const idem = `health:checklist:${p.checklist}:${p.at}:${p.healthy ? 'healthy' : 'unhealthy'}`;
  return {
    idem,
    draft: { type: 'health.checklist.changed', actor: SYSTEM_ACTOR, subject: { kind: 'checklist', id: p.checklist }, data: { ...p }, idem },
  };
}

export function catalogLoadedDraft(p: { path: string; digest: string; services: number; checks: number; at: string }): OutboxDraft {
  const idem = `health:catalog:${p.digest}:${p.at}`;
  return { idem, draft: { type: 'health.catalog.loaded', actor: SYSTEM_ACTOR, subject: { kind: 'catalog', id: p.digest }, data: { ...p }, idem } };
}
