// The rules an incident follows: acknowledgement deadlines per severity, the flap window, an optional
// re-trigger after a long acknowledgement, and the escalation policy. Pure data, validated where the
// configuration is read.
import type { IncidentSeverity } from './severity.js';

const MIN = 60_000;

/** Seed 001: SEV-1 acknowledged within 15 min, SEV-2 within 30 min, SEV-3 within 4 h. */
export const DEFAULT_ACK_DEADLINES: Readonly<Record<IncidentSeverity, number>> = { 'SEV-1': 15 * MIN, 'SEV-2': 30 * MIN, 'SEV-3': 240 * MIN };

/** An alert firing again within this long after its incident resolved reopens it; later, a new incident. */
export const DEFAULT_FLAP_WINDOW_MS = 5 * MIN;

export interface EscalationLevel {
  /**
   * When this level fires, counted from the start of the chain (the incident's opening, reopening or
   * re-trigger): milliseconds, or `deadline` for the severity's acknowledgement deadline.
   */
  readonly after: number | 'deadline';
  /** People, schedules or receivers, by name; the notifier expands them. */
  readonly targets: readonly string[];
}

export interface EscalationPolicy {
  readonly name: string;
  readonly levels: readonly EscalationLevel[];
  /** How many more times the whole chain repeats after its first pass (0: once). */
  readonly repeat: number;
  /** Period of a repeat (default: the last level's time, at least one minute). */
  readonly repeatEveryMs?: number;
}

export interface IncidentRules {
  readonly ackDeadlines: Readonly<Record<IncidentSeverity, number>>;
  readonly flapWindowMs: number;
  /** Back to triggered (and escalating) when an acknowledgement is older than this and the incident is open. */
  readonly retriggerAfterAckMs?: number;
  readonly escalation?: EscalationPolicy;
}

export const DEFAULT_RULES: IncidentRules = { ackDeadlines: DEFAULT_ACK_DEADLINES, flapWindowMs: DEFAULT_FLAP_WINDOW_MS };

/** A level's offset from the chain's start for an incident of this severity. */
export function levelOffset(level: EscalationLevel, severity: IncidentSeverity, rules: IncidentRules): number {
  return level.after === 'deadline' ? rules.ackDeadlines[severity] : level.after;
}

/** The period after which the chain starts again. */
export function repeatPeriod(policy: EscalationPolicy, severity: IncidentSeverity, rules: IncidentRules): number {
  if (policy.repeatEveryMs !== undefined && policy.repeatEveryMs > 0) return policy.repeatEveryMs;
  const last = Math.max(0, ...policy.levels.map((l) => levelOffset(l, severity, rules)));
  return Math.max(MIN, last);
}

export interface EscalationStep {
  readonly loop: number;
  readonly level: number;
  readonly at: number;
}

/**
 * The first escalation step strictly after `afterStep` (in chain order), with its time; undefined when
 * the chain (with its repeats) is exhausted. Levels are taken in their order of time within a loop.
 */
export function nextEscalation(
  policy: EscalationPolicy | undefined,
  severity: IncidentSeverity,
  rules: IncidentRules,
  chainStart: number,
  afterStep?: { loop: number; level: number },
): EscalationStep | undefined {
  if (!policy || policy.levels.length === 0) return undefined;
  const order = policy.levels.map((l, i) => ({ i, off: levelOffset(l, severity, rules) })).sort((a, b) => a.off - b.off || a.i - b.i);
  const period = repeatPeriod(policy, severity, rules);
  let loop = afterStep?.loop ?? 0;
  let pos = afterStep ? order.findIndex((o) => o.i === afterStep.level) + 1 : 0;
  if (pos >= order.length) {
    loop++;
    pos = 0;
  }
  if (loop > policy.repeat) return undefined;
  const o = order[pos]!;
  return { loop, level: o.i, at: chainStart + loop * period + o.off };
}
