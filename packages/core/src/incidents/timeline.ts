// One line per fact for people (the incident view, the CLI): what happened, in words.
import type { IncidentFact } from './machine.js';

function labelsLine(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function describeFact(f: IncidentFact): string {
  switch (f.type) {
    case 'incident.created':
      return `incident opened: ${f.title}`;
    case 'alert.attached':
      return `alert firing (${f.severity} from ${f.severityFrom}): ${labelsLine(f.alert.labels)}`;
    case 'alert.resolved':
      return `alert resolved: ${f.fingerprint}`;
    case 'severity.changed':
      return `severity ${f.from} → ${f.to} by ${f.by}: ${f.reason}`;
    case 'timer.set':
      return `${f.kind === 'deadline' ? 'acknowledge by' : f.kind === 'escalation' ? `escalation level ${(f.level ?? 0) + 1} at` : 're-trigger at'} ${f.due}`;
    case 'timer.cancelled':
      return `${f.kind} cancelled`;
    case 'deadline.missed':
      return `not acknowledged by ${f.due} (${f.severity} deadline missed)`;
    case 'escalated':
      return `escalated to level ${f.level + 1}${f.loop > 0 ? ` (repeat ${f.loop})` : ''}${f.targets.length ? `: ${f.targets.join(', ')}` : ''}${f.by !== 'system' ? ` by ${f.by}` : ''}`;
    case 'acknowledged':
      return `acknowledged by ${f.by}`;
    case 'note':
      return `note by ${f.by}: ${f.text}`;
    case 'resolved':
      return `resolved by ${f.by}: ${f.reason}`;
    case 'reopened':
      return `reopened: ${f.reason}`;
    case 'retriggered':
      return `re-triggered: ${f.reason}`;
    case 'runbook.started':
      return `runbook ${f.runbook} started by ${f.by}: run ${f.runId}`;
  }
}
