// PagerDuty Events API v2 (`POST /v2/enqueue`), so senders that speak it only change their URL.
// A trigger becomes a firing alert keyed by its dedup_key; acknowledge and resolve act on the alert
// with that key. The answer mimics PagerDuty's: 202 {status, message, dedup_key}, 400 "invalid event".
import { isRecord, rfc3339, type BodyProblem, type Parsed } from './problems.js';

export const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PdSeverity = (typeof PD_SEVERITIES)[number];

export interface PagerDutyEvent {
  readonly action: 'trigger' | 'acknowledge' | 'resolve';
  readonly routingKey: string;
  /** The sender's key, or the one the receiver made up for a trigger that sent none. */
  readonly dedupKey: string;
  /** For a trigger: the alert as labels and annotations (severity in the same label as Prometheus'). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly timestamp?: string;
}

const MAX_SUMMARY = 1024;
const MAX_DEDUP = 255;

/**
 * `newDedupKey` is called only for a trigger without one (PagerDuty makes one up and returns it).
 * Problems carry JSON pointers; the receiver answers them as PagerDuty's 400 "invalid event".
 */
export function parsePagerDutyEvent(body: unknown, newDedupKey: () => string): Parsed<PagerDutyEvent> {
  const problems: BodyProblem[] = [];
  if (!isRecord(body)) return { ok: false, problems: [{ path: '', message: 'expected a JSON object (PagerDuty Events API v2)' }] };
  const routingKey = body['routing_key'];
  if (typeof routingKey !== 'string' || routingKey.length === 0) problems.push({ path: '/routing_key', message: 'required: the integration key' });
  const action = body['event_action'];
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve')
    problems.push({ path: '/event_action', message: 'expected trigger, acknowledge or resolve' });
  let dedup = body['dedup_key'];
  if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length === 0 || dedup.length > MAX_DEDUP))
    problems.push({ path: '/dedup_key', message: `expected a string of 1–${MAX_DEDUP} characters` });
  if (action !== 'trigger' && dedup === undefined) problems.push({ path: '/dedup_key', message: `required for ${String(action)}` });
  let labels: Record<string, string> | undefined;
  let annotations: Record<string, string> | undefined;
  let timestamp: string | undefined;
  if (action === 'trigger') {
    const p = body['payload'];
    if (!isRecord(p)) problems.push({ path: '/payload', message: 'required for trigger' });
    else {
      const summary = p['summary'];
      if (typeof summary !== 'string' || summary.length === 0 || summary.length > MAX_SUMMARY)
        problems.push({ path: '/payload/summary', message: `required: 1–${MAX_SUMMARY} characters` });
      const source = p['source'];
      if (typeof source !== 'string' || source.length === 0) problems.push({ path: '/payload/source', message: 'required: the affected system' });
      const severity = p['severity'];
      if (typeof severity !== 'string' || !(PD_SEVERITIES as readonly string[]).includes(severity))
        problems.push({ path: '/payload/severity', message: `expected one of ${PD_SEVERITIES.join(', ')}` });
      const opt = (k: string): string | undefined => {
        const v = p[k];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== 'string') {
          problems.push({ path: `/payload/${k}`, message: 'expected a string' });
          return undefined;
        }
        return v;
      };
      const component = opt('component');
      const group = opt('group');
      const klass = opt('class');
      if (p['timestamp'] !== undefined) timestamp = rfc3339(p['timestamp'], '/payload/timestamp', problems);
      if (typeof summary === 'string' && typeof source === 'string' && typeof severity === 'string') {
        labels = {
          alertname: klass ?? summary.slice(0, 200),
          severity,
          source,
          ...(component ? { component, service: component } : group ? { service: group } : {}),
          ...(group ? { group } : {}),
          ...(klass ? { class: klass } : {}),
        };
        annotations = { summary };
        const details = p['custom_details'];
        if (details !== undefined) annotations['custom_details'] = typeof details === 'string' ? details : JSON.stringify(details);
        for (const k of ['links', 'images'] as const) {
          const v = body[k];
          if (v === undefined) continue;
          if (!Array.isArray(v)) problems.push({ path: `/${k}`, message: 'expected an array' });
          else annotations[k] = JSON.stringify(v);
        }
      }
    }
    if (dedup === undefined && problems.length === 0) dedup = newDedupKey();
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      action: action as PagerDutyEvent['action'],
      routingKey: routingKey as string,
      dedupKey: dedup as string,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(timestamp ? { timestamp } : {}),
    },
  };
}
