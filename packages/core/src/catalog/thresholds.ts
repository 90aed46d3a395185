// One check's state over time: results in, state and commands out, on a clock the caller supplies.
//
// The rule (Gatus's thresholds, plus a quick first verdict and rechecks):
// - `down` needs `failureThreshold` consecutive failures; `up` again needs `successThreshold`
//   consecutive successes. One blip neither pages nor resolves.
// - From `unknown` (just loaded, or no result for `staleAfterMs`), the first success is enough for
//   `up`: nobody is paged by "up", and a wrong "up" is corrected by the normal failure path. Leaving
//   `unknown` for `down` still takes `failureThreshold` failures, because "down" pages someone.
// - A result that moves toward a change it has not reached yet (a failure while up or unknown, a
//   success while down) asks for a `recheck` soon instead of waiting a whole interval: failures are
//   confirmed, not hidden, and the confirmation is quick.
// - Results older than the last one applied are ignored, so a slow probe cannot rewrite history.
import type { CheckState } from './types.js';

export interface ThresholdConfig {
  readonly failureThreshold: number;
  readonly successThreshold: number;
  /** Delay of a confirming recheck (default 1 s: long enough to step over a blip of a few ms). */
  readonly recheckAfterMs?: number;
}

export interface CheckTracker {
  readonly state: CheckState;
  /** When the state last changed (undefined: never since start). */
  readonly since?: number;
  readonly failures: number;
  readonly successes: number;
  readonly lastResultAt?: number;
}

export type ThresholdCommand = { readonly type: 'recheck'; readonly afterMs: number };

export interface ThresholdStep {
  readonly tracker: CheckTracker;
  readonly state: CheckState;
  readonly changed: boolean;
  readonly from: CheckState;
  readonly to: CheckState;
  readonly commands: readonly ThresholdCommand[];
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_SUCCESS_THRESHOLD = 2;
export const DEFAULT_RECHECK_AFTER_MS = 1000;

export function initialTracker(): CheckTracker {
  return { state: 'unknown', failures: 0, successes: 0 };
}

/** Applies one probe result taken at `at`. */
export function applyResult(t: CheckTracker, result: { readonly ok: boolean; readonly at: number }, cfg: ThresholdConfig): ThresholdStep {
  if (t.lastResultAt !== undefined && result.at < t.lastResultAt) return step(t, t, []);
  const failures = result.ok ? 0 : t.failures + 1;
  const successes = result.ok ? t.successes + 1 : 0;
  let to: CheckState = t.state;
  if (result.ok && (t.state === 'unknown' || (t.state === 'down' && successes >= cfg.successThreshold))) to = 'up';
  if (!result.ok && t.state !== 'down' && failures >= cfg.failureThreshold) to = 'down';
  const next: CheckTracker = {
    state: to,
    failures,
    successes,
    lastResultAt: result.at,
    ...(to !== t.state ? { since: result.at } : t.since !== undefined ? { since: t.since } : {}),
  };
  const pending = to === t.state && (result.ok ? t.state === 'down' : t.state !== 'down');
  return step(t, next, pending ? [{ type: 'recheck', afterMs: cfg.recheckAfterMs ?? DEFAULT_RECHECK_AFTER_MS }] : []);
}

/** Called on a clock tick: no result for `staleAfterMs` (probing stopped or stuck) makes the state unknown. */
export function applyStaleness(t: CheckTracker, now: number, staleAfterMs: number): ThresholdStep {
  const last = t.lastResultAt;
  if (t.state === 'unknown' || last === undefined || now - last < staleAfterMs) return step(t, t, []);
  return step(t, { state: 'unknown', since: now, failures: 0, successes: 0, lastResultAt: last }, []);
}

function step(from: CheckTracker, to: CheckTracker, commands: readonly ThresholdCommand[]): ThresholdStep {
  return { tracker: to, state: to.state, changed: from.state !== to.state, from: from.state, to: to.state, commands };
}
