// One release: its state and what it runs at the top, with Roll back (operators, while it can be) and the
// evidence bundle; a rollback waiting for an approval with who asked and why it waits, and Approve for
// an approver who did not ask (the server enforces it too); the gates with their runs and reasons; the
// bake window as a bar with the time left; why it failed; the rollback record with its post-rollback
// checks; the incidents of its window; and the timeline of its facts. Polls every 2 s while it is busy
// or waiting, every 10 s otherwise; each panel has its own error boundary.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, type ReleaseDetail, type ReleaseView } from '../api/client';
import { Actor, Empty, ErrorBanner, Facts, Loading, Mono, Panel, Time, useLoad } from '../components/common';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { IncidentStateBadge, SeverityBadge } from '../components/Incident';
import { ReleaseBadge } from '../components/Release';
import { absolute, duration, shortId, useNow } from '../format';
import { bakeProgress, bakeSummary, factRun, factText, gateOutcome, GATE_WORD, isBusy, rollbackLine } from '../releases';
import { Link } from '../router';
import { useSession } from '../session';

const FAST_MS = 2000;
const SLOW_MS = 10_000;

export function ReleasePage({ id }: { id: string }) {
  const [fast, setFast] = useState(true);
  const loaded = useLoad(
    () =>
      api.releases.get(id).then((d) => {
        setFast(isBusy(d.release) || d.release.pendingRollback !== null || d.release.state === 'planned');
        return d;
      }),
    `release:${id}`,
    fast ? FAST_MS : SLOW_MS,
  );
  // An action's answer shows at once; the next poll brings the rest (timeline, canRollback).
  const [acted, setActed] = useState<ReleaseView | null>(null);
  const d = loaded.data;
  if (!d) {
    if (loaded.error)
      return (
        <>
          <ErrorBanner error={loaded.error} what={`Release ${id}`} />
          <Link to="/releases">Back to the releases</Link>
        </>
      );
    return <Loading what="release" />;
  }
  const r = acted && acted.updatedAt > d.release.updatedAt ? acted : d.release;
  const onDone = (x: ReleaseView): void => {
    setActed(x);
    setFast(true);
    loaded.reload();
  };
  const section = (what: string, node: ReactNode) => (
    <ErrorBoundary what={what} resetKey={`${r.id}:${r.updatedAt}`}>
      {node}
    </ErrorBoundary>
  );

  return (
    <div className="release-page" data-testid="release" data-release={r.id} data-state={r.state}>
      <ErrorBanner error={loaded.error} what="Refreshing the release (showing the last answer)" />
      <ReleaseHead d={d} r={r} onDone={onDone} />
      {r.pendingRollback && section('the waiting rollback', <PendingPanel r={r} onDone={onDone} />)}
      {(r.failure || r.rollbackRefused || r.rollbackProposed) && section('the failure', <FailurePanel r={r} />)}
      <div className="rel-cols">
        <div className="rel-main">
          {section('the gates', <GatesPanel r={r} />)}
          {section('the bake window', <BakePanel r={r} />)}
          {r.rollback && section('the rollback', <RollbackPanel r={r} />)}
        </div>
        <div className="rel-side">
          {section('the incidents', <IncidentsPanel d={d} />)}
          {section('the timeline', <TimelinePanel d={d} />)}
        </div>
      </div>
    </div>
  );
}

function ReleaseHead({ d, r, onDone }: { d: ReleaseDetail; r: ReleaseView; onDone: (x: ReleaseView) => void }) {
  const { can, session } = useSession();
  const [form, setForm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const operator = can('operator');
  const rollbackWhy = !operator
    ? `needs role operator (you are ${session.role})`
    : r.pendingRollback
      ? 'a rollback is already waiting for an approval'
      : r.rollback && !r.rollback.outcome
        ? 'its rollback is running'
        : r.state === 'rolled_back'
          ? 'already rolled back'
          : !d.canRollback
            ? r.state === 'planned'
              ? 'not deployed yet'
              : r.state === 'deploying'
                ? 'still deploying: wait for the deploy to end'
                : 'nothing to roll back'
            : null;
  const deployWhy = !operator ? `needs role operator (you are ${session.role})` : null;
  const deploy = (): void => {
    setBusy(true);
    setError(null);
    api.releases.deploy(r.id).then(
      (x) => {
        setBusy(false);
        onDone(x);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  return (
    <section className={`panel release-head rs-edge-${r.state}`} data-testid="release-head">
      <div className="crumbs small">
        <Link to="/releases">Releases</Link> /{' '}
        <Link to={`/releases?service=${encodeURIComponent(r.service)}&env=${encodeURIComponent(r.env)}`}>
          {r.service} in {r.env}
        </Link>{' '}
        / <span className="mono">{r.id}</span>
      </div>
      <div className="rel-title-row">
        <ReleaseBadge r={r} testId="release-state" />
        <h1 data-testid="release-title">
          {r.service} <span className="mono">{r.version}</span> <span className="muted">→</span> <span className="env big-env">{r.env}</span>
        </h1>
        {isBusy(r) && <span className="live-dot">live</span>}
      </div>
      <Facts
        items={[
          ['Requested by', <Actor key="a" id={r.requestedBy} you={session.actor} />],
          ['Created', <Time key="c" iso={r.createdAt} />],
          r.deployStartedAt !== undefined && ['Deploy started', <Time key="d" iso={r.deployStartedAt} />],
          r.deployedAt !== undefined && ['Deployed', <Time key="dd" iso={r.deployedAt} />],
          r.announcedAt !== undefined && ['Announced', <Time key="an" iso={r.announcedAt} />],
          r.failedAt !== undefined && ['Failed', <Time key="f" iso={r.failedAt} />],
          [
            'Artifact',
            <span key="ar">
              <Mono>{r.artifact.ref}</Mono> <Mono title={r.artifact.digest}>{`${r.artifact.digest.slice(0, 19)}…`}</Mono>
            </span>,
          ],
          r.migration && ['Migration', `${r.migration.id} (${r.migration.kind}${r.migration.revision ? `, revision ${r.migration.revision}` : ''})`],
          r.previous !== undefined && [
            'Previous',
            <Link key="p" to={`/releases/${encodeURIComponent(r.previous)}`}>
              <Mono>{shortId(r.previous)}</Mono>
            </Link>,
          ],
          r.runbooks.deploy !== undefined && ['Deploy runbook', <Mono key="rb">{r.runbooks.deploy}</Mono>],
          r.runbooks.rollback !== undefined && ['Rollback runbook', <Mono key="rr">{r.runbooks.rollback}</Mono>],
        ]}
      />
      <div className="action-row rel-actions">
        {r.state === 'planned' && (
          <Action why={deployWhy}>
            <button type="button" className="primary big-btn" disabled={deployWhy !== null || busy} onClick={deploy} data-testid="release-deploy-button">
              {busy ? 'Starting…' : 'Deploy'}
            </button>
          </Action>
        )}
        <Action why={rollbackWhy}>
          <button
            type="button"
            className={`danger big-btn${form ? ' on' : ''}`}
            disabled={rollbackWhy !== null}
            onClick={() => setForm(!form)}
            data-testid="rollback-button"
          >
            Roll back…
          </button>
        </Action>
        <Action why={null}>
          <a className="button big-btn" href={api.releases.evidenceUrl(r.id)} download data-testid="release-evidence">
            Evidence (.tar)
          </a>
        </Action>
      </div>
      <ErrorBanner error={error} what="Deploy" onDismiss={() => setError(null)} />
      {form && rollbackWhy === null && (
        <RollbackForm
          r={r}
          onClose={() => setForm(false)}
          onDone={(x) => {
            setForm(false);
            onDone(x);
          }}
        />
      )}
    </section>
  );
}

function Action({ why, children }: { why: string | null; children: ReactNode }) {
  return (
    <div className="action" title={why ?? undefined}>
      {children}
      {why && (
        <div className="why" data-testid="action-why">
          {why}
        </div>
      )}
    </div>
  );
}

function RollbackForm({ r, onClose, onDone }: { r: ReleaseView; onClose: () => void; onDone: (x: ReleaseView) => void }) {
  const targets = useLoad(() => api.releases.list({ service: r.service, env: r.env, state: 'announced', limit: 50 }), `rollback-targets:${r.id}`);
  const [reason, setReason] = useState('');
  const [to, setTo] = useState('');
  const [revision, setRevision] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const options = (targets.data?.releases ?? []).filter((x) => x.id !== r.id);
  const picked = options.find((x) => x.id === to) ?? (r.previous ? options.find((x) => x.id === r.previous) : undefined) ?? options[0];
  const destructive = r.migration?.kind === 'destructive';

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!reason.trim()) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setError(null);
    api.releases
      .rollback({
        service: r.service,
        env: r.env,
        from: r.id,
        ...(to ? { to } : {}),
        ...(revision.trim() ? { revision: revision.trim() } : {}),
        reason: reason.trim(),
      })
      .then(
        (res) => {
          setBusy(false);
          onDone(res.release);
        },
        (e: unknown) => {
          setBusy(false);
          setError(e);
        },
      );
  };

  return (
    <form className="action-form rollback-form" onSubmit={submit} data-testid="rollback-form">
      <div className="consequences" data-testid="rollback-consequences">
        <strong>
          Rolls {r.service} in {r.env} back from {r.version} to {picked ? picked.version : 'the previous good release'}.
        </strong>
        <ul>
          <li>
            The ledger is verified first; a ledger that does not verify refuses the rollback. The rollback runbook{' '}
            {r.runbooks.rollback ? <Mono>{r.runbooks.rollback}</Mono> : '(the catalog’s)'} runs with your reason, recorded in the ledger with your name.
          </li>
          <li>
            {destructive ? (
              <>
                This release ran a <strong>destructive</strong> migration ({r.migration?.id}): the rollback downgrades the schema to the revision below, and
                always waits for someone else&apos;s approval.
              </>
            ) : (
              <>
                Image-only: the binary goes back; queue state, artifacts, the audit chain and database migrations stay as they are (the target must run on the
                current schema).
              </>
            )}
          </li>
          <li>
            In <span className="env">production</span> (or wherever the catalog&apos;s <code>release.approvals</code> says) it waits for an approver or admin
            other than you; elsewhere it starts at once.
          </li>
          {r.postRollbackChecklist && (
            <li>
              Afterwards the checklist <Mono>{r.postRollbackChecklist}</Mono> runs, whether the rollback worked or not.
            </li>
          )}
        </ul>
      </div>
      <label className="block">
        Reason <span className="req">(required)</span>
        <textarea
          rows={2}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="gate release-smoke failed: healthz 500"
          aria-invalid={missing}
          data-testid="rollback-reason"
        />
      </label>
      {missing && (
        <div className="field-error" data-testid="rollback-reason-missing">
          A rollback needs a reason: it is recorded with it.
        </div>
      )}
      <div className="row rollback-opts">
        <label>
          Go back to
          <select value={to} onChange={(e) => setTo(e.target.value)} data-testid="rollback-to">
            <option value="">the previous good release (default)</option>
            {options.map((x) => (
              <option key={x.id} value={x.id}>
                {x.version} — announced {x.announcedAt ? absolute(x.announcedAt) : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Schema revision {destructive ? <span className="req">(needed: destructive migration)</span> : <span className="muted">(optional)</span>}
          <input value={revision} onChange={(e) => setRevision(e.target.value)} placeholder={r.migration?.revision ?? ''} data-testid="rollback-revision" />
        </label>
      </div>
      <ErrorBanner error={error} what="Rollback" />
      <div className="form-actions">
        <button type="submit" className="danger" disabled={busy} data-testid="rollback-submit">
          {busy ? 'Asking…' : 'Roll back'}
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function PendingPanel({ r, onDone }: { r: ReleaseView; onDone: (x: ReleaseView) => void }) {
  const { can, session } = useSession();
  const p = r.pendingRollback!;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mine = p.actor === session.actor;
  const approveWhy = !can('approver')
    ? `needs role approver or admin (you are ${session.role})`
    : mine
      ? 'you asked for this rollback: someone else must approve it'
      : null;
  const cancelWhy = can('operator') ? null : `needs role operator (you are ${session.role})`;
  const act = (name: string, call: () => Promise<ReleaseView>): void => {
    setBusy(name);
    setError(null);
    call().then(
      (x) => {
        setBusy(null);
        onDone(x);
      },
      (e: unknown) => {
        setBusy(null);
        setError(e);
      },
    );
  };
  return (
    <section className="panel pending-rollback" data-testid="pending-rollback">
      <div className="pending-head">
        <span className="badge st-waiting_approval">waiting for approval</span>
        <strong>
          {p.auto ? 'An automatic rollback' : 'A rollback'} of {r.version}
          {p.to ? ` to ${shortId(p.to)}` : ''} waits for someone else&apos;s approval.
        </strong>
      </div>
      <Facts
        items={[
          ['Asked by', <Actor key="a" id={p.actor} you={session.actor} />],
          ['At', <Time key="t" iso={p.at} />],
          [
            'Reason',
            <span key="r" data-testid="pending-reason">
              {p.reason}
            </span>,
          ],
          [
            'Why it waits',
            <span key="w" data-testid="pending-why">
              {p.why}
            </span>,
          ],
          p.revision !== undefined && ['Revision', <Mono key="rv">{p.revision}</Mono>],
          p.override && ['Ledger override', p.override.reason],
        ]}
      />
      <div className="action-row">
        <Action why={approveWhy}>
          <button
            type="button"
            className="approve big-btn"
            disabled={approveWhy !== null || busy !== null}
            onClick={() => act('approve', () => api.releases.approve(r.id))}
            data-testid="rollback-approve"
          >
            {busy === 'approve' ? 'Approving…' : 'Approve rollback'}
          </button>
        </Action>
        <Action why={cancelWhy}>
          <button
            type="button"
            className="big-btn"
            disabled={cancelWhy !== null || busy !== null}
            onClick={() => act('cancel', () => api.releases.cancel(r.id))}
            data-testid="rollback-cancel"
          >
            {busy === 'cancel' ? 'Withdrawing…' : 'Withdraw'}
          </button>
        </Action>
      </div>
      <ErrorBanner error={error} what="The waiting rollback" onDismiss={() => setError(null)} />
    </section>
  );
}

function FailurePanel({ r }: { r: ReleaseView }) {
  return (
    <section className="panel rel-failure" data-testid="release-failure">
      {r.failure && (
        <div>
          <strong>Failed at {r.failure.gate}:</strong> <span data-testid="release-failure-reason">{r.failure.reason}</span>
        </div>
      )}
      {r.rollbackProposed && (
        <div className="small">
          Rollback {r.rollbackProposed.mode === 'on' ? 'started automatically' : 'proposed for approval'} <Time iso={r.rollbackProposed.at} compact />:{' '}
          {r.rollbackProposed.reason}
        </div>
      )}
      {r.rollbackRefused && (
        <div className="small" data-testid="rollback-refused">
          Rollback refused <code className="code-tag">{r.rollbackRefused.code}</code> <Time iso={r.rollbackRefused.at} compact />: {r.rollbackRefused.reason}
        </div>
      )}
    </section>
  );
}

function GatesPanel({ r }: { r: ReleaseView }) {
  const deployOutcome = r.deployedAt ? 'passed' : r.state === 'deploying' ? 'running' : r.failure?.gate === 'deploy' ? 'failed' : 'pending';
  return (
    <Panel title={<>Gates {<span className="count">{r.gates.length}</span>}</>} testId="release-gates">
      <table className="grid gates">
        <thead>
          <tr>
            <th>Gate</th>
            <th>Kind</th>
            <th>Outcome</th>
            <th>Run</th>
            <th>Reason</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {(r.deployStartedAt || r.runbooks.deploy) && (
            <tr data-testid="gate-row" data-gate="deploy" data-outcome={deployOutcome} className="deploy-row">
              <td>
                <strong>deploy</strong> {r.runbooks.deploy && <Mono>{r.runbooks.deploy}</Mono>}
              </td>
              <td>runbook</td>
              <td>
                <span className={`badge go-${deployOutcome}`}>
                  {deployOutcome === 'pending' ? 'not yet' : deployOutcome === 'passed' ? 'deployed' : deployOutcome}
                </span>
              </td>
              <td>{r.deployRunId ? <RunLink id={r.deployRunId} /> : <span className="muted">–</span>}</td>
              <td className="reason">{r.failure?.gate === 'deploy' ? r.failure.reason : ''}</td>
              <td>
                <Time iso={r.deployedAt ?? r.deployStartedAt} compact />
              </td>
            </tr>
          )}
          {r.gates.map((g) => {
            const o = gateOutcome(g, r);
            return (
              <tr key={g.name} data-testid="gate-row" data-gate={g.name} data-outcome={o}>
                <td>
                  <strong>{g.name}</strong> {g.target && g.target !== g.name && <Mono>{g.target}</Mono>}
                </td>
                <td>{g.kind}</td>
                <td>
                  <span className={`badge go-${o}`} data-testid="gate-outcome">
                    {GATE_WORD[o]}
                  </span>
                </td>
                <td>{g.runId ? <RunLink id={g.runId} /> : <span className="muted">–</span>}</td>
                <td className="reason" data-testid="gate-reason">
                  {g.reason ?? ''}
                </td>
                <td>
                  <Time iso={g.at} compact />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {r.gates.length === 0 && <Empty>No gate: the catalog gives this service no verify runbook, checklist or bake window.</Empty>}
    </Panel>
  );
}

function RunLink({ id }: { id: string }) {
  return (
    <Link to={`/runs/${encodeURIComponent(id)}`} className="mono" data-testid="run-link" title={id}>
      {shortId(id)}
    </Link>
  );
}

const BAR_W = 600;

function BakePanel({ r }: { r: ReleaseView }) {
  const now = useNow(1000);
  const b = bakeProgress(r, now);
  // The window held when the release was announced, even if it was rolled back afterwards.
  const held = r.announcedAt !== undefined;
  return (
    <Panel title="Bake window" testId="release-bake">
      <div className="small muted">{bakeSummary(r)}</div>
      {!b ? (
        <div className="muted bake-none" data-testid="bake-state">
          {r.bake.durationMs === 0
            ? 'No bake window: announced as soon as the gates pass.'
            : r.state === 'planned' || r.state === 'deploying' || r.state === 'verifying'
              ? `Starts when the gates pass (${duration(r.bake.durationMs)}).`
              : 'Never started.'}
        </div>
      ) : (
        <div className="bake" data-testid="bake-state" data-open={b.open}>
          <svg
            className="bake-bar"
            viewBox={`0 0 ${BAR_W} 14`}
            preserveAspectRatio="none"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(b.fraction * 100)}
          >
            <rect x={0} y={0} width={BAR_W} height={14} rx={3} className="bake-track" />
            <rect x={0} y={0} width={BAR_W * b.fraction} height={14} rx={3} className={`bake-fill${b.open ? ' open' : held ? ' ok' : ' bad'}`} />
          </svg>
          <div className="bake-labels small">
            <span>
              started <Time iso={b.startedAt} compact />
            </span>
            <strong data-testid="bake-left">
              {b.open
                ? `${duration(b.leftMs)} left (${Math.round(b.fraction * 100)} %)`
                : held
                  ? `held: announced${r.state === 'rolled_back' ? ' (rolled back later)' : ''}`
                  : `ended early: ${r.state.replace(/_/g, ' ')}`}
            </strong>
            <span>
              ends {absolute(b.endsAt).slice(11)} <span className="muted">({absolute(b.endsAt).slice(0, 10)})</span>
            </span>
          </div>
        </div>
      )}
    </Panel>
  );
}

function RollbackPanel({ r }: { r: ReleaseView }) {
  const rb = r.rollback!;
  const state = rb.outcome ?? 'running';
  return (
    <Panel title="Rollback" testId="release-rollback">
      <div className="rb-line">
        <span className={`badge go-${state === 'success' ? 'passed' : state === 'failure' ? 'failed' : 'running'}`} data-testid="rollback-outcome">
          {state === 'success' ? 'rolled back' : state === 'failure' ? 'rollback failed' : 'rolling back'}
        </span>{' '}
        <strong data-testid="rollback-line">{rollbackLine(r)}</strong>
      </div>
      <dl className="kv">
        <dt>To</dt>
        <dd>
          <Link to={`/releases/${encodeURIComponent(rb.to)}`}>
            {rb.toVersion} <span className="muted mono small">{shortId(rb.to)}</span>
          </Link>
        </dd>
        <dt>Asked by</dt>
        <dd>
          <Actor id={rb.actor} />
        </dd>
        <dt>Reason</dt>
        <dd data-testid="rollback-reason-shown">{rb.reason}</dd>
        <dt>Approved by</dt>
        <dd data-testid="rollback-approved-by">{rb.approvedBy ? <Actor id={rb.approvedBy} /> : <span className="muted">no approval needed</span>}</dd>
        <dt>Started</dt>
        <dd>
          <Time iso={rb.startedAt} />
        </dd>
        <dt>Run</dt>
        <dd>{rb.runId ? <RunLink id={rb.runId} /> : <span className="muted">–</span>}</dd>
        {rb.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>
              <Time iso={rb.finishedAt} />
            </dd>
          </>
        )}
        {rb.detail && (
          <>
            <dt>Detail</dt>
            <dd>{rb.detail}</dd>
          </>
        )}
        <dt>After it</dt>
        <dd data-testid="rollback-postchecks">
          {rb.postChecks ? (
            <>
              <span className={`badge go-${rb.postChecks.passed ? 'passed' : 'failed'}`}>{rb.postChecks.passed ? 'checks passed' : 'checks failed'}</span>{' '}
              {r.postRollbackChecklist && <Mono>{r.postRollbackChecklist}</Mono>} {rb.postChecks.reason}
            </>
          ) : r.postRollbackChecklist ? (
            <span className="muted">
              checklist <Mono>{r.postRollbackChecklist}</Mono> {rb.outcome ? 'not recorded' : 'runs when the rollback ends'}
            </span>
          ) : (
            <span className="muted">no post-rollback checklist in the catalog</span>
          )}
        </dd>
      </dl>
    </Panel>
  );
}

function IncidentsPanel({ d }: { d: ReleaseDetail }) {
  return (
    <Panel
      title={<>Incidents of the window {<span className={`count${d.incidents.length > 0 ? ' bad' : ''}`}>{d.incidents.length}</span>}</>}
      testId="release-incidents"
    >
      {d.incidents.length === 0 ? (
        <Empty>No incident of {d.release.service} opened since its deploy.</Empty>
      ) : (
        <ul className="svc-incidents">
          {d.incidents.map((i) => (
            <li key={i.id} data-testid="release-incident">
              <div className="svc-inc-line">
                <SeverityBadge value={i.severity} />
                <IncidentStateBadge value={i.state} />
                <Link to={`/incidents/${encodeURIComponent(i.id)}`} className="svc-inc-title">
                  {i.title}
                </Link>
              </div>
              <div className="small muted">
                opened <Time iso={i.openedAt} compact />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function TimelinePanel({ d }: { d: ReleaseDetail }) {
  const items = [...d.timeline].reverse();
  return (
    <Panel title="Timeline" actions={<span className="muted small">newest first</span>} testId="release-timeline-facts">
      {items.length === 0 ? (
        <Empty>No fact yet.</Empty>
      ) : (
        <ol className="itl rel-facts">
          {items.map((f) => {
            const run = factRun(f);
            return (
              <li key={f.seq} className={`itl-item rf-${f.type.replace(/[^a-z]+/g, '-')}`} data-testid="release-fact" data-type={f.type}>
                <span className="itl-dot" />
                <div>
                  <div className="itl-text">
                    {factText(f)}
                    {run && (
                      <>
                        {' '}
                        <RunLink id={run} />
                      </>
                    )}
                  </div>
                  <div className="small muted">
                    <Time iso={f.at} compact /> · {absolute(f.at).slice(11)} · {f.type}
                  </div>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Panel>
  );
}
