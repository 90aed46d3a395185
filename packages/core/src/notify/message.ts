// What a notification says. One rendering for every channel: a subject line people can scan in a
// mail client or a chat, a plain-text body with what they need at 3 a.m. (what, how bad, since when,
// until when to acknowledge, where to act), and the same facts as JSON for webhooks.

export interface NotificationFacts {
  readonly incidentId: string;
  readonly event: string;
  readonly severity: string;
  readonly state: string;
  readonly title: string;
  readonly openedAt: string;
  readonly ackDueAt?: string;
  readonly alerts: readonly { readonly labels: Readonly<Record<string, string>>; readonly status: string }[];
  /** Where to act: the incident's page in the web UI. */
  readonly link?: string;
  readonly runbook?: string;
  /** Drills say so in the subject and in a header, so nobody mistakes them for the real thing. */
  readonly drillId?: string;
}

export interface RenderedNotification {
  readonly subject: string;
  readonly text: string;
  readonly json: Readonly<Record<string, unknown>>;
}

const EVENT_WORD: Readonly<Record<string, string>> = {
  triggered: 'FIRING',
  escalated: 'ESCALATED',
  'deadline-missed': 'NOT ACKNOWLEDGED',
  reopened: 'REOPENED',
  retriggered: 'RE-TRIGGERED',
  severity: 'SEVERITY CHANGED',
  resolved: 'RESOLVED',
  test: 'TEST',
};

export function renderNotification(f: NotificationFacts): RenderedNotification {
  const firing = f.alerts.filter((a) => a.status === 'firing').length;
  const word = EVENT_WORD[f.event] ?? f.event.toUpperCase();
  const drill = f.drillId ? `[DRILL ${f.drillId}] ` : '';
  const subject = `${drill}[${f.severity}] [${word}${f.event === 'resolved' ? '' : `:${firing}`}] ${f.title} (${f.incidentId})`.slice(0, 250);
  const lines = [
    `${f.severity} ${word}: ${f.title}`,
    '',
    `incident   ${f.incidentId} (${f.state})`,
    `opened     ${f.openedAt}`,
    ...(f.ackDueAt && f.state === 'triggered' ? [`ack by     ${f.ackDueAt}`] : []),
    ...(f.link ? [`open       ${f.link}`] : []),
    ...(f.runbook ? [`runbook    ${f.runbook}`] : []),
    '',
    `alerts (${firing} firing of ${f.alerts.length}):`,
    ...f.alerts.slice(0, 20).map(
      (a) =>
        `  ${a.status === 'firing' ? '●' : '○'} ${Object.entries(a.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
    ),
    ...(f.alerts.length > 20 ? [`  … and ${f.alerts.length - 20} more`] : []),
    ...(f.drillId ? ['', `This is a drill (${f.drillId}). No action is needed beyond what the drill asks.`] : []),
  ];
  return { subject, text: `${lines.join('\n')}\n`, json: { ...f, firing } };
}
