// The drill's policy, from the configuration in force: the route its labels take, the escalation policy
// that route names (or the one asked for), compressed to two levels: the first level pages at once,
// the second when the drill's shortened deadline passes. Refused with a reason when that path cannot
// reach two levels of people by email (the drill verifies email only).
import { levelOffset, routeFor, severityOfLabels, type EscalationPolicy, type OperationsConfig, type RouteMatch } from '@runledger/core';
import { expandTargets, type Recipient } from '../../incidents/recipients.js';

export interface DrillLevel {
  /** The configured policy's level index. */
  readonly index: number;
  readonly targets: readonly string[];
  /** What the targets expand to now (email ones are paged; others are held back as `drill`). */
  readonly recipients: readonly Recipient[];
}

export interface DrillPolicyPlan {
  readonly route?: RouteMatch;
  /** The configured policy's name. */
  readonly policyName: string;
  readonly levels: readonly [DrillLevel, DrillLevel];
  /** What the drill's incident follows. */
  readonly policy: EscalationPolicy;
}

export type PlanResult = { readonly ok: true; readonly plan: DrillPolicyPlan } | { readonly ok: false; readonly problem: string };

export function planDrillPolicy(cfg: OperationsConfig, labels: Readonly<Record<string, string>>, asked: string | undefined, nowMs: number): PlanResult {
  const route = cfg.route.receiver ? routeFor(cfg.route, labels)[0] : undefined;
  const name = asked ?? route?.escalation;
  const where = route ? `route ${route.path} (receiver ${route.receiver})` : 'no route';
  if (!name) return { ok: false, problem: `the drill's labels take ${where}, which names no escalation policy; name one for the drill (policy)` };
  const configured = cfg.escalationPolicies.find((p) => p.name === name);
  if (!configured) return { ok: false, problem: `no escalation policy named ${JSON.stringify(name)} in the operations file` };
  const severity = severityOfLabels(labels).severity;
  const ordered = configured.levels
    .map((l, index) => ({ l, index, off: levelOffset(l, severity, cfg.rules) }))
    .sort((a, b) => a.off - b.off || a.index - b.index);
  if (ordered.length < 2) return { ok: false, problem: `escalation policy ${name} has ${ordered.length} level(s); the drill needs two` };
  const level = (o: (typeof ordered)[number]): DrillLevel => ({ index: o.index, targets: o.l.targets, recipients: expandTargets(cfg, o.l.targets, nowMs) });
  const levels: [DrillLevel, DrillLevel] = [level(ordered[0]!), level(ordered[1]!)];
  for (const [n, level] of levels.entries())
    if (!level.recipients.some((r) => r.channel === 'email'))
      return {
        ok: false,
        problem: `level ${n + 1} of ${name} (${level.targets.join(', ')}) reaches nobody by email now (${level.recipients.map((r) => `${r.name}: ${r.channel}`).join(', ') || 'no one'})`,
      };
  const policy: EscalationPolicy = {
    name: `drill:${name}`,
    levels: [
      { after: 0, targets: levels[0].targets },
      { after: 'deadline', targets: levels[1].targets },
    ],
    repeat: 0,
  };
  return { ok: true, plan: { ...(route ? { route } : {}), policyName: name, levels, policy } };
}
