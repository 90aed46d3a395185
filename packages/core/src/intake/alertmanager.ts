// Alertmanager's webhook body, version "4", as Alertmanager 0.25 sends it. Later versions add fields
// (`notification_reason`, `routeLabels`): unknown fields are accepted and ignored. A firing alert's
// `endsAt` is `0001-01-01T00:00:00Z` and means nothing. A resolved notification lists only the alerts
// not reported resolved before, so state is tracked per fingerprint, never per body.
import type { AlertSnapshot } from '../incidents/machine.js';
import { isRecord, rfc3339, stringMap, type BodyProblem, type Parsed } from './problems.js';

export interface IntakeAlert extends AlertSnapshot {
  readonly status: 'firing' | 'resolved';
  /** When it resolved (resolved alerts only). */
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

export interface AlertmanagerNotification {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly externalURL: string;
  readonly alerts: readonly IntakeAlert[];
  readonly truncatedAlerts: number;
}

const FINGERPRINT_RE = /^[0-9a-f]{1,32}$/;

export function parseAlertmanagerWebhook(body: unknown): Parsed<AlertmanagerNotification> {
  const problems: BodyProblem[] = [];
  if (!isRecord(body)) return { ok: false, problems: [{ path: '', message: 'expected a JSON object (Alertmanager webhook, version 4)' }] };
  if (body['version'] !== '4')
    problems.push({
      path: '/version',
      message: `expected "4" (the webhook body version Alertmanager 0.25 sends), got ${JSON.stringify(body['version'] ?? null)}`,
    });
  const status = body['status'];
  if (status !== 'firing' && status !== 'resolved') problems.push({ path: '/status', message: 'expected "firing" or "resolved"' });
  const str = (k: string): string => {
    const v = body[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') problems.push({ path: `/${k}`, message: 'expected a string' });
    return typeof v === 'string' ? v : '';
  };
  const receiver = str('receiver');
  const groupKey = str('groupKey');
  const externalURL = str('externalURL');
  const truncated = body['truncatedAlerts'] ?? 0;
  if (typeof truncated !== 'number' || !Number.isSafeInteger(truncated) || truncated < 0)
    problems.push({ path: '/truncatedAlerts', message: 'expected a non-negative integer' });
  const list = body['alerts'];
  const alerts: IntakeAlert[] = [];
  if (!Array.isArray(list)) problems.push({ path: '/alerts', message: 'expected an array of alerts' });
  else
    list.forEach((a: unknown, i: number) => {
      const at = `/alerts/${i}`;
      if (!isRecord(a)) {
        problems.push({ path: at, message: 'expected an object' });
        return;
      }
      const st = a['status'];
      if (st !== 'firing' && st !== 'resolved') problems.push({ path: `${at}/status`, message: 'expected "firing" or "resolved"' });
      const labels = stringMap(a['labels'], `${at}/labels`, problems);
      if (isRecord(a['labels']) && Object.keys(a['labels']).length === 0) problems.push({ path: `${at}/labels`, message: 'an alert needs at least one label' });
      const annotations = a['annotations'] === undefined ? {} : stringMap(a['annotations'], `${at}/annotations`, problems, true);
      const startsAt = rfc3339(a['startsAt'], `${at}/startsAt`, problems);
      const fp = a['fingerprint'];
      if (typeof fp !== 'string' || !FINGERPRINT_RE.test(fp)) problems.push({ path: `${at}/fingerprint`, message: 'expected the alert fingerprint (hex)' });
      const endsAt = st === 'resolved' ? rfc3339(a['endsAt'], `${at}/endsAt`, problems) : undefined;
      const gen = a['generatorURL'];
      if (gen !== undefined && typeof gen !== 'string') problems.push({ path: `${at}/generatorURL`, message: 'expected a string' });
      if (startsAt && typeof fp === 'string' && (st === 'firing' || st === 'resolved'))
        alerts.push({
          fingerprint: fp,
          status: st,
          labels,
          annotations,
          startsAt,
          ...(endsAt ? { endsAt } : {}),
          ...(typeof gen === 'string' && gen !== '' ? { generatorURL: gen } : {}),
        });
    });
  // commonLabels/commonAnnotations/groupLabels are summaries of `alerts`: checked for shape only.
  for (const k of ['groupLabels', 'commonLabels']) if (body[k] !== undefined) stringMap(body[k], `/${k}`, problems);
  if (body['commonAnnotations'] !== undefined) stringMap(body['commonAnnotations'], '/commonAnnotations', problems, true);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { receiver, status: status as 'firing' | 'resolved', groupKey, externalURL, alerts, truncatedAlerts: truncated as number } };
}
