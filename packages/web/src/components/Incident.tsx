// Incident building blocks: the severity badge (SEV-1 red, SEV-2 orange, SEV-3 yellow), the state
// badge, the live acknowledgement countdown, and the incident table shared by the incidents list
// and the dashboard.
import type { IncidentSummary } from '../api/client';
import { useNow } from '../format';
import { byUrgency, countdown } from '../incidents';
import { Link } from '../router';
import { Actor, Time } from './common';

export function SeverityBadge({ value, big }: { value: string; big?: boolean }) {
  return (
    <span className={`sevb sevb-${value.replace(/^SEV-/, '')}${big ? ' big' : ''}`} data-testid="incident-severity" data-severity={value}>
      {value}
    </span>
  );
}

export function IncidentStateBadge({ value, testId }: { value: string; testId?: string }) {
  return (
    <span className={`badge ist-${value}`} data-testid={testId ?? 'incident-state'} data-state={value}>
      {value}
    </span>
  );
}

/**
 * What the acknowledgement deadline says now: time left (ticking every second), red "overdue by …"
 * once past; for an acknowledged or resolved incident, who did it. The API drops `ackDueAt` once the
 * deadline timer has fired, so a triggered incident without one is overdue: `missedDue` (from the
 * timeline's deadline.missed event, when the caller has it) says by how much.
 */
export function AckCountdown({ incident, big, missedDue }: { incident: IncidentSummary; big?: boolean; missedDue?: string | undefined }) {
  const now = useNow(1000);
  const cls = `countdown${big ? ' big' : ''}`;
  if (incident.state === 'resolved')
    return (
      <span className={`${cls} done`} data-testid="incident-countdown" data-overdue="false">
        resolved {incident.resolvedAt && <Time iso={incident.resolvedAt} compact />}
      </span>
    );
  if (incident.state === 'acknowledged')
    return (
      <span className={`${cls} acked`} data-testid="incident-countdown" data-overdue="false">
        acknowledged{incident.owner && <> by {<Actor id={incident.owner} />}</>}
      </span>
    );
  const due = incident.ackDueAt ?? missedDue;
  const c = due ? countdown(due, now) : { overdue: true, soon: false, text: 'not acknowledged in time' };
  if (!c)
    return (
      <span className={`${cls} none`} data-testid="incident-countdown" data-overdue="false">
        no deadline
      </span>
    );
  return (
    <span
      className={`${cls}${c.overdue ? ' overdue' : c.soon ? ' soon' : ''}`}
      title={due ? `acknowledge by ${due}` : 'the acknowledgement deadline has passed'}
      data-testid="incident-countdown"
      data-overdue={String(c.overdue)}
    >
      {c.overdue ? '⚠ ' : ''}
      {c.text}
    </span>
  );
}

/** Incidents in reading order (open and most urgent first). `compact` for the dashboard. */
export function IncidentTable({ incidents, compact, testId }: { incidents: readonly IncidentSummary[]; compact?: boolean; testId?: string }) {
  const sorted = [...incidents].sort(byUrgency);
  return (
    <table className={`grid incidents${compact ? ' compact' : ''}`} data-testid={testId ?? 'incident-table'}>
      <thead>
        <tr>
          <th>Severity</th>
          <th>State</th>
          <th>Title</th>
          <th>Acknowledge</th>
          {!compact && <th>Owner</th>}
          <th>Opened</th>
          <th className="num" title="firing / total member alerts">
            Alerts
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((i) => (
          <tr key={i.id} className={`inc-row inc-${i.state}`} data-testid="incident-row" data-incident={i.id} data-state={i.state} data-severity={i.severity}>
            <td>
              <SeverityBadge value={i.severity} />
            </td>
            <td>
              <IncidentStateBadge value={i.state} />
            </td>
            <td className="inc-title">
              <Link to={`/incidents/${encodeURIComponent(i.id)}`} title={`${i.id} · ${i.key}`} data-testid="incident-link">
                {i.title}
              </Link>
            </td>
            <td>
              <AckCountdown incident={i} />
            </td>
            {!compact && <td className="small">{i.owner ? <Actor id={i.owner} /> : <span className="muted">–</span>}</td>}
            <td>
              <Time iso={i.openedAt} compact={compact} />
            </td>
            <td className="num">
              <span className={i.alerts.firing > 0 ? 'firing-count' : 'muted'}>{i.alerts.firing}</span>
              <span className="muted"> / {i.alerts.total}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
