// One incident, for the person paged at 3 a.m.: severity, state, title and the acknowledgement
// countdown big at the top with the actions under them (Acknowledge one click; Resolve and Change
// severity ask a reason; Escalate asks to confirm; Note), each disabled with the reason when the
// role or the state does not allow it. Then the member alerts, the timeline (notifications linked
// to their delivery records), the deliveries, and the runbook to run.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Delivery, RunbookSummary, TimelineEvent } from '@runledger/server/api-types';
import { api, SEVERITIES, type IncidentDetail, type Severity } from '../api/client';
import { Actor, Empty, ErrorBanner, Facts, Loading, Panel, Time, useLoad } from '../components/common';
import { AckCountdown, IncidentStateBadge, SeverityBadge } from '../components/Incident';
import { absolute, actorName } from '../format';
import { deliveriesByEvent, missedDueOf } from '../incidents';
import { Link } from '../router';
import { useSession } from '../session';
import { useShell } from '../shell';

const POLL_MS = 4000;

/** The newer of two views of the same incident (by its last timeline event). */
function newer(a: IncidentDetail | undefined, b: IncidentDetail | null): IncidentDetail | undefined {
  if (!a) return b ?? undefined;
  if (!b || b.id !== a.id) return a;
  const last = (x: IncidentDetail): number => x.timeline.at(-1)?.seq ?? 0;
  return last(b) > last(a) ? b : a;
}

export function IncidentPage({ id }: { id: string }) {
  const loaded = useLoad(() => api.incidents.get(id), `incident:${id}`, POLL_MS);
  const [acted, setActed] = useState<IncidentDetail | null>(null);
  const runbooks = useLoad(() => api.runbooks.list(), 'runbooks', 60_000);
  const inc = newer(loaded.data, acted);
  const [highlight, setHighlight] = useState<string | null>(null);
  const { reloadIncidents } = useShell();

  if (!inc) {
    if (loaded.error)
      return (
        <>
          <ErrorBanner error={loaded.error} what={`Incident ${id}`} />
          <Link to="/incidents">Back to the incidents</Link>
        </>
      );
    return <Loading what="incident" />;
  }
  const onDone = (d: IncidentDetail): void => {
    setActed(d);
    loaded.reload();
    reloadIncidents();
  };
  const rb = inc.runbook ? runbooks.data?.runbooks.find((r) => r.id === inc.runbook) : undefined;
  const byEvent = deliveriesByEvent(inc.timeline, inc.deliveries);
  const missedDue = missedDueOf(inc.timeline);

  return (
    <div className="incident-page" data-testid="incident" data-incident={inc.id} data-state={inc.state}>
      <ErrorBanner error={loaded.error} what="Refreshing the incident (showing the last answer)" />
      <section className={`incident-head panel inc-${inc.state} sev-edge-${inc.severity.replace(/^SEV-/, '')}`}>
        <div className="crumbs small">
          <Link to="/incidents">Incidents</Link> / <span className="mono">{inc.id}</span>
        </div>
        <div className="incident-title-row">
          <SeverityBadge value={inc.severity} big />
          <IncidentStateBadge value={inc.state} testId="incident-state" />
          <h1 data-testid="incident-title">{inc.title}</h1>
        </div>
        <div className="incident-deadline">
          <AckCountdown incident={inc} big missedDue={missedDue} />
          {inc.state === 'triggered' && (inc.ackDueAt ?? missedDue) && (
            <span className="muted small"> acknowledge by {absolute(inc.ackDueAt ?? missedDue ?? '')}</span>
          )}
        </div>
        <Facts
          items={[
            ['Opened', <Time key="o" iso={inc.openedAt} />],
            ['Owner', inc.owner ? <Actor id={inc.owner} /> : <span className="muted">nobody yet</span>],
            ['Alerts', `${inc.alerts.firing} firing / ${inc.alerts.total}`],
            inc.override && ['Severity set by', `${actorName(inc.override.by)}: ${inc.override.reason}`],
            inc.resolved && ['Resolved', `${actorName(inc.resolved.by)}: ${inc.resolved.reason}`],
            inc.reopened > 0 && ['Reopened', `${inc.reopened}×`],
            [
              'Source',
              <span key="s" className="mono">
                {inc.integration}
              </span>,
            ],
          ]}
        />
        <IncidentActions inc={inc} onDone={onDone} />
      </section>

      <div className="incident-cols">
        <div className="incident-main">
          <Panel title={<>Alerts {<span className="count">{inc.alertList.length}</span>}</>} testId="incident-alerts">
            <AlertsTable inc={inc} />
          </Panel>
          <Panel title="Timeline" actions={<span className="muted small">newest first</span>} testId="incident-timeline">
            <Timeline events={inc.timeline} byEvent={byEvent} onPick={setHighlight} />
          </Panel>
        </div>
        <div className="incident-side">
          <Panel title="Runbook" testId="incident-runbook">
            <RunbookCard inc={inc} rb={rb} known={runbooks.data !== undefined} />
          </Panel>
          <Panel title="Routing and timers" testId="incident-routing">
            <dl className="kv">
              <dt>Routes</dt>
              <dd>
                {inc.routes.length === 0 ? (
                  <span className="muted">no route matched</span>
                ) : (
                  inc.routes.map((r) => (
                    <div key={`${r.path}:${r.receiver}`}>
                      <span className="mono">{r.receiver}</span> <span className="muted small">via {r.path}</span>
                    </div>
                  ))
                )}
              </dd>
              <dt>Escalation</dt>
              <dd>{inc.escalation ? <span className="mono">{inc.escalation}</span> : <span className="muted">none</span>}</dd>
              <dt>Timers</dt>
              <dd data-testid="incident-timers">
                {inc.timers.length === 0 ? (
                  <span className="muted">none pending</span>
                ) : (
                  inc.timers.map((t) => (
                    <div key={t.kind}>
                      {t.kind} <Time iso={t.at} />
                    </div>
                  ))
                )}
              </dd>
              <dt>Group key</dt>
              <dd className="mono small">{inc.key}</dd>
            </dl>
          </Panel>
        </div>
      </div>
      <Panel title={<>Notifications {<span className="count">{inc.deliveries.length}</span>}</>} testId="incident-deliveries">
        <DeliveriesTable deliveries={inc.deliveries} highlight={highlight} />
      </Panel>
    </div>
  );
}

type Form = 'resolve' | 'note' | 'severity' | 'escalate' | null;

function IncidentActions({ inc, onDone }: { inc: IncidentDetail; onDone: (d: IncidentDetail) => void }) {
  const { can, session } = useSession();
  const [form, setForm] = useState<Form>(null);
  const [text, setText] = useState('');
  const [sev, setSev] = useState<Severity>(inc.severity);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const operator = can('operator');
  const resolved = inc.state === 'resolved';

  const act = (name: string, call: () => Promise<IncidentDetail>): void => {
    setBusy(name);
    setError(null);
    call().then(
      (d) => {
        setBusy(null);
        setForm(null);
        setText('');
        onDone(d);
      },
      (e: unknown) => {
        setBusy(null);
        setError(e);
      },
    );
  };
  const open = (f: Form): void => {
    setForm(form === f ? null : f);
    setText('');
    setMissing(false);
    setSev(inc.severity);
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (form === 'escalate') return act('escalate', () => api.incidents.escalate(inc.id));
    if (!text.trim()) return setMissing(true);
    setMissing(false);
    if (form === 'resolve') act('resolve', () => api.incidents.resolve(inc.id, text.trim()));
    else if (form === 'note') act('note', () => api.incidents.note(inc.id, text.trim()));
    else if (form === 'severity') act('severity', () => api.incidents.severity(inc.id, sev, text.trim()));
  };

  const role = operator ? null : `needs role operator (you are ${session.role})`;
  const why = {
    ack: role ?? (resolved ? 'already resolved' : inc.state === 'acknowledged' ? `already acknowledged by ${actorName(inc.owner ?? '?')}` : null),
    resolve: role ?? (resolved ? 'already resolved' : null),
    escalate: role ?? (resolved ? 'resolved: nothing to escalate' : null),
    note: role,
    severity: role,
  };

  return (
    <div className="incident-actions" data-testid="incident-actions">
      <div className="action-row">
        <Action why={why.ack}>
          <button
            type="button"
            className="primary big-btn"
            disabled={why.ack !== null || busy !== null}
            onClick={() => act('ack', () => api.incidents.acknowledge(inc.id))}
            data-testid="incident-ack"
          >
            {busy === 'ack' ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        </Action>
        <Action why={why.resolve}>
          <button
            type="button"
            className={`big-btn${form === 'resolve' ? ' on' : ''}`}
            disabled={why.resolve !== null || busy !== null}
            onClick={() => open('resolve')}
            data-testid="incident-resolve"
          >
            Resolve…
          </button>
        </Action>
        <Action why={why.escalate}>
          <button
            type="button"
            className={`big-btn danger${form === 'escalate' ? ' on' : ''}`}
            disabled={why.escalate !== null || busy !== null}
            onClick={() => open('escalate')}
            data-testid="incident-escalate"
          >
            Escalate…
          </button>
        </Action>
        <Action why={why.note}>
          <button
            type="button"
            className={`big-btn${form === 'note' ? ' on' : ''}`}
            disabled={why.note !== null || busy !== null}
            onClick={() => open('note')}
            data-testid="incident-note"
          >
            Note…
          </button>
        </Action>
        <Action why={why.severity}>
          <button
            type="button"
            className={`big-btn${form === 'severity' ? ' on' : ''}`}
            disabled={why.severity !== null || busy !== null}
            onClick={() => open('severity')}
            data-testid="incident-severity-change"
          >
            Change severity…
          </button>
        </Action>
      </div>
      {form && (
        <form className="action-form" onSubmit={submit} data-testid={`incident-form-${form}`}>
          {form === 'escalate' ? (
            <div className="action-what">
              Escalate now to the next level{' '}
              {inc.escalation ? (
                <>
                  of <span className="mono">{inc.escalation}</span>
                </>
              ) : (
                '(this incident has no escalation policy: it is recorded and notified as escalated)'
              )}
              ? The people at that level are notified.
            </div>
          ) : (
            <>
              {form === 'severity' && (
                <label className="inline">
                  New severity{' '}
                  <select value={sev} onChange={(e) => setSev(e.target.value as Severity)} data-testid="incident-severity-select">
                    {SEVERITIES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                        {s === inc.severity ? ' (current)' : ''}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <textarea
                rows={form === 'note' ? 3 : 2}
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={form === 'note' ? 'What you found or did (goes on the timeline and in the ledger)' : 'Reason (required, recorded in the ledger)'}
                aria-invalid={missing ? true : undefined}
                aria-label={form === 'note' ? 'Note' : 'Reason'}
                data-testid="incident-text"
              />
            </>
          )}
          <div className="form-actions">
            <button type="submit" className={form === 'escalate' ? 'danger' : 'primary'} disabled={busy !== null} data-testid="incident-submit">
              {busy ? 'Sending…' : form === 'resolve' ? 'Resolve' : form === 'note' ? 'Add note' : form === 'severity' ? `Set ${sev}` : 'Escalate now'}
            </button>
            <button type="button" onClick={() => setForm(null)}>
              Cancel
            </button>
            {missing && <span className="field-error">{form === 'note' ? 'The note is empty.' : 'A reason is required.'}</span>}
          </div>
        </form>
      )}
      <ErrorBanner error={error} what="The server refused" onDismiss={() => setError(null)} />
    </div>
  );
}

function Action({ why, children }: { why: string | null; children: ReactNode }) {
  return (
    <div className="action" title={why ?? undefined}>
      {children}
      {why && <div className="why">{why}</div>}
    </div>
  );
}

function AlertsTable({ inc }: { inc: IncidentDetail }) {
  if (inc.alertList.length === 0) return <Empty>No member alert (opened by hand or by an event without alerts).</Empty>;
  return (
    <table className="grid alerts">
      <thead>
        <tr>
          <th>Status</th>
          <th>Sev</th>
          <th>Labels</th>
          <th>Summary</th>
          <th>Since</th>
        </tr>
      </thead>
      <tbody>
        {inc.alertList.map((a) => (
          <tr key={a.fingerprint} data-testid="alert-row" data-status={a.status} title={`fingerprint ${a.fingerprint}`}>
            <td>
              <span className={`badge al-${a.status}`}>{a.status}</span>
            </td>
            <td>
              <SeverityBadge value={a.severity} />
            </td>
            <td>
              <div className="chips">
                {Object.entries(a.labels).map(([k, v]) => (
                  <span key={k} className="chip" title={`${k}="${v}"`}>
                    <span className="chip-k">{k}</span>
                    <span className="chip-v">{v}</span>
                  </span>
                ))}
              </div>
            </td>
            <td className="desc">
              {a.annotations['summary'] ?? a.annotations['description'] ?? ''}
              {a.annotations['runbook_url'] && /^https?:\/\//.test(a.annotations['runbook_url']) && (
                <>
                  {' '}
                  <a href={a.annotations['runbook_url']} target="_blank" rel="noreferrer noopener" className="small">
                    runbook_url ↗
                  </a>
                </>
              )}
            </td>
            <td>
              <Time iso={a.startsAt} compact />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const GLYPH: Record<string, string> = {
  'incident.created': '●',
  'alert.attached': '▲',
  'alert.resolved': '▽',
  acknowledged: '✔',
  resolved: '✔',
  note: '✎',
  escalated: '⇧',
  'deadline.missed': '⚠',
  'severity.changed': '⇅',
  reopened: '↺',
  retriggered: '↺',
  'timer.set': '○',
  'timer.cancelled': '○',
};

const ISO = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;

/**
 * The server's one-line text names people by their recorded id and times as UTC instants; the UI
 * names people as everywhere else and shows times in local time.
 */
function textOf(e: TimelineEvent): string {
  const t = e.by && e.by !== actorName(e.by) ? e.text.split(e.by).join(actorName(e.by)) : e.text;
  return t.replace(ISO, (m) => absolute(m));
}

function Timeline({ events, byEvent, onPick }: { events: readonly TimelineEvent[]; byEvent: Map<number, Delivery[]>; onPick: (id: string) => void }) {
  if (events.length === 0) return <Empty>Nothing recorded yet.</Empty>;
  return (
    <ol className="itl" data-testid="timeline">
      {[...events].reverse().map((e) => {
        const ds = byEvent.get(e.seq) ?? [];
        return (
          <li key={e.seq} className={`itl-item t-${e.type.replace(/\./g, '-')}`} data-testid="timeline-event" data-type={e.type}>
            <span className="itl-dot" aria-hidden="true">
              {GLYPH[e.type] ?? '•'}
            </span>
            <div className="itl-body">
              <div className="itl-text">{textOf(e)}</div>
              <div className="itl-meta small muted">
                <time dateTime={e.at} title={e.at}>
                  {absolute(e.at).slice(11)}
                </time>{' '}
                · <Time iso={e.at} compact />
                {e.by && (
                  <>
                    {' '}
                    · <Actor id={e.by} />
                  </>
                )}
                <span className="itl-seq"> #{e.seq}</span>
              </div>
              {ds.length > 0 && (
                <div className="itl-notes">
                  notified:{' '}
                  {ds.map((d) => (
                    <a
                      key={d.id}
                      href={`#delivery-${encodeURIComponent(d.id)}`}
                      className={`dlv-chip dst-${d.state}`}
                      data-testid="timeline-delivery"
                      onClick={(ev) => {
                        ev.preventDefault();
                        onPick(d.id);
                        document.getElementById(`delivery-${d.id}`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
                      }}
                    >
                      {d.receiver} · {d.state}
                    </a>
                  ))}
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function DeliveriesTable({ deliveries, highlight }: { deliveries: readonly Delivery[]; highlight: string | null }) {
  if (deliveries.length === 0) return <Empty>No notification was sent for this incident.</Empty>;
  return (
    <table className="grid deliveries compact">
      <thead>
        <tr>
          <th>Event</th>
          <th>Receiver</th>
          <th>Channel</th>
          <th>State</th>
          <th className="num">Tries</th>
          <th>Reason</th>
          <th>Next retry</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr
            key={d.id}
            id={`delivery-${d.id}`}
            className={highlight === d.id ? 'picked' : undefined}
            data-testid="delivery-row"
            data-state={d.state}
            title={Object.keys(d.detail).length ? JSON.stringify(d.detail) : d.id}
          >
            <td className="mono small">{d.event}</td>
            <td className="mono">{d.receiver}</td>
            <td>{d.channel}</td>
            <td>
              <span className={`badge dst-${d.state}`}>{d.state}</span>
            </td>
            <td className="num">{d.attempts}</td>
            <td className="reason" title={d.reason ?? undefined}>
              {d.reason ?? ''}
            </td>
            <td>{d.nextAt ? <Time iso={d.nextAt} compact /> : <span className="muted">–</span>}</td>
            <td>
              <Time iso={d.updatedAt} compact />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunbookCard({ inc, rb, known }: { inc: IncidentDetail; rb: RunbookSummary | undefined; known: boolean }) {
  if (!inc.runbook) return <div className="empty-inline">The route that matched names no runbook.</div>;
  if (!rb)
    return (
      <div data-testid="incident-runbook-id">
        <span className="mono">{inc.runbook}</span>
        <div className="muted small">{known ? 'No runbook with this id in the catalogue.' : 'Checking the catalogue…'}</div>
      </div>
    );
  // The run form takes the incident and the alert's labels that name its inputs from the address.
  const labels = inc.alertList[0]?.labels ?? {};
  const hints = rb.inputs.filter((i) => !i.secret && labels[i.name] !== undefined);
  const q = new URLSearchParams({ incident: inc.id });
  for (const i of hints) q.set(`input.${i.name}`, labels[i.name]!);
  const to = `/runbooks/${encodeURIComponent(rb.id)}?${q.toString()}`;
  return (
    <div className="runbook-card">
      <Link to={to} className="rb-title" data-testid="incident-runbook-link">
        {rb.title}
      </Link>{' '}
      <span className="mono small muted">{rb.id}</span>
      {rb.description && <div className="small">{rb.description}</div>}
      {hints.length > 0 && (
        <div className="small">
          From the alert:{' '}
          {hints.map((i) => (
            <span key={i.name} className="chip">
              <span className="chip-k">{i.name}</span>
              <span className="chip-v">{labels[i.name]}</span>
            </span>
          ))}
        </div>
      )}
      <Link to={to} className="button primary-link" data-testid="incident-run-runbook">
        ▶ Run runbook
      </Link>
    </div>
  );
}
