// Finds runs waiting at an approval gate and asks (once per gate and attempt) for their approvals, so a
// run stopped by any process — this server, another one, or the CLI — reaches the approvers. A gate
// whose rule has `expires` is asked again, escalated, once it has waited that long, or the run is
// ended (`onExpiry: reject`). Cheap to repeat: delivery ids make a second ask a no-op.
import { parseRunbook, pendingCommands, replay, type ApprovalRule, type RunEvent } from '@runledger/core';
import type { RunRecord, RunStore } from '@runledger/store';
import type { ApprovalRequest } from './approvals.js';
import type { OperationsHost } from './host.js';

export interface ApprovalExpiry {
  readonly now: () => Date;
  /** Ends a run whose gate expired with `onExpiry: reject` (the engine records it). */
  readonly reject: (runId: string, reason: string) => Promise<void>;
}

/** The approval rule in force for a run's environment (its own, else `*`). */
function ruleOf(rec: RunRecord): ApprovalRule | undefined {
  const r = parseRunbook(rec.source, rec.file);
  if (!r.ok) return undefined;
  return r.runbook.approvals.find((a) => a.environment === rec.environment) ?? r.runbook.approvals.find((a) => a.environment === '*');
}

/** When the gate started waiting: the last event that was not an approval (approvals do not restart the clock). */
function waitingSince(events: readonly RunEvent[]): number | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type !== 'approval.granted') return Date.parse((events[i] as { at: string }).at);
  return undefined;
}

export async function sweepApprovals(runs: RunStore, host: OperationsHost, expiry?: ApprovalExpiry): Promise<number> {
  let asked = 0;
  for (const rec of await runs.listRuns({ state: 'waiting_approval', limit: 500 })) {
    const events = (await runs.events(rec.id)).map((e) => e.event as RunEvent);
    const model = replay(events);
    const gate = pendingCommands(model).find((c) => c.type === 'await_approval');
    if (!gate || gate.type !== 'await_approval') continue;
    const view = (model.phase === 'main' ? model.steps : model.rollback)[model.cursor];
    const request: ApprovalRequest = {
      runId: rec.id,
      runbookId: rec.runbookId,
      runbookTitle: rec.runbookTitle,
      environment: rec.environment,
      requester: rec.requester,
      stepId: gate.stepId,
      roles: gate.roles,
      count: gate.count,
      have: gate.have,
      attempt: view?.attempt ?? 1,
    };
    asked += (await host.approvalRequested(request)).length;
    const rule = expiry ? ruleOf(rec) : undefined;
    const since = waitingSince(events);
    if (!expiry || !rule?.expiresMs || since === undefined || expiry.now().getTime() - since < rule.expiresMs) continue;
    const waited = `${Math.round(rule.expiresMs / 60_000)} min`;
    if (rule.onExpiry === 'reject')
      await expiry.reject(rec.id, `approval expired: step ${gate.stepId} waited longer than ${waited} for ${gate.count} approval(s)`);
    else asked += (await host.approvalRequested({ ...request, escalated: true })).length;
  }
  return asked;
}
