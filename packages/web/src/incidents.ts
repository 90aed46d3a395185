// Incident helpers shared by the incident views and the dashboard: the acknowledgement countdown,
// the order an on-call engineer reads incidents in, which timeline event a notification belongs
// to, and times in a schedule's time zone. Pure functions (tested in test/helpers.test.ts).
import type { Delivery, IncidentSummary, TimelineEvent } from '@runledger/server/api-types';

const pad = (n: number): string => String(n).padStart(2, '0');

/** "4m 05s", "1h 02m", "2d 03h": a span for a countdown (seconds only while under an hour). */
export function span(ms: number): string {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

export interface Countdown {
  readonly overdue: boolean;
  /** Under five minutes left (and not yet overdue): shown as urgent. */
  readonly soon: boolean;
  /** "14m 32s left" or "overdue by 2m 10s". */
  readonly text: string;
}

/** The time left to acknowledge, from the deadline and the current time. */
export function countdown(dueIso: string, now: number): Countdown | null {
  const due = Date.parse(dueIso);
  if (Number.isNaN(due)) return null;
  const left = due - now;
  if (left <= 0) return { overdue: true, soon: false, text: `overdue by ${span(-left)}` };
  return { overdue: false, soon: left < 5 * 60_000, text: `${span(left)} left` };
}

const STATE_ORDER: Record<string, number> = { triggered: 0, acknowledged: 1, resolved: 2 };
const SEV_ORDER: Record<string, number> = { 'SEV-1': 0, 'SEV-2': 1, 'SEV-3': 2 };

/**
 * The order to read incidents in: open ones first (triggered before acknowledged), the most severe
 * first, then the nearest deadline, then the newest; resolved ones after, most recently resolved first.
 */
export function byUrgency(a: IncidentSummary, b: IncidentSummary): number {
  const s = (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3);
  if (s !== 0) return s;
  if (a.state === 'resolved') return (b.resolvedAt ?? b.updatedAt).localeCompare(a.resolvedAt ?? a.updatedAt);
  const v = (SEV_ORDER[a.severity] ?? 3) - (SEV_ORDER[b.severity] ?? 3);
  if (v !== 0) return v;
  if (a.ackDueAt && b.ackDueAt && a.ackDueAt !== b.ackDueAt) return a.ackDueAt.localeCompare(b.ackDueAt);
  return b.openedAt.localeCompare(a.openedAt);
}

/**
 * When a triggered incident's missed deadline was due, from its timeline: the API's `ackDueAt` is
 * null once the deadline timer has fired, and the deadline.missed event keeps it.
 */
export function missedDueOf(timeline: readonly Pick<TimelineEvent, 'type' | 'data'>[]): string | undefined {
  const e = [...timeline].reverse().find((x) => x.type === 'deadline.missed');
  const due = e?.data['due'];
  return typeof due === 'string' ? due : undefined;
}

export const isOpen = (i: Pick<IncidentSummary, 'state'>): boolean => i.state !== 'resolved';

/**
 * The timeline event a delivery record tells of. The API does not give the record's fact number,
 * but its id does (`<incident>:<version after the decision>:<command>:<receiver>`); the decision's
 * facts end at that version, and the one that caused the notification is the last of them whose
 * type matches the notification's event.
 */
const CAUSES: Record<string, readonly string[]> = {
  triggered: ['escalated', 'incident.created'],
  escalated: ['escalated'],
  reopened: ['reopened'],
  retriggered: ['retriggered'],
  resolved: ['resolved', 'alert.resolved'],
  severity: ['severity.changed'],
  'deadline-missed': ['deadline.missed'],
};

export function factSeqOf(d: Pick<Delivery, 'factSeq'>): number | null {
  return Number.isInteger(d.factSeq) && d.factSeq > 0 ? d.factSeq : null;
}

/** Delivery records by the seq of the timeline event they belong to. */
export function deliveriesByEvent(timeline: readonly TimelineEvent[], deliveries: readonly Delivery[]): Map<number, Delivery[]> {
  const out = new Map<number, Delivery[]>();
  for (const d of deliveries) {
    const last = factSeqOf(d);
    if (last === null) continue;
    const upTo = timeline.filter((e) => e.seq <= last);
    const causes = CAUSES[d.event] ?? [];
    const ev = [...upTo].reverse().find((e) => causes.includes(e.type)) ?? upTo.at(-1);
    if (!ev) continue;
    const list = out.get(ev.seq) ?? [];
    list.push(d);
    out.set(ev.seq, list);
  }
  return out;
}

/** "Mon 2026-12-07 09:00" in a time zone (an unknown zone falls back to UTC, named as such). */
export function zoned(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p['weekday']} ${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}`;
}

/** The browser's own zone, for "local" times next to a schedule's. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
}

/** Matchers typed one per line: blank lines and surrounding spaces dropped. */
export function matcherLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
