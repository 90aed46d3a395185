// A step whose driver died may still be running: its process group survives a kill -9 of the driver.
// Its identity is in the step's started event; while it runs, nothing may start the step again or
// move past it. The operator waits for it or ends it, and either decision is recorded.
import type { RunEvent, StepProcess, StepView } from '@runledger/core';
import type { RunStore } from '@runledger/store';
import { EngineError } from '../errors.js';
import { endGroup, GROUP_POLL_MS, identityAlive } from '../shell/process-group.js';
import type { Live } from './live.js';

/** Between SIGTERM and SIGKILL when an operator ends an orphaned group. */
const ORPHAN_KILL_GRACE_MS = 2000;
/** How often a group waited for is looked at. */
const WAIT_POLL_MS = 4 * GROUP_POLL_MS;

export interface Orphan {
  readonly step: StepView;
  readonly process: StepProcess;
  /** When the step (and so its group) started. */
  readonly since: string;
}

/** The current step of an interrupted run, if its outcome is unknown and its process group was recorded. */
export async function recordedGroup(runs: RunStore, live: Live): Promise<Orphan | undefined> {
  const m = live.model;
  const cur = (m.phase === 'main' ? m.steps : m.rollback)[m.cursor];
  if (m.state !== 'interrupted' || !cur || cur.status !== 'unknown') return undefined;
  const events = await runs.events(live.rec.id);
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i]!.event as RunEvent;
    if (ev.type === 'step.started' && ev.stepId === cur.id && ev.phase === cur.phase && ev.attempt === cur.attempt) {
      return ev.process ? { step: cur, process: ev.process, since: ev.at } : undefined;
    }
  }
  return undefined;
}

/** The current step's group if it still runs on this host. */
export async function liveOrphan(runs: RunStore, live: Live): Promise<Orphan | undefined> {
  const o = await recordedGroup(runs, live);
  return o && identityAlive(o.process) ? o : undefined;
}

export function orphanError(runId: string, o: Orphan, action: string): EngineError {
  return new EngineError(
    'ORPHAN_ALIVE',
    `run ${runId}: step ${o.step.id} is still running from a driver that stopped (process group ${o.process.pgid} on ${o.process.host}, since ${o.since}); ` +
      `${action} would run beside it. End it: runledger ${action} ${runId} --kill-orphan (or runledger orphan ${runId} --kill); or wait for it: runledger orphan ${runId} --wait`,
  );
}

/** SIGTERM, then SIGKILL, to the whole group; throws if it still runs after that. */
export async function killOrphan(runId: string, o: Orphan): Promise<void> {
  if (!identityAlive(o.process)) return;
  if (!(await endGroup(o.process.pgid, ORPHAN_KILL_GRACE_MS))) {
    throw new EngineError('ORPHAN_ALIVE', `run ${runId}: process group ${o.process.pgid} of step ${o.step.id} still runs after SIGKILL`);
  }
}

/** Resolves once the group no longer runs. */
export async function waitOrphan(o: Orphan): Promise<void> {
  while (identityAlive(o.process)) await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
}
