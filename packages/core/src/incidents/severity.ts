// IncidentSeverity of an alert and of an incident. Seed 001: SEV-1 (integrity risk, exploitation, outage),
// SEV-2 (major degradation), SEV-3 (localised). Labels in the wild say it many ways; one table maps them.

export const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3'] as const;
export type IncidentSeverity = (typeof SEVERITIES)[number];

/** `severity` label values (Prometheus conventions and PagerDuty's four) → incident severity. */
export const SEVERITY_LABELS: Readonly<Record<string, IncidentSeverity>> = {
  critical: 'SEV-1',
  page: 'SEV-1',
  error: 'SEV-2',
  high: 'SEV-2',
  major: 'SEV-2',
  warning: 'SEV-3',
  minor: 'SEV-3',
  info: 'SEV-3',
  low: 'SEV-3',
  medium: 'SEV-3',
};

const SEV_RE = /^(?:sev)?[-_ ]?([123])$/i;

/** `SEV-1`, `sev1`, `1` … as a IncidentSeverity, or undefined. */
export function parseSeverity(text: string): IncidentSeverity | undefined {
  const m = SEV_RE.exec(text.trim());
  return m ? (`SEV-${m[1]}` as IncidentSeverity) : undefined;
}

export interface SeverityVerdict {
  readonly severity: IncidentSeverity;
  /** Which label decided, for the timeline ("sev=1", "severity=critical", or "default"). */
  readonly from: string;
}

/**
 * An explicit `sev` label wins; else the `severity` label through the table; else the fallback
 * (SEV-3 unless configured: an unlabelled alert is real but not known to be urgent).
 */
export function severityOfLabels(labels: Readonly<Record<string, string>>, fallback: IncidentSeverity = 'SEV-3'): SeverityVerdict {
  const sev = labels['sev'];
  if (sev !== undefined) {
    const s = parseSeverity(sev);
    if (s) return { severity: s, from: `sev=${sev}` };
  }
  const named = labels['severity'];
  if (named !== undefined) {
    const s = SEVERITY_LABELS[named.trim().toLowerCase()] ?? parseSeverity(named);
    if (s) return { severity: s, from: `severity=${named}` };
  }
  return { severity: fallback, from: 'default' };
}

/** Lower rank is more urgent. */
export function severityRank(s: IncidentSeverity): number {
  return SEVERITIES.indexOf(s);
}

/** The most urgent of several (SEV-1 over SEV-2 …); undefined for none. */
export function highestSeverity(list: Iterable<IncidentSeverity>): IncidentSeverity | undefined {
  let best: IncidentSeverity | undefined;
  for (const s of list) if (best === undefined || severityRank(s) < severityRank(best)) best = s;
  return best;
}
