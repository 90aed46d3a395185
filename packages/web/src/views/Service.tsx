// One service: its state and why, the dependency graph (what depends on it, what it depends on,
// coloured by state and clickable), the open incidents about it (or its root cause), each check with
// its last result, its conditions with what was seen, a 24 h history chart and "Probe now" for
// operators, then its SLOs with the error budget over time. The state polls every 5 s; each panel has
// its own error boundary, so one that fails shows its error and the rest of the page stays.
import { useState } from 'react';
import { api, type CheckRun, type CheckSummary, type ServiceSummary, type SloView } from '../api/client';
import { Empty, ErrorBanner, Facts, Loading, Panel, Time, useLoad } from '../components/common';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { BudgetChart, Conditions, DependencyGraph, HealthBadge, HistoryChart } from '../components/Health';
import { AckCountdown, IncidentStateBadge, SeverityBadge } from '../components/Incident';
import { explanationLine, incidentsOf, interval, latency, percent, windowLabel } from '../health';
import { byUrgency, isOpen } from '../incidents';
import { Link } from '../router';
import { useSession } from '../session';
import { useServices } from './Services';

const SLO_POLL_MS = 30_000;

export function ServicePage({ name }: { name: string }) {
  const list = useServices(`services:${name}`);
  // The SLOs (with their budget series) are heavier than the states: fetched less often.
  const detail = useLoad(() => api.services.get(name), `service:${name}`, SLO_POLL_MS);
  const all = list.data?.services ?? [];
  const s: ServiceSummary | undefined = all.find((x) => x.name === name) ?? detail.data;

  if (!s) {
    if (list.data && !list.data.catalog)
      return (
        <Empty testId="service-missing">
          No service catalog is loaded. <Link to="/services">Services</Link> says how to add one.
        </Empty>
      );
    if (list.data && detail.error)
      return (
        <>
          <ErrorBanner error={detail.error} what={`Service ${name}`} />
          <Link to="/services">Back to the services</Link>
        </>
      );
    if (list.error && detail.error) return <ErrorBanner error={list.error} what="Services" />;
    return <Loading what="service" />;
  }

  const dependents = s.dependents.map((d) => {
    const other = all.find((x) => x.name === d);
    const edge = other?.dependsOn.find((e) => e.target === name || e.target.startsWith(`${name}/`));
    return { name: d, state: other?.state ?? 'unknown', optional: edge?.optional ?? false };
  });
  const causes = [name, ...(s.cause && s.cause.service !== name ? [s.cause.service] : [])];

  return (
    <div className="service-page" data-testid="service" data-service={s.name} data-state={s.state}>
      <ErrorBanner error={list.error} what="Refreshing the state (showing the last answer)" />
      <ServiceHead s={s} />
      <div className="svc-cols">
        <Panel title="Dependencies" testId="service-dependencies" className="svc-graph-panel">
          <ErrorBoundary what="the dependency graph" resetKey={name}>
            <DependencyGraph self={s} dependsOn={s.dependsOn} dependents={dependents} />
          </ErrorBoundary>
        </Panel>
        <ErrorBoundary what="the incidents" resetKey={name}>
          <ServiceIncidents services={causes} />
        </ErrorBoundary>
      </div>
      <Panel
        title={
          <>
            Checks <span className="count">{s.checks.length + s.components.reduce((n, c) => n + c.checks.length, 0)}</span>
          </>
        }
        testId="service-checks"
      >
        <ErrorBoundary what="the checks" resetKey={name}>
          {s.checks.length === 0 && s.components.length === 0 && (
            <div className="empty-inline">No checks: the service’s state comes from its dependencies.</div>
          )}
          {s.checks.map((c) => (
            <CheckBlock key={c.id} c={c} />
          ))}
          {s.components.map((comp) => (
            <div key={comp.id} className="component" data-testid="component" data-component={comp.id}>
              <div className="sub-head">
                component {comp.name} <HealthBadge state={comp.state} />
                {comp.optional && <span className="tag">optional</span>}
              </div>
              {comp.checks.length === 0 && <div className="empty-inline">No checks: always unknown.</div>}
              {comp.checks.map((c) => (
                <CheckBlock key={c.id} c={c} />
              ))}
            </div>
          ))}
        </ErrorBoundary>
      </Panel>
      <Panel
        title={<>SLOs {detail.data && <span className="count">{detail.data.slos.length}</span>}</>}
        testId="service-slos"
        actions={<span className="muted small">recomputed every {SLO_POLL_MS / 1000} s</span>}
      >
        <ErrorBoundary what="the SLOs" resetKey={name}>
          <ErrorBanner error={detail.error} what={detail.data ? 'Refreshing the SLOs (showing the last answer)' : 'SLOs'} />
          {!detail.data ? (
            !detail.error && <Loading what="SLOs" />
          ) : detail.data.slos.length === 0 ? (
            <div className="empty-inline">
              No SLO for this service. Add one under <code>slos:</code> in the catalog (see <code>docs/catalog.md</code>).
            </div>
          ) : (
            <div className="slo-grid">
              {detail.data.slos.map((slo) => (
                <SloCard key={slo.name} slo={slo} />
              ))}
            </div>
          )}
        </ErrorBoundary>
      </Panel>
    </div>
  );
}

function ServiceHead({ s }: { s: ServiceSummary }) {
  const runbooks = Object.entries(s.runbooks);
  return (
    <section className={`panel svc-head hs-edge-${s.state}`} data-testid="service-head">
      <div className="crumbs small">
        <Link to="/services">Services</Link> / <span className="mono">{s.name}</span>
      </div>
      <div className="svc-title-row">
        <h1>{s.name}</h1>
        <HealthBadge state={s.state} big testId="service-state" />
        <span className="muted">
          since <Time iso={s.since} />
        </span>
      </div>
      <div className={`svc-explanation${s.state === 'up' ? '' : ` hs-text-${s.state}`}`} data-testid="service-explanation">
        {s.state === 'up' ? 'Every required check and dependency is up.' : explanationLine(s.name, s.explanation)}
        {s.reasons.length > 1 && (
          <ul className="svc-reasons small">
            {s.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </div>
      {s.description && <div className="lead">{s.description}</div>}
      <Facts
        items={[
          ['owner', s.owner ?? <span className="muted">none</span>],
          s.system !== null && ['system', s.system],
          s.escalation !== null && ['escalation', <code key="e">{s.escalation}</code>],
          runbooks.length > 0 && [
            'runbooks',
            <span key="r">
              {runbooks.map(([what, id], i) => (
                <span key={what}>
                  {i > 0 && ', '}
                  {what}: <Link to={`/runbooks/${encodeURIComponent(id)}`}>{id}</Link>
                </span>
              ))}
            </span>,
          ],
        ]}
      />
    </section>
  );
}

function ServiceIncidents({ services }: { services: readonly string[] }) {
  const incidents = useLoad(() => api.incidents.list({ state: 'open', limit: 200 }), 'service-incidents', 10_000);
  const mine = incidentsOf(incidents.data?.incidents ?? [], services)
    .filter(isOpen)
    .sort(byUrgency);
  const who = services.length > 1 ? `${services[0]} or its root cause ${services[1]}` : services[0];
  return (
    <Panel
      title={<>Open incidents {incidents.data && <span className={`count${mine.length > 0 ? ' bad' : ''}`}>{mine.length}</span>}</>}
      testId="service-incidents"
      className="svc-incidents-panel"
      actions={<Link to="/incidents">all incidents</Link>}
    >
      <ErrorBanner error={incidents.error} what="Incidents" />
      {!incidents.data ? (
        !incidents.error && <Loading what="incidents" />
      ) : mine.length === 0 ? (
        <div className="empty-inline ok-text">No open incident about {who}.</div>
      ) : (
        <ul className="svc-incidents" data-testid="service-incident-table">
          {mine.map((i) => (
            <li key={i.id} data-testid="incident-row" data-incident={i.id} data-severity={i.severity}>
              <div className="svc-inc-line">
                <SeverityBadge value={i.severity} />
                <IncidentStateBadge value={i.state} />
                <Link to={`/incidents/${encodeURIComponent(i.id)}`} className="svc-inc-title" data-testid="incident-link">
                  {i.title}
                </Link>
              </div>
              <div className="svc-inc-line small muted">
                opened <Time iso={i.openedAt} compact /> · {i.alerts.firing} / {i.alerts.total} alerts firing · <AckCountdown incident={i} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="muted small">Incidents raised by the health checks of {who} (by the alert’s service label or check id).</div>
    </Panel>
  );
}

function CheckBlock({ c }: { c: CheckSummary }) {
  const l = c.last;
  return (
    <div className={`check-block hs-edge-${c.state}`} data-testid="check-row" data-check={c.id} data-state={c.state}>
      <div className="check-head">
        <HealthBadge state={c.state} testId="check-state" />
        <strong className="check-title">{c.name}</strong>
        <code className="muted">{c.id}</code>
        <span className="tag">{c.kind}</span>
        <code className="check-target" title="what is probed">
          {c.target}
        </code>
        {c.optional && <span className="tag">optional</span>}
        <span className="muted small">
          every {interval(c.intervalMs)}, timeout {interval(c.timeoutMs)} · {c.severity} · {c.state} since <Time iso={c.since} compact />
        </span>
        <ProbeNow check={c} />
      </div>
      <div className="check-body">
        <div className="check-last">
          {!l ? (
            <div className="muted">Not probed yet.</div>
          ) : (
            <>
              <div className={`check-result ${l.ok ? 'ok' : 'bad'}`}>
                <span className="check-reason" data-testid="check-reason">
                  {l.ok ? '✔ ok' : `✖ ${l.reason}`}
                </span>
                {l.status !== undefined && (
                  <span className="chip">
                    <span className="chip-k">status</span>
                    <span className="chip-v">{l.status}</span>
                  </span>
                )}
                <span className="chip">
                  <span className="chip-k">latency</span>
                  <span className="chip-v">{latency(l.latencyMs)}</span>
                </span>
                <span className="muted small">
                  last probe <Time iso={l.at} compact />
                </span>
              </div>
              <div className="check-detail-line" data-testid="check-detail">
                {l.detail}
              </div>
            </>
          )}
          <Conditions conditions={l?.conditions ?? []} fallback={c.conditions} />
        </div>
        <HistoryChart check={c} />
      </div>
    </div>
  );
}

function ProbeNow({ check }: { check: CheckSummary }) {
  const { can, session } = useSession();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CheckRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const operator = can('operator');
  const run = (): void => {
    setBusy(true);
    setError(null);
    api.checks.run(check.id).then(
      (r) => {
        setBusy(false);
        setResult(r);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  return (
    <>
      <span className="probe-now" title={operator ? 'probe this check now; nothing is recorded' : `needs role operator (you are ${session.role})`}>
        <button type="button" className="btn-small" disabled={!operator || busy} onClick={run} data-testid="probe-now">
          {busy ? 'Probing…' : 'Probe now'}
        </button>
      </span>
      {(result || error !== null) && (
        <div className="probe-result" data-testid="probe-result" data-ok={result ? String(result.ok) : undefined}>
          <ErrorBanner error={error} what="Probe" onDismiss={() => setError(null)} />
          {result && (
            <>
              <div className={`check-result ${result.ok ? 'ok' : 'bad'}`}>
                <strong>Probed now:</strong>
                <span className="check-reason">{result.ok ? '✔ ok' : `✖ ${result.reason}`}</span>
                <span className="chip">
                  <span className="chip-k">latency</span>
                  <span className="chip-v">{latency(result.latencyMs)}</span>
                </span>
                {result.phases && (
                  <span className="muted small">
                    {[
                      result.phases.dnsMs !== undefined && `dns ${latency(result.phases.dnsMs)}`,
                      result.phases.connectMs !== undefined && `connect ${latency(result.phases.connectMs)}`,
                      result.phases.tlsMs !== undefined && `tls ${latency(result.phases.tlsMs)}`,
                      result.phases.firstByteMs !== undefined && `first byte ${latency(result.phases.firstByteMs)}`,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                )}
                <span className="muted small">(not recorded)</span>
                <button type="button" className="link-btn" onClick={() => setResult(null)} aria-label="Close">
                  ×
                </button>
              </div>
              <div className="check-detail-line">{result.detail}</div>
              <Conditions conditions={result.conditions} />
            </>
          )}
        </div>
      )}
    </>
  );
}

function SloCard({ slo }: { slo: SloView }) {
  const firing = slo.burn.filter((b) => b.firing);
  const met = slo.met === null ? 'no-data' : slo.met ? 'met' : 'missed';
  return (
    <div className={`slo-card slo-${met}`} data-testid="slo" data-slo={slo.name} data-met={met}>
      <div className="slo-head">
        <strong>{slo.name}</strong>
        <span className="tag">{slo.kind}</span>
        <span className={`badge slo-badge slo-b-${met}`}>{met === 'no-data' ? 'no data' : met === 'met' ? 'objective met' : 'objective missed'}</span>
      </div>
      <div className="slo-figures">
        <div className="slo-fig">
          <div className="slo-fig-k">SLI ({windowLabel(slo.windowMs)})</div>
          <div className={`slo-fig-v${slo.met === false ? ' bad-text' : ''}`} data-testid="slo-sli">
            {percent(slo.sli)}
          </div>
        </div>
        <div className="slo-fig">
          <div className="slo-fig-k">objective</div>
          <div className="slo-fig-v">{percent(slo.objective)}</div>
        </div>
        <div className="slo-fig">
          <div className="slo-fig-k">burn rate</div>
          <div className={`slo-fig-v${(slo.burnRate ?? 0) > 1 ? ' bad-text' : ''}`}>
            {slo.burnRate === null ? '–' : `×${slo.burnRate >= 100 ? Math.round(slo.burnRate) : Math.round(slo.burnRate * 10) / 10}`}
          </div>
        </div>
      </div>
      <div className="slo-budget" data-testid="slo-budget">
        {slo.sli === null && slo.problem === null ? `No probe counted in the ${windowLabel(slo.windowMs)} window yet.` : slo.description}
      </div>
      {slo.problem && <div className="banner warn small">{slo.problem}</div>}
      <div className="slo-burn">
        {slo.burn.map((b) => (
          <span
            key={b.rule}
            className={`burn-chip${b.firing ? ' firing' : ''}`}
            data-testid="burn-rule"
            data-firing={String(b.firing)}
            title={b.firing ? `burning fast enough to ${b.severity === 'page' ? 'page' : 'warn'}` : 'not firing'}
          >
            {b.firing ? '▲ ' : ''}
            {b.rule} <span className="burn-sev">({b.severity})</span>
            {b.firing && <strong> firing</strong>}
          </span>
        ))}
        {slo.burn.length > 0 && firing.length === 0 && <span className="muted small">no burn rule firing</span>}
      </div>
      <div className="sub-head">Error budget left, last 7 days</div>
      <BudgetChart slo={slo} />
      <div className="muted small">checks: {slo.checks.join(', ') || '–'}</div>
    </div>
  );
}
