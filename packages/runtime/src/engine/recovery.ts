// Crash recovery: runs whose driver died are marked interrupted (a started step becomes `unknown`),
// and result entries a dying driver left out of the ledger are rebuilt from the stored events.
import type { RunEvent } from '@runledger/core';
import { LEASE_TTL_MS, type RunContext } from './context.js';
import { interruptedEntry, stepFinishedEntry } from './drafts.js';
import type { Live } from './live.js';

/**
 * Marks runs whose driver died as interrupted: a step that had started becomes `unknown`, never
 * `running`. Runs waiting for approval stay waiting. Returns the ids it interrupted.
 */
export async function recoverRuns(c: RunContext, load: (runId: string) => Promise<Live>): Promise<string[]> {
  const out: string[] = [];
  for (const state of ['running', 'pending'] as const) {
    for (const rec of await c.d.runs.listRuns({ state, limit: 1000 })) {
      if (await c.d.runs.leaseAlive(rec.id)) continue;
      const live = await load(rec.id);
      const lease = await c.d.runs.acquireLease(rec.id, LEASE_TTL_MS);
      if (!lease.ok) continue;
      try {
        await backfill(c, live);
        const unknown = [...live.model.steps, ...live.model.rollback].filter((s) => s.status === 'running').map((s) => s.id);
        await c.apply(live, { type: 'run.interrupted', at: c.now(), reason: 'process restarted' });
        await c.d.ledger.append(interruptedEntry(rec.id, unknown, live.seq));
        out.push(rec.id);
      } finally {
        await c.d.runs.releaseLease(rec.id);
      }
    }
  }
  return out;
}

/**
 * A driver that died between storing a step's result event and its ledger entry left the entry out:
 * rebuild every result entry from the stored events and outputs (idempotency keys make the ones that
 * exist no-ops), so nothing is lost and nothing is duplicated.
 */
async function backfill(c: RunContext, live: Live): Promise<void> {
  const events = await c.d.runs.events(live.rec.id);
  const outputs = await c.d.runs.outputs(live.rec.id);
  for (const e of events) {
    const ev = e.event as RunEvent;
    if (ev.type !== 'step.finished') continue;
    const mine = outputs.filter((o) => o.stepId === ev.stepId && o.phase === ev.phase && o.attempt === ev.attempt);
    await c.d.ledger.append(stepFinishedEntry(live.rec.id, live.rec.requester, ev, mine));
  }
}
