// Finds runs waiting at an approval gate and asks (once per gate and attempt) for their approvals, so a
// run stopped by any process — this server, another one, or the CLI — reaches the approvers. Cheap to
// repeat: the delivery ids make a second ask a no-op.
import { pendingCommands, replay, type RunEvent } from '@runledger/core';
import type { RunStore } from '@runledger/store';
import type { OperationsHost } from './host.js';

export async function sweepApprovals(runs: RunStore, host: OperationsHost): Promise<number> {
  let asked = 0;
  for (const rec of await runs.listRuns({ state: 'waiting_approval', limit: 500 })) {
    const model = replay((await runs.events(rec.id)).map((e) => e.event as RunEvent));
    const gate = pendingCommands(model).find((c) => c.type === 'await_approval');
    if (!gate || gate.type !== 'await_approval') continue;
    const view = (model.phase === 'main' ? model.steps : model.rollback)[model.cursor];
    const added = await host.approvalRequested({
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
    });
    asked += added.length;
  }
  return asked;
}
