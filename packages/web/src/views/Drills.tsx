// Drills: the last result of each kind against its targets, RTO/RPO/delivery time over time as charts
// (a picture says whether restores are getting slower faster than a table), the drill schedules, and
// the history with each drill's evidence. Operators start a drill from here; it runs on the server and
// the page follows it (every 2 s while one runs, every 15 s otherwise).
import { useState, type FormEvent } from 'react';
import { api, type DrillRecord } from '../api/client';
import { Actor, Empty, ErrorBanner, Loading, Mono, Panel, Time, useLoad } from '../components/common';
import { DrillChart } from '../components/Drill';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { seconds, type DrillPoint } from '../drills';
import { Link, navigate } from '../router';
import { useSession } from '../session';

export const DRILL_KINDS = ['restore', 'escalation', 'rollback', 'chaos'] as const;
const FAST_MS = 2000;
const SLOW_MS = 15_000;

const WHAT: Record<string, string> = {
  restore: 'restore the newest backup into a scratch place and verify it (RTO, RPO)',
  escalation: 'a synthetic alert through intake, routing and mail; level 2 after the deadline',
  rollback: 'deploy and roll back a release in staging, timing each step',
  chaos: 'kill a run mid-step and check nothing is lost or doubled',
};

export function DrillsPage() {
  const [running, setRunning] = useState(false);
  const poll = running ? FAST_MS : SLOW_MS;
  const list = useLoad(
    () =>
      api.drills.list({ limit: 200 }).then((d) => {
        setRunning(d.running !== null);
        return d;
      }),
    'drills',
    poll,
  );
  const drills = list.data?.drills ?? [];
  const points = (kind: string, figure: 'rtoSeconds' | 'rpoSeconds' | 'deliverySeconds'): DrillPoint[] =>
    drills.filter((d) => d.kind === kind).map((d) => ({ id: d.id, at: d.startedAt, passed: d.passed, value: d.measured[figure] ?? null }));
  const target = (kind: string, figure: 'rtoSeconds' | 'rpoSeconds' | 'deliverySeconds'): number | null =>
    drills.find((d) => d.kind === kind && d.targets[figure] !== undefined)?.targets[figure] ?? null;

  return (
    <div className="drills-page">
      <Panel
        title={
          <>
            Drills
            {list.data && <span className="count">{drills.length}</span>}
            {running && <span className="count busy">running</span>}
          </>
        }
        testId="drills"
      >
        <ErrorBanner error={list.error} what="Drills" />
        <StartDrill onStarted={list.reload} />
        {list.data?.running && (
          <div className="drill-running" data-testid="drills-running">
            <span className="badge st-running">running</span> {list.data.running.kind} drill{' '}
            <Link to={`/drills/${encodeURIComponent(list.data.running.id)}`} className="mono">
              {list.data.running.id}
            </Link>{' '}
            started <Time iso={list.data.running.startedAt} compact /> by <Actor id={list.data.running.actor} />
          </div>
        )}
        {!list.data ? (
          !list.error && <Loading what="drills" />
        ) : (
          <div className="drill-cards">
            {DRILL_KINDS.map((k) => (
              <LastDrill key={k} kind={k} last={drills.find((d) => d.kind === k)} available={list.data?.available.includes(k) ?? false} />
            ))}
          </div>
        )}
      </Panel>
      {drills.length > 0 && (
        <Panel
          title="RTO, RPO and delivery over time"
          actions={<span className="muted small">each dot a drill; ✕ failed · log scale</span>}
          testId="drill-charts"
        >
          <ErrorBoundary what="the drill charts" resetKey={String(drills.length)}>
            <div className="drill-charts">
              <DrillChart
                title="Restore RTO (restore + verify)"
                points={points('restore', 'rtoSeconds')}
                target={target('restore', 'rtoSeconds')}
                testId="chart-rto"
              />
              <DrillChart
                title="Restore RPO (age of the data)"
                points={points('restore', 'rpoSeconds')}
                target={target('restore', 'rpoSeconds')}
                testId="chart-rpo"
              />
              <DrillChart
                title="Escalation: time to delivery"
                points={points('escalation', 'deliverySeconds')}
                target={target('escalation', 'deliverySeconds')}
                testId="chart-delivery"
              />
              <DrillChart title="Rollback RTO" points={points('rollback', 'rtoSeconds')} target={target('rollback', 'rtoSeconds')} testId="chart-rollback" />
            </div>
          </ErrorBoundary>
        </Panel>
      )}
      <DrillSchedules />
      {list.data && (
        <Panel title="History" actions={<span className="muted small">newest first · refreshes every {poll / 1000} s</span>} testId="drill-history">
          {drills.length === 0 ? (
            <Empty testId="drills-empty">
              No drill yet. Start one here, with <code>runledger drill run restore</code>, or on a schedule (docs/schedules.md). Each drill leaves an evidence
              bundle whose digest is a ledger entry.
            </Empty>
          ) : (
            <DrillTable drills={drills} />
          )}
        </Panel>
      )}
    </div>
  );
}

function figureOf(d: DrillRecord): string {
  const m = d.measured;
  const parts: string[] = [];
  if (m.rtoSeconds !== undefined) parts.push(`RTO ${seconds(m.rtoSeconds)}`);
  if (m.rpoSeconds !== undefined) parts.push(`RPO ${seconds(m.rpoSeconds)}`);
  if (m.deliverySeconds !== undefined) parts.push(`delivery ${seconds(m.deliverySeconds)}`);
  if (m.escalationSeconds !== undefined) parts.push(`level 2 ${seconds(m.escalationSeconds)} after the deadline`);
  return parts.join(' · ');
}

function Verdict({ passed }: { passed: boolean }) {
  return (
    <span className={`badge ${passed ? 'st-succeeded' : 'st-failed'}`} data-testid="drill-verdict" data-passed={passed}>
      {passed ? '✔ passed' : '✖ failed'}
    </span>
  );
}

function LastDrill({ kind, last, available }: { kind: string; last: DrillRecord | undefined; available: boolean }) {
  return (
    <div className={`drill-card ${last ? (last.passed ? 'passed' : 'failed') : 'never'}`} data-testid={`drill-card-${kind}`}>
      <div className="drill-card-head">
        <strong>{kind}</strong>{' '}
        {last ? <Verdict passed={last.passed} /> : <span className="badge st-skipped">{available ? 'never run' : 'not available here'}</span>}
      </div>
      <div className="muted small">{WHAT[kind]}</div>
      {last && (
        <>
          <div className="drill-card-figure">{figureOf(last) || '—'}</div>
          <div className="small">
            <Link to={`/drills/${encodeURIComponent(last.id)}`}>last</Link> <Time iso={last.finishedAt} compact />
            {last.env && <span className="env">{last.env}</span>}
          </div>
          {!last.passed && last.reasons[0] && <div className="reason small">{last.reasons[0]}</div>}
        </>
      )}
    </div>
  );
}

export function DrillTable({ drills }: { drills: readonly DrillRecord[] }) {
  return (
    <table className="grid drills">
      <thead>
        <tr>
          <th>Drill</th>
          <th>Kind</th>
          <th>Env</th>
          <th>Result</th>
          <th>Measured</th>
          <th>By</th>
          <th>Finished</th>
          <th>Evidence</th>
        </tr>
      </thead>
      <tbody>
        {drills.map((d) => (
          <tr key={d.id} data-testid="drill-row" data-drill={d.id} data-kind={d.kind} data-passed={d.passed}>
            <td>
              <Link to={`/drills/${encodeURIComponent(d.id)}`} className="mono" data-testid="drill-link">
                {d.id}
              </Link>
            </td>
            <td>{d.kind}</td>
            <td>{d.env ? <span className="env">{d.env}</span> : <span className="muted">–</span>}</td>
            <td>
              <Verdict passed={d.passed} />
              {!d.passed && d.reasons[0] && <div className="reason small">{d.reasons[0]}</div>}
            </td>
            <td className="small">{figureOf(d) || <span className="muted">–</span>}</td>
            <td>
              <Actor id={d.actor} />
            </td>
            <td>
              <Time iso={d.finishedAt} compact />
            </td>
            <td>
              {d.evidence.available ? (
                <a href={api.drills.evidenceUrl(d.id)} download title={`manifest sha256 ${d.evidence.manifestSha256}, ledger entry ${d.evidence.index}`}>
                  download
                </a>
              ) : (
                <span className="muted small" title={`manifest sha256 ${d.evidence.manifestSha256}`}>
                  entry {d.evidence.index}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Schedules whose job is a drill (the scheduler's own view lists every schedule). */
function DrillSchedules() {
  const s = useLoad(() => api.schedules.list(), 'schedules', 60_000);
  const drills = (s.data?.schedules ?? []).filter((x) => x.job.kind === 'drill');
  return (
    <Panel title="Schedule" testId="drill-schedules" actions={<Link to="/schedules">all schedules</Link>}>
      <ErrorBanner error={s.error} what="Schedules" />
      {s.data && drills.length === 0 && (
        <Empty testId="drill-schedules-empty">
          No drill is scheduled. Seed 001 asks for a restore drill monthly and an escalation drill each release cycle: add them to the schedules file
          (docs/schedules.md).
        </Empty>
      )}
      {drills.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Schedule</th>
              <th>Drill</th>
              <th>When</th>
              <th>Next</th>
              <th>Last</th>
            </tr>
          </thead>
          <tbody>
            {drills.map((x) => (
              <tr key={x.name} data-testid="drill-schedule">
                <td>{x.name}</td>
                <td>{x.job.summary}</td>
                <td>
                  <Mono>{x.cron}</Mono> <span className="muted small">{x.timezone}</span>
                </td>
                <td>
                  <Time iso={x.next} compact />
                </td>
                <td className="small">
                  {x.last ? <span className={`badge so-${x.last.outcome}`}>{x.last.outcome}</span> : <span className="muted">never</span>}
                  {!x.wired && <span className="tag warn">not wired</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** Operators start a drill; it runs on the server, the list shows it running, then its result. */
function StartDrill({ onStarted }: { onStarted: () => void }) {
  const { can, session } = useSession();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<(typeof DRILL_KINDS)[number]>('restore');
  const [env, setEnv] = useState('staging');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!can('operator')) return <div className="muted small">Starting a drill needs the operator role (you are {session.role}).</div>;
  if (!open)
    return (
      <div className="rel-new-row">
        <button type="button" className="btn-small" onClick={() => setOpen(true)} data-testid="drill-new">
          Run a drill…
        </button>
      </div>
    );
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    api.drills
      .start({ kind, ...(env ? { env } : {}) })
      .then((r) => {
        setOpen(false);
        onStarted();
        navigate(`/drills/${encodeURIComponent(r.id)}`);
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };
  return (
    <form className="drill-new" onSubmit={submit} data-testid="drill-form">
      <label className="filter">
        kind
        <select value={kind} onChange={(e) => setKind(e.target.value as (typeof DRILL_KINDS)[number])} data-testid="drill-kind">
          {DRILL_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        environment
        <input value={env} onChange={(e) => setEnv(e.target.value)} data-testid="drill-env" />
      </label>
      <span className="muted small">{WHAT[kind]}</span>
      <button type="submit" disabled={busy} data-testid="drill-start">
        {busy ? 'Starting…' : 'Start'}
      </button>
      <button type="button" className="link" onClick={() => setOpen(false)}>
        cancel
      </button>
      <ErrorBanner error={error} what="Starting the drill" />
    </form>
  );
}

/** One drill: verdict, figures against targets, every check, step timings, the log and the evidence. */
export function DrillPage({ id }: { id: string }) {
  const [done, setDone] = useState(false);
  const d = useLoad(
    () =>
      api.drills.get(id).then((x) => {
        setDone(x.state === 'finished');
        return x;
      }),
    `drill:${id}`,
    done ? undefined : FAST_MS,
  );
  const x = d.data;
  const r = x?.drill ?? null;
  const head = r ?? x?.running ?? null;
  return (
    <div className="drill-page">
      <Panel
        title={
          <>
            Drill <Mono>{id}</Mono> {r && <Verdict passed={r.passed} />}
            {x?.state === 'running' && <span className="badge st-running">running</span>}
          </>
        }
        testId="drill"
        actions={<Link to="/drills">all drills</Link>}
      >
        <ErrorBanner error={d.error} what="The drill" />
        {!x || !head ? (
          !d.error && <Loading what="the drill" />
        ) : (
          <>
            <dl className="facts">
              <dt>kind</dt>
              <dd>{head.kind}</dd>
              {head.env && (
                <>
                  <dt>env</dt>
                  <dd>{head.env}</dd>
                </>
              )}
              <dt>by</dt>
              <dd>
                <Actor id={head.actor} />
              </dd>
              <dt>started</dt>
              <dd>
                <Time iso={head.startedAt} />
              </dd>
              {r && (
                <>
                  <dt>finished</dt>
                  <dd>
                    <Time iso={r.finishedAt} />
                  </dd>
                </>
              )}
            </dl>
            {r && r.reasons.length > 0 && (
              <div className="drill-why" data-testid="drill-reasons">
                <strong>Why it failed</strong>
                <ul>
                  {r.reasons.map((why) => (
                    <li key={why}>{why}</li>
                  ))}
                </ul>
              </div>
            )}
            {r && <Figures r={r} />}
            {x.checks.length > 0 && (
              <>
                <h3>Checks</h3>
                <ul className="drill-checks" data-testid="drill-checks">
                  {x.checks.map((c) => (
                    <li key={c.name} className={c.ok ? 'ok' : 'bad'} data-ok={c.ok}>
                      <span aria-hidden="true">{c.ok ? '✔' : '✖'}</span> <strong>{c.name}</strong> <span className="muted">{c.detail}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {x.steps.length > 0 && (
              <>
                <h3>What was done</h3>
                <ol className="drill-done" data-testid="drill-done">
                  {x.steps.map((line, i) => (
                    <li key={i}>{line}</li>
                  ))}
                </ol>
              </>
            )}
            {x.log.length > 0 && (
              <>
                <h3>Log</h3>
                <pre className="output" data-testid="drill-log">
                  {x.log.join('\n')}
                </pre>
              </>
            )}
            {r && (
              <div className="drill-evidence">
                {r.evidence.available && (
                  <a className="button big-btn" href={api.drills.evidenceUrl(r.id)} download data-testid="drill-evidence">
                    Download the evidence
                  </a>
                )}
                <span className="muted small">
                  manifest sha256 <Mono>{r.evidence.manifestSha256}</Mono>, pinned by ledger entry {r.evidence.index}; check it offline with{' '}
                  <code>runledger-verify evidence DIR</code>
                </span>
              </div>
            )}
          </>
        )}
      </Panel>
    </div>
  );
}
function Figures({ r }: { r: Pick<DrillRecord, 'measured' | 'targets'> }) {
  const rows: [string, number | undefined, number | undefined][] = [
    ['RTO', r.measured.rtoSeconds, r.targets.rtoSeconds],
    ['RPO', r.measured.rpoSeconds, r.targets.rpoSeconds],
    ['Delivery', r.measured.deliverySeconds, r.targets.deliverySeconds],
    ['Level 2 after the deadline', r.measured.escalationSeconds, undefined],
  ];
  const steps = Object.entries(r.measured.steps ?? {});
  const total = steps.reduce((n, [, v]) => n + v, 0);
  return (
    <>
      <table className="grid drill-figures" data-testid="drill-figures">
        <thead>
          <tr>
            <th>Figure</th>
            <th>Measured</th>
            <th>Target</th>
          </tr>
        </thead>
        <tbody>
          {rows
            .filter(([, v]) => v !== undefined)
            .map(([name, v, t]) => (
              <tr key={name} className={t !== undefined && v! > t ? 'over' : ''}>
                <td>{name}</td>
                <td className="mono">{seconds(v!)}</td>
                <td className="mono">{t !== undefined ? seconds(t) : '–'}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {steps.length > 0 && (
        <>
          <h3>Steps</h3>
          <div className="drill-steps" data-testid="drill-steps">
            {steps.map(([name, v]) => (
              <div key={name} className="drill-step" title={`${name}: ${seconds(v)}`}>
                <span className="drill-step-name">{name}</span>
                <span className="drill-step-bar">
                  <progress max={total || 1} value={v} aria-label={`${name} ${seconds(v)}`} />
                </span>
                <span className="mono small">{seconds(v)}</span>
              </div>
            ))}
          </div>
        </>
      )}
    </>
  );
}
