// What an escalation drill asks of the real incident path. Only code in this process can attach a plan
// to an incident (it never comes from an alert's labels): a sender may label an alert `drill`, which
// only holds its notifications back; sending them needs the plan, and the plan sends email to the
// drill's mail sink and nowhere else, so a drill never pages a real person.
import { SEVERITIES, type EscalationPolicy, type IncidentRules, type OperationsConfig, type Receiver } from '@runledger/core';

export interface DrillPlan {
  /** The drill's id (`drill-20261207T195843Z-1a2b3c`): in the subject, the X-Runledger-Drill header and the incident. */
  readonly id: string;
  /** Every email of the incident goes to this SMTP server (the drill's sink), whoever it is addressed to; never with credentials. */
  readonly smtp: { readonly host: string; readonly port: number };
  /** The acknowledgement deadline for every severity, shortened for the drill (ms). */
  readonly ackDeadlineMs: number;
  /** The escalation policy the incident follows: a compressed copy of the configured one. */
  readonly escalation?: EscalationPolicy;
}

/** A drill page is tried once: a drill measures the path as it is and leaves no retries behind. */
export const DRILL_MAX_ATTEMPTS = 1;

/** The name under which a drill's mail to people (`person:…`) is sent to the sink. */
export const DRILL_SINK_RECEIVER = '(drill sink)';

/** The plan's deadline and policy, whichever process decides (timers fire wherever they are due). */
export function drillRules(base: IncidentRules, plan: DrillPlan): IncidentRules {
  const ackDeadlines = Object.fromEntries(SEVERITIES.map((s) => [s, plan.ackDeadlineMs])) as Record<(typeof SEVERITIES)[number], number>;
  const { escalation: _configured, ...rest } = base;
  return { ...rest, ackDeadlines, ...(plan.escalation ? { escalation: plan.escalation } : {}) };
}

/**
 * The configuration a drill incident's messages are sent with: every email receiver keeps its
 * addresses but sends through the sink (no username, no password); webhooks and chat are gone, so a
 * record that names one fails instead of reaching a real system. People are mailed through the sink.
 */
export function drillMailConfig(cfg: OperationsConfig, plan: DrillPlan): OperationsConfig {
  const smtp = { host: plan.smtp.host, port: plan.smtp.port, secure: false };
  const from = cfg.receivers.find((r) => r.email)?.email?.from ?? 'runledger@localhost';
  const receivers: Receiver[] = [{ name: DRILL_SINK_RECEIVER, email: { to: [], from, smtp }, sendResolved: false }];
  for (const r of cfg.receivers)
    if (r.email) receivers.push({ name: r.name, email: { to: r.email.to, from: r.email.from, smtp }, sendResolved: r.sendResolved });
  return { ...cfg, receivers };
}

/** Drill incidents are keyed apart: a real alert never joins a drill's incident (its pages would be held back), nor one drill another's. */
export function drillKey(key: string, drill: string | undefined): string {
  return drill ? `${key}|drill=${drill}` : key;
}
