// What an adapter answers runProbe: pass or fail, one line, why, and what it saw. runProbe adds the
// duration and phases, redacts, and turns it into the core's ProbeResult.
import type { FailureReason } from './reasons.js';
import type { ProbeObservation, ProbeReason } from './spec.js';

export interface Outcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly reason: ProbeReason;
  readonly observation?: ProbeObservation;
}

export function pass(detail: string, observation?: ProbeObservation): Outcome {
  return observation ? { ok: true, detail, reason: 'ok', observation } : { ok: true, detail, reason: 'ok' };
}

export function fail(reason: FailureReason, detail: string, observation?: ProbeObservation): Outcome {
  return observation ? { ok: false, detail, reason, observation } : { ok: false, detail, reason };
}
