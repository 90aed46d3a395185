// Job schedules: each schedule's cron and time zone, its next run (relative, absolute and in its own
// zone), its last outcome with what it made (a run links to its page), and a strip of its recent slots
// as the ledger recorded them (pass, fail, skipped, missed; runs in flight at the right end).
import { api, type ScheduleView } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { Link } from '../router';
import { OUTCOMES, stripOf, tally, zonedSlot } from '../schedules';

const POLL_MS = 10_000;

export function SchedulesPage() {
  const list = useLoad(() => api.schedules.list(), 'schedules', POLL_MS);
  const v = list.data;
  const failing = v?.schedules.filter((s) => s.last?.outcome === 'failed' || s.last?.outcome === 'missed').length ?? 0;
  return (
    <Panel
      title={
        <>
          Schedules
          {v && v.schedules.length > 0 && (
            <span className={`count${failing > 0 ? ' bad' : ''}`} data-testid="schedules-count">
              {failing > 0 ? `${failing} of ${v.schedules.length} failing` : `${v.schedules.length}`}
            </span>
          )}
        </>
      }
      testId="schedules"
      actions={
        v && (
          <span className="muted small">
            {v.path ? <code title={v.digest ?? ''}>{v.path}</code> : null} · refreshes every {POLL_MS / 1000} s
          </span>
        )
      }
    >
      <ErrorBanner error={list.error} what={v ? 'Refreshing the schedules (showing the last answer)' : 'Schedules'} />
      {!v ? (
        !list.error && <Loading what="schedules" />
      ) : v.schedules.length === 0 ? (
        <Empty testId="schedules-empty">
          {v.configured ? (
            <>The schedules file defines no schedule.</>
          ) : (
            <>
              No schedules file is in force. Start the server with <code>runledger serve --schedules FILE</code> (or set <code>RUNLEDGER_SCHEDULES</code>):
              backups, runbooks and drills on cron, each in its time zone. See <code>docs/schedules.md</code>; <code>runledger schedules check FILE</code>{' '}
              validates one.
            </>
          )}
        </Empty>
      ) : (
        <table className="grid schedules">
          <thead>
            <tr>
              <th>Schedule</th>
              <th>When</th>
              <th>Next run</th>
              <th>Last outcome</th>
              <th>Recent runs</th>
            </tr>
          </thead>
          <tbody>
            {v.schedules.map((s) => (
              <ScheduleRow key={s.name} s={s} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function ScheduleRow({ s }: { s: ScheduleView }) {
  const t = tally(s);
  return (
    <tr data-testid="schedule" data-schedule={s.name} className={s.enabled ? undefined : 'disabled'}>
      <td>
        <div className="sched-name">{s.name}</div>
        <div className="muted small">
          {s.job.summary}
          {!s.wired && (
            <span
              className="tag warn"
              title={`this server has no handler for ${s.job.kind} jobs: each slot is recorded as failed`}
              data-testid="schedule-not-wired"
            >
              not wired
            </span>
          )}
        </div>
        {s.description && <div className="muted small">{s.description}</div>}
      </td>
      <td>
        <code>{s.cron}</code>
        <div className="muted small">
          {s.timezone} · overrun {s.overrun} · catch-up {s.catchUp}
        </div>
      </td>
      <td data-testid="schedule-next">
        {!s.enabled ? (
          <span className="muted">disabled</span>
        ) : s.next ? (
          <>
            <Time iso={s.next} />
            {s.timezone !== 'UTC' && <div className="muted small">{zonedSlot(s.next, s.timezone)}</div>}
          </>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td data-testid="schedule-last">
        {s.last ? (
          <>
            <span className={`badge so-${s.last.outcome}`} title={OUTCOMES[s.last.outcome].help} data-testid="schedule-last-outcome">
              {OUTCOMES[s.last.outcome].glyph} {OUTCOMES[s.last.outcome].label}
            </span>{' '}
            <Time iso={s.last.at} compact />
            {s.last.ref && (
              <div className="small">
                {s.job.kind === 'runbook' ? <Link to={`/runs/${encodeURIComponent(s.last.ref)}`}>run {s.last.ref}</Link> : <code>{s.last.ref}</code>}
              </div>
            )}
            {s.last.detail && s.last.outcome !== 'fired' && (
              <div className="sched-detail small" title={s.last.detail}>
                {s.last.detail}
              </div>
            )}
          </>
        ) : (
          <span className="muted">not run yet</span>
        )}
      </td>
      <td>
        <div
          className="sched-strip"
          data-testid="schedule-strip"
          aria-label={`recent runs: ${t.fired} ok, ${t.failed} failed, ${t.skipped} skipped, ${t.missed} missed`}
        >
          {stripOf(s).map((m) => (
            <span key={m.key} className={`smark smark-${m.cls}`} title={m.title} data-testid="schedule-mark" data-outcome={m.cls} />
          ))}
          {s.history.length === 0 && s.running.length === 0 && <span className="muted small">none yet</span>}
        </div>
        {s.history.length > 0 && (
          <div className="muted small" data-testid="schedule-tally">
            {t.fired} ok{t.failed > 0 && <span className="hs-text-down"> · {t.failed} failed</span>}
            {t.skipped > 0 && ` · ${t.skipped} skipped`}
            {t.missed > 0 && <span className="hs-text-degraded"> · {t.missed} missed</span>}
          </div>
        )}
      </td>
    </tr>
  );
}
