// The service grid: one card per service of the catalog, in the catalog's order (a card keeps its
// place, so a glance finds it), coloured by state and saying it in words, with the owner, when the
// state last changed, why it is not up, and a latency sparkline per check. Polls every 5 s, so a
// service that breaks turns red within one interval. Without a catalog, it says how to add one.
import { api, type CheckSummary, type ServicesView, type ServiceSummary } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { HealthBadge, Sparkline } from '../components/Health';
import { explanationLine, latency, stateCounts, STATES } from '../health';
import { Link } from '../router';

export const SERVICES_POLL_MS = 5000;

export function useServices(key = 'services') {
  return useLoad(() => api.services.list(), key, SERVICES_POLL_MS);
}

export function ServicesPage() {
  const list = useServices();
  const v = list.data;
  return (
    <Panel
      title={
        <>
          Services
          {v?.catalog && <Counts services={v.services} />}
        </>
      }
      testId="services"
      actions={
        v?.catalog && (
          <>
            <Link to="/checklists">checklists</Link>
            <Link to="/incidents">incidents</Link>
          </>
        )
      }
    >
      <ErrorBanner error={list.error} what={v ? 'Refreshing the services (showing the last answer)' : 'Services'} />
      {!v ? !list.error && <Loading what="services" /> : !v.catalog ? <NoCatalog /> : <Grid view={v} />}
      {v?.catalog && (
        <div className="muted small refresh-note" data-testid="catalog-source">
          Catalog <code>{v.catalog.path}</code> · <code title={v.catalog.digest}>{v.catalog.digest.slice(0, 19)}…</code> · refreshes every{' '}
          {SERVICES_POLL_MS / 1000} s.
        </div>
      )}
    </Panel>
  );
}

function Counts({ services }: { services: readonly ServiceSummary[] }) {
  const c = stateCounts(services.map((s) => s.state));
  return (
    <span className="svc-counts" data-testid="services-counts">
      {STATES.filter((s) => c[s] > 0).map((s) => (
        <span key={s} className={`count hs-count hs-${s}`}>
          {c[s]} {s}
        </span>
      ))}
    </span>
  );
}

/** What to do when no catalog is loaded. */
export function NoCatalog() {
  return (
    <Empty testId="services-empty">
      <div className="no-catalog">
        <strong>No service catalog is loaded.</strong>
        <p>
          The catalog says what Runledger watches: services, their checks (HTTP, TCP, PostgreSQL, Redis, a command), their dependencies, “healthy if and only
          if” checklists and SLOs. Write it as <code>catalog.yaml</code> (or a <code>catalog/</code> directory of YAML files) in the data directory (
          <code>$RUNLEDGER_HOME</code>, default <code>./.runledger</code>), or start the server with <code>runledger serve --catalog PATH</code>, then restart
          it or send it SIGHUP.
        </p>
        <pre className="note">{`services:
  - name: api
    owner: team-web
    dependsOn: [postgres]
    checks:
      - name: ready
        http: { url: "http://127.0.0.1:8080/ready" }
        conditions: ["status == 200", "latency < 500ms"]
  - name: postgres
    checks:
      - name: ready
        tcp: { host: 127.0.0.1, port: 5432 }`}</pre>
        <p>
          Every key is described in <code>docs/catalog.md</code>; <code>examples/catalog/catalog.yaml</code> is a worked example.
        </p>
      </div>
    </Empty>
  );
}

function Grid({ view }: { view: ServicesView }) {
  if (view.services.length === 0) return <Empty testId="services-empty">The catalog defines no service.</Empty>;
  const notUp = view.services.filter((s) => s.state !== 'up');
  return (
    <>
      {notUp.length > 0 && (
        <div className="svc-attention" data-testid="services-not-up">
          Not up:{' '}
          {notUp.map((s, i) => (
            <span key={s.name}>
              {i > 0 && ', '}
              <Link to={`/services/${encodeURIComponent(s.name)}`} className={`hs-text-${s.state}`}>
                {s.name}
              </Link>{' '}
              <span className="muted">({s.state})</span>
            </span>
          ))}
        </div>
      )}
      <div className="svc-grid" data-testid="service-grid">
        {view.services.map((s) => (
          <ServiceCard key={s.name} s={s} />
        ))}
      </div>
    </>
  );
}

function allChecks(s: ServiceSummary): CheckSummary[] {
  return [...s.checks, ...s.components.flatMap((c) => c.checks)];
}

export function ServiceCard({ s }: { s: ServiceSummary }) {
  const checks = allChecks(s);
  const href = `/services/${encodeURIComponent(s.name)}`;
  return (
    <article className={`svc-card hs-card-${s.state}`} data-testid="service-card" data-service={s.name} data-state={s.state}>
      <header className="svc-card-head">
        <Link to={href} className="svc-name" data-testid="service-link">
          {s.name}
        </Link>
        <HealthBadge state={s.state} testId="service-state" />
      </header>
      <div className="svc-meta small">
        <span title="owner">{s.owner ?? <span className="muted">no owner</span>}</span>
        {s.system && <span className="muted"> · {s.system}</span>}
        <span className="muted">
          {' '}
          · {s.state} since <Time iso={s.since} compact />
        </span>
      </div>
      {s.state !== 'up' && (
        <div className={`svc-why hs-text-${s.state}`} data-testid="service-explanation">
          {explanationLine(s.name, s.explanation)}
        </div>
      )}
      {s.description && s.state === 'up' && <div className="svc-desc small muted">{s.description}</div>}
      <ul className="svc-checks">
        {checks.length === 0 && <li className="muted small">No checks of its own.</li>}
        {checks.map((c) => (
          <li key={c.id} className="svc-check" data-testid="service-check" data-check={c.id} data-state={c.state}>
            <span className={`dot hs-dot-${c.state}`} aria-label={c.state} title={c.state} />
            <span className="svc-check-name" title={`${c.id} (${c.kind} ${c.target})${c.optional ? ', optional' : ''}`}>
              {c.component ? `${c.component}/` : ''}
              {c.name}
              {c.optional && <span className="muted"> (opt.)</span>}
            </span>
            <Sparkline values={c.sparkline} label={c.id} width={96} height={18} />
            <span className={`svc-check-lat${c.last && !c.last.ok ? ' bad-text' : ''}`} title={c.last ? `${c.last.reason}: ${c.last.detail}` : 'no probe yet'}>
              {c.last
                ? c.last.ok
                  ? latency(c.last.latencyMs)
                  : `${c.last.reason}${c.last.status !== undefined && c.last.reason === 'status' ? ` ${c.last.status}` : ''}`
                : '–'}
            </span>
          </li>
        ))}
      </ul>
      {s.dependsOn.length > 0 && (
        <div className="svc-deps small muted">
          depends on{' '}
          {s.dependsOn.map((d, i) => (
            <span key={d.target}>
              {i > 0 && ', '}
              <span className={d.state === 'up' ? '' : `hs-text-${d.state}`}>{d.target}</span>
              {d.optional && ' (optional)'}
            </span>
          ))}
        </div>
      )}
    </article>
  );
}

/** The dashboard's compact panel: the services that are not up, with why (nothing without a catalog). */
export function DashServices() {
  const list = useLoad(() => api.services.list(), 'dash-services', 10_000);
  const v = list.data;
  if (!v?.catalog && !list.error) return null;
  const notUp = v ? v.services.filter((s) => s.state !== 'up') : [];
  return (
    <Panel
      title={<>Services not up {v && <span className={`count${notUp.some((s) => s.state === 'down') ? ' bad' : ''}`}>{notUp.length}</span>}</>}
      testId="dash-services"
      actions={<Link to="/services">all services</Link>}
    >
      <ErrorBanner error={list.error} what="Services" />
      {v &&
        (notUp.length === 0 ? (
          <div className="empty-inline ok-text">All {v.services.length} services are up.</div>
        ) : (
          <ul className="dash-svc">
            {notUp.map((s) => (
              <li key={s.name} data-testid="dash-service" data-service={s.name} data-state={s.state}>
                <HealthBadge state={s.state} /> <Link to={`/services/${encodeURIComponent(s.name)}`}>{s.name}</Link>{' '}
                <span className="muted small">{explanationLine(s.name, s.explanation)}</span>
              </li>
            ))}
          </ul>
        ))}
    </Panel>
  );
}
