// On-call: per schedule who is on call now and next, hand-off times in the schedule's zone and the
// browser's, the last hand-off's risks; a form to write a hand-off, and the hand-off log.
import { useState, type FormEvent } from 'react';
import type { Handoff } from '@runledger/server/api-types';
import { api, type OnCallView } from '../api/client';
import { Actor, Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { useNow } from '../format';
import { localZone, span, zoned } from '../incidents';
import { useSession } from '../session';

type Schedule = OnCallView['schedules'][number];
type Shift = NonNullable<Schedule['now']>;

export function OnCallPage() {
  const oncall = useLoad(() => api.oncall.get(), 'oncall', 30_000);
  const log = useLoad(() => api.oncall.handoffs(undefined, 20), 'handoffs', 30_000);
  const schedules = oncall.data?.schedules ?? [];
  const reload = (): void => {
    oncall.reload();
    log.reload();
  };
  return (
    <div className="oncall-page">
      <ErrorBanner error={oncall.error} what="On-call" />
      {!oncall.data ? (
        !oncall.error && <Loading what="on-call schedules" />
      ) : schedules.length === 0 ? (
        <Empty testId="oncall-empty">No schedule in the operations configuration (schedules: in operations.yaml).</Empty>
      ) : (
        <div className="oncall-grid">
          {schedules.map((s) => (
            <ScheduleCard key={s.name} s={s} />
          ))}
        </div>
      )}
      <div className="oncall-cols">
        <Panel title="Write a hand-off" testId="handoff-panel">
          {oncall.data && schedules.length > 0 ? (
            <HandoffForm schedules={schedules} onDone={reload} />
          ) : (
            <div className="empty-inline">No schedule to hand off.</div>
          )}
        </Panel>
        <Panel title="Hand-off log" testId="handoff-log">
          <ErrorBanner error={log.error} what="Hand-offs" />
          {log.data && log.data.handoffs.length === 0 && <div className="empty-inline">No hand-off written yet.</div>}
          {log.data && log.data.handoffs.length > 0 && (
            <ul className="handoffs">
              {log.data.handoffs.map((h) => (
                <HandoffItem key={h.id} h={h} schedule />
              ))}
            </ul>
          )}
        </Panel>
      </div>
    </div>
  );
}

function ShiftLine({ label, shift, tz, now }: { label: string; shift: Shift | null; tz: string; now: number }) {
  if (!shift)
    return (
      <div className="shift">
        <div className="shift-who">
          <div className="shift-label">{label}</div>
          <div className="shift-user none">nobody</div>
        </div>
      </div>
    );
  const from = Date.parse(shift.from);
  const to = Date.parse(shift.to);
  const local = localZone();
  const both = local !== tz;
  return (
    <div className="shift" data-testid={`oncall-${label.toLowerCase()}`}>
      <div className="shift-who">
        <div className="shift-label">{label}</div>
        <div className="shift-user">{shift.user}</div>
        <div className="handoff-in small">{from > now ? `starts in ${span(from - now)}` : `hands off in ${span(to - now)}`}</div>
      </div>
      <table className="shift-times">
        <thead>
          <tr>
            <th />
            <th>{tz}</th>
            {both && <th>local ({local})</th>}
          </tr>
        </thead>
        <tbody>
          <tr title={shift.from}>
            <th>{from > now ? 'from' : 'since'}</th>
            <td>{zoned(shift.from, tz)}</td>
            {both && <td className="muted">{zoned(shift.from, local)}</td>}
          </tr>
          <tr title={shift.to}>
            <th>until</th>
            <td>{zoned(shift.to, tz)}</td>
            {both && <td className="muted">{zoned(shift.to, local)}</td>}
          </tr>
        </tbody>
      </table>
      <div className="muted small shift-source">{shift.source}</div>
    </div>
  );
}

function ScheduleCard({ s }: { s: Schedule }) {
  const now = useNow(30_000);
  return (
    <Panel title={<>{s.name}</>} actions={<span className="muted small">{s.timeZone}</span>} className="schedule" testId="oncall-schedule">
      <div className="shifts">
        <ShiftLine label="Now" shift={s.now} tz={s.timeZone} now={now} />
        <ShiftLine label="Next" shift={s.next} tz={s.timeZone} now={now} />
      </div>
      <div className="sub-head">Last hand-off</div>
      {s.lastHandoff ? (
        <div className="last-handoff" data-testid="oncall-last-handoff">
          <div className="small muted">
            <Actor id={s.lastHandoff.by} />
            {s.lastHandoff.to && <> → {s.lastHandoff.to}</>} · <Time iso={s.lastHandoff.at} />
          </div>
          <div className="risks">{s.lastHandoff.risks}</div>
        </div>
      ) : (
        <div className="empty-inline">None written for this schedule.</div>
      )}
    </Panel>
  );
}

function HandoffItem({ h, schedule }: { h: Handoff; schedule?: boolean }) {
  return (
    <li data-testid="handoff-item">
      <div className="small muted">
        {schedule && <span className="mono">{h.schedule}</span>} <Actor id={h.by} />
        {h.to && <> → {h.to}</>} · <Time iso={h.at} />
      </div>
      <div className="risks">{h.risks}</div>
    </li>
  );
}

function HandoffForm({ schedules, onDone }: { schedules: readonly Schedule[]; onDone: () => void }) {
  const { can, session } = useSession();
  const [schedule, setSchedule] = useState(schedules[0]?.name ?? '');
  const [to, setTo] = useState('');
  const [risks, setRisks] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const next = schedules.find((s) => s.name === schedule)?.next?.user;

  if (!can('operator'))
    return (
      <div className="muted small">
        Writing a hand-off needs role <b>operator</b>; you are <b>{session.role}</b>.
      </div>
    );

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!risks.trim()) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setError(null);
    setDone(null);
    api.oncall.handoff({ schedule, risks: risks.trim(), ...(to.trim() ? { to: to.trim() } : {}) }).then(
      (h) => {
        setBusy(false);
        setRisks('');
        setTo('');
        setDone(`Hand-off for ${h.schedule} recorded.`);
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  return (
    <form className="handoff-form" onSubmit={submit} data-testid="handoff-form">
      <div className="row">
        <label>
          Schedule
          <select value={schedule} onChange={(e) => setSchedule(e.target.value)} data-testid="handoff-schedule">
            {schedules.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          To (optional)
          <input value={to} onChange={(e) => setTo(e.target.value)} placeholder={next ? `next: ${next}` : 'who takes over'} data-testid="handoff-to" />
        </label>
      </div>
      <label>
        Open risks
        <textarea
          rows={4}
          value={risks}
          onChange={(e) => setRisks(e.target.value)}
          placeholder="What the next person must know: open incidents, flaky alerts, changes in flight (required)"
          aria-invalid={missing ? true : undefined}
          data-testid="handoff-risks"
        />
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="handoff-submit">
          {busy ? 'Saving…' : 'Record hand-off'}
        </button>
        {missing && <span className="field-error">Write the risks (or “none”).</span>}
        {done && (
          <span className="ok-text small" data-testid="handoff-done">
            {done}
          </span>
        )}
      </div>
      <ErrorBanner error={error} what="Hand-off" onDismiss={() => setError(null)} />
    </form>
  );
}
