// The dashboard: open incidents first (severity and acknowledgement countdown), then what needs
// attention now (approvals, active and interrupted runs, recent failures), then the ledger's head and last verification, the freeze state and readiness.
import { api } from '../api/client';
import { Actor, ErrorBanner, Loading, Mono, Panel, Status, Time, useLoad } from '../components/common';
import { IncidentTable } from '../components/Incident';
import { RunTable } from '../components/RunTable';
import { VerificationResult } from '../components/Verification';
import { useShell } from '../shell';
import { duration } from '../format';
import { loadIncidents } from './Incidents';
import { DashServices } from './Services';
import { Link } from '../router';

const FAILED = ['failed', 'rolled_back', 'aborted'];

export function Dashboard() {
  const { policy } = useShell();
  const runs = useLoad(
    async () => {
      const [waiting, running, interrupted, recent] = await Promise.all([
        api.runs.list({ state: 'waiting_approval', limit: 50 }),
        api.runs.list({ state: 'running', limit: 50 }),
        api.runs.list({ state: 'interrupted', limit: 50 }),
        api.runs.list({ limit: 50 }),
      ]);
      const pending = recent.runs.filter((r) => r.state === 'pending');
      return {
        waiting: waiting.runs,
        active: [...pending, ...running.runs, ...interrupted.runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
        failures: recent.runs.filter((r) => FAILED.includes(r.state)).slice(0, 8),
        total: recent.runs.length,
        recent: recent.runs.slice(0, 8),
      };
    },
    'dash-runs',
    5000,
  );
  const head = useLoad(() => api.ledger.head(), 'dash-head', 10_000);
  const verify = useLoad(() => api.ledger.lastVerification(), 'dash-verify', 30_000);
  const ready = useLoad(() => api.ready(), 'dash-ready', 10_000);
  const health = useLoad(() => api.health(), 'dash-health', 30_000);
  const freeze = policy?.freeze ?? null;
  const incidents = useLoad(() => loadIncidents({ state: 'open', limit: 50 }), 'dash-incidents', 5000);
  const open = incidents.data?.incidents ?? [];
  const triggered = open.filter((i) => i.state === 'triggered').length;

  return (
    <>
      <Panel
        title={
          <>
            Open incidents {incidents.data && <span className={`count${triggered > 0 ? ' bad' : ''}`}>{open.length}</span>}
            {triggered > 0 && <span className="count bad">{triggered} not acknowledged</span>}
          </>
        }
        className={`dash-incidents${triggered > 0 ? ' paging' : ''}`}
        testId="dash-incidents"
        actions={
          <>
            <Link to="/oncall">on-call</Link>
            <Link to="/incidents">all incidents</Link>
          </>
        }
      >
        <ErrorBanner error={incidents.error} what="Incidents" />
        {!incidents.data ? (
          !incidents.error && <Loading what="incidents" />
        ) : open.length === 0 ? (
          <div className="empty-inline ok-text">No open incident.</div>
        ) : (
          <IncidentTable incidents={open} compact testId="dash-incident-table" />
        )}
      </Panel>
      <div className="dash">
        <div className="dash-col wide">
          <Panel title={<>Waiting for approval {runs.data && <span className="count">{runs.data.waiting.length}</span>}</>} testId="dash-waiting">
            <ErrorBanner error={runs.error} what="Runs" />
            {!runs.data ? (
              !runs.error && <Loading what="runs" />
            ) : runs.data.waiting.length === 0 ? (
              <div className="empty-inline">Nothing waits for approval.</div>
            ) : (
              <RunTable runs={runs.data.waiting} compact />
            )}
          </Panel>
          <Panel title={<>Active runs {runs.data && <span className="count">{runs.data.active.length}</span>}</>} testId="dash-active">
            {!runs.data ? null : runs.data.active.length === 0 ? (
              <div className="empty-inline">
                No run is in progress.{' '}
                {runs.data.total === 0 ? (
                  <>
                    No runs yet — start one from <Link to="/runbooks">Runbooks</Link>.
                  </>
                ) : (
                  <Link to="/runs">All runs</Link>
                )}
              </div>
            ) : (
              <RunTable runs={runs.data.active} showReason compact />
            )}
          </Panel>
          <Panel title="Recent failures" testId="dash-failures" actions={<Link to="/runs?state=failed">failed runs</Link>}>
            {!runs.data ? null : runs.data.failures.length === 0 ? (
              <div className="empty-inline">No failed, rolled back or aborted run among the last 50.</div>
            ) : (
              <RunTable runs={runs.data.failures} showReason compact />
            )}
          </Panel>
          {runs.data && runs.data.recent.length > 0 && (
            <Panel title="Latest runs" testId="dash-recent" actions={<Link to="/runs">all runs</Link>}>
              <RunTable runs={runs.data.recent} showReason compact />
            </Panel>
          )}
        </div>
        <div className="dash-col">
          <DashServices />
          <Panel title="Automation" testId="dash-freeze">
            {!policy ? (
              <Loading what="policy" />
            ) : freeze ? (
              <div className="freeze-card frozen" data-testid="dash-freeze-state" data-frozen="true">
                <div className="big">FROZEN</div>
                <div>“{freeze.reason}”</div>
                <div className="muted small">
                  by <Actor id={freeze.by} /> · <Time iso={freeze.at} />
                </div>
                <Link to="/policy">Unfreeze on the Policy page</Link>
              </div>
            ) : (
              <div className="freeze-card live" data-testid="dash-freeze-state" data-frozen="false">
                <div className="big">Running normally</div>
                <div className="muted small">
                  Not frozen. An admin can freeze all automation from <Link to="/policy">Policy</Link>.
                </div>
              </div>
            )}
          </Panel>
          <Panel title="Ledger" testId="dash-ledger" actions={<Link to="/ledger">browse</Link>}>
            <ErrorBanner error={head.error} what="Ledger head" />
            {head.data && (
              <dl className="kv">
                <dt>Entries</dt>
                <dd data-testid="dash-ledger-size">{head.data.size.toLocaleString()}</dd>
                <dt>Origin</dt>
                <dd className="mono small">{head.data.origin}</dd>
                <dt>Root</dt>
                <dd>
                  <Mono title={head.data.root}>{head.data.root}</Mono>
                </dd>
                <dt>Checkpoint</dt>
                <dd>
                  <details>
                    <summary>signed note</summary>
                    <pre className="note">{head.data.checkpoint}</pre>
                  </details>
                </dd>
              </dl>
            )}
            <div className="sub-head">Last verification</div>
            <ErrorBanner error={verify.error} what="Verification" />
            {verify.data &&
              (verify.data.last ? (
                <VerificationResult v={verify.data.last} />
              ) : (
                <div className="empty-inline">
                  Never verified. Run one from the <Link to="/ledger">Ledger</Link> page.
                </div>
              ))}
          </Panel>
          <Panel title={<>Readiness {ready.data && <Status value={ready.data.ready ? 'ready' : 'not_ready'} testId="dash-ready" />}</>} testId="dash-readiness">
            <ErrorBanner error={ready.error} what="Readiness" />
            {ready.data && (
              <ul className="checks">
                {ready.data.checks.map((c) => (
                  <li key={c.name} className={c.ok ? 'ok' : 'bad'} data-testid={`check-${c.name}`}>
                    <span className="check-mark" aria-label={c.ok ? 'ok' : 'failing'}>
                      {c.ok ? '✔' : '✖'}
                    </span>
                    <span className="check-name">{c.name}</span>
                    <span className="check-detail">{c.detail}</span>
                  </li>
                ))}
              </ul>
            )}
            {health.data && (
              <div className="muted small">
                version <code>{health.data.version}</code> · up {duration(health.data.uptimeSeconds * 1000)}
              </div>
            )}
          </Panel>
        </div>
      </div>
    </>
  );
}
