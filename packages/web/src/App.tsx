// The shell: session bootstrap, sign-in redirects, the left nav, the header with who is signed in,
// the freeze banner on every page, and the route table.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setAuthLostHandler, type SessionView } from './api/client';
import { Actor, ErrorBanner, Loading, useLoad } from './components/common';
import { ErrorBoundary } from './components/ErrorBoundary';
import { absolute } from './format';
import { Link, match, navigate, useRoute } from './router';
import { SessionContext, sessionState } from './session';
import { ShellContext, type Shell } from './shell';
import { ChecklistsPage } from './views/Checklists';
import { Dashboard } from './views/Dashboard';
import { IncidentPage } from './views/Incident';
import { IncidentsPage } from './views/Incidents';
import { LedgerView } from './views/Ledger';
import { OnCallPage } from './views/OnCall';
import { PolicyPage } from './views/Policy';
import { ReleasePage } from './views/Release';
import { ReleasesPage } from './views/Releases';
import { DrillPage, DrillsPage } from './views/Drills';
import { RunbookPage } from './views/Runbook';
import { RunbooksPage } from './views/Runbooks';
import { RunPage } from './views/Run';
import { RunsPage } from './views/Runs';
import { SchedulesPage } from './views/Schedules';
import { ServicePage } from './views/Service';
import { ServicesPage } from './views/Services';
import { SignIn } from './views/SignIn';
import { SilencesPage } from './views/Silences';

function signInHref(): string {
  const here = location.pathname + location.search;
  return here === '/' || here.startsWith('/signin') ? '/signin' : `/signin?next=${encodeURIComponent(here)}`;
}

export function App() {
  const route = useRoute();
  // undefined: not known yet; null: signed out.
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);
  const [expired, setExpired] = useState(false);

  const boot = useCallback(() => {
    setBootError(null);
    api.session.current().then(setSession, setBootError);
  }, []);
  useEffect(() => {
    boot();
  }, [boot]);

  useEffect(() => {
    setAuthLostHandler(() => {
      setExpired(true);
      setSession(null);
    });
  }, []);

  useEffect(() => {
    if (session === null && route.path !== '/signin') navigate(signInHref(), { replace: true });
    if (session && route.path === '/signin') navigate(safeNext(route.query.get('next')), { replace: true });
  }, [session, route.path, route.query]);

  if (bootError) {
    return (
      <div className="center-page">
        <ErrorBanner error={bootError} what="Cannot reach the Runledger server" />
        <button type="button" onClick={boot}>
          Try again
        </button>
      </div>
    );
  }
  if (session === undefined)
    return (
      <div className="center-page">
        <Loading what="session" />
      </div>
    );
  if (session === null || route.path === '/signin') {
    return (
      <SignIn
        expired={expired}
        onSignedIn={(s) => {
          setExpired(false);
          setSession(s);
        }}
      />
    );
  }
  return <SignedIn session={session} onSignedOut={() => setSession(null)} />;
}

/** Only in-app paths: `next` comes from the address bar and must not send the user elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/';
}

function SignedIn({ session, onSignedOut }: { session: SessionView; onSignedOut: () => void }) {
  const route = useRoute();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const signOut = useCallback(() => {
    api.session.signOut().then(onSignedOut, (e: unknown) => setSignOutError(e));
  }, [onSignedOut]);
  const state = useMemo(() => sessionState(session, signOut), [session, signOut]);
  const policy = useLoad(() => api.policy.get(), 'policy', 15_000);
  // Incidents nobody has acknowledged yet: a count on the nav link, from every page.
  const paging = useLoad(() => api.incidents.list({ state: 'triggered', limit: 100 }), 'nav-incidents', 10_000);
  const unacked = paging.data?.incidents.length ?? 0;
  const shell = useMemo<Shell>(
    () => ({ policy: policy.data, reloadPolicy: policy.reload, reloadIncidents: paging.reload }),
    [policy.data, policy.reload, paging.reload],
  );
  const freeze = policy.data?.freeze ?? null;
  useEffect(() => {
    document.title = `${titleOf(route.path)} · Runledger${freeze ? ' (FROZEN)' : ''}`;
  }, [route.path, freeze]);

  return (
    <SessionContext.Provider value={state}>
      <ShellContext.Provider value={shell}>
        <div className="layout">
          <nav className="nav" aria-label="Main">
            <Link to="/" className="brand">
              <span className="brand-mark" aria-hidden="true">
                ▤
              </span>{' '}
              Runledger
            </Link>
            <NavLink to="/" label="Dashboard" id="dashboard" active={route.path === '/'} />
            <NavLink to="/incidents" label="Incidents" id="incidents" active={route.path.startsWith('/incidents')} count={unacked} />
            <NavLink to="/services" label="Services" id="services" active={route.path.startsWith('/services')} />
            <NavLink to="/releases" label="Releases" id="releases" active={route.path.startsWith('/releases')} />
            <NavLink to="/drills" label="Drills" id="drills" active={route.path.startsWith('/drills')} />
            <NavLink to="/checklists" label="Checklists" id="checklists" active={route.path.startsWith('/checklists')} />
            <NavLink to="/schedules" label="Schedules" id="schedules" active={route.path.startsWith('/schedules')} />
            <NavLink to="/oncall" label="On-call" id="oncall" active={route.path.startsWith('/oncall')} />
            <NavLink to="/silences" label="Silences" id="silences" active={route.path.startsWith('/silences')} />
            <NavLink to="/runbooks" label="Runbooks" id="runbooks" active={route.path.startsWith('/runbooks')} />
            <NavLink to="/runs" label="Runs" id="runs" active={route.path.startsWith('/runs')} />
            <NavLink to="/ledger" label="Ledger" id="ledger" active={route.path.startsWith('/ledger')} />
            <NavLink to="/policy" label="Policy" id="policy" active={route.path.startsWith('/policy')} />
            <div className="nav-foot">
              <a href="/api/v1/openapi.json" target="_blank" rel="noreferrer">
                API (OpenAPI)
              </a>
            </div>
          </nav>
          <div className="main">
            <header className="topbar">
              <div className="topbar-title">{titleOf(route.path)}</div>
              <div className="who" data-testid="whoami">
                <span className="who-name" data-testid="whoami-name">
                  {session.name}
                </span>
                <span className={`role role-${session.role}`} data-testid="whoami-role">
                  {session.role}
                </span>
                {session.roles
                  .filter((r) => !['viewer', 'operator', 'approver', 'admin'].includes(r))
                  .map((g) => (
                    <span key={g} className="role role-group" title="group: approval gates see this role">
                      {g}
                    </span>
                  ))}
                <span className="muted small" title={session.expiresAt}>
                  until {absolute(session.expiresAt).slice(11, 16)}
                </span>
                <button type="button" className="btn-small" onClick={signOut} data-testid="sign-out">
                  Sign out
                </button>
              </div>
            </header>
            {freeze && (
              <div className="banner frozen" role="status" data-testid="freeze-banner">
                <strong>Automation is frozen.</strong> No new step starts anywhere. Reason: “{freeze.reason}” — by <Actor id={freeze.by} /> at{' '}
                {absolute(freeze.at)}. <Link to="/policy">Policy</Link>
              </div>
            )}
            <ErrorBanner error={signOutError} what="Sign-out failed" onDismiss={() => setSignOutError(null)} />
            <main className="content">
              <ErrorBoundary what={`the ${titleOf(route.path).toLowerCase()} view`} resetKey={`${route.path}?${route.query.toString()}`}>
                <Routes path={route.path} />
              </ErrorBoundary>
            </main>
          </div>
        </div>
      </ShellContext.Provider>
    </SessionContext.Provider>
  );
}

function NavLink({ to, label, id, active, count }: { to: string; label: string; id: string; active: boolean; count?: number }) {
  return (
    <Link to={to} className={`nav-link${active ? ' active' : ''}`} data-testid={`nav-${id}`} aria-current={active ? 'page' : undefined}>
      {label}
      {count !== undefined && count > 0 && (
        <span className="nav-count" title={`${count} not acknowledged`} data-testid={`nav-${id}-count`}>
          {count}
        </span>
      )}
    </Link>
  );
}

const TITLES: Record<string, string> = { oncall: 'On-call' };

function titleOf(path: string): string {
  if (path === '/') return 'Dashboard';
  const first = path.split('/')[1] ?? '';
  const known = TITLES[first];
  if (known) return known;
  return first.charAt(0).toUpperCase() + first.slice(1);
}

function Routes({ path }: { path: string }): ReactNode {
  if (path === '/') return <Dashboard />;
  if (path === '/incidents') return <IncidentsPage />;
  const inc = match('/incidents/:id', path);
  if (inc?.id) return <IncidentPage key={inc.id} id={inc.id} />;
  if (path === '/services') return <ServicesPage />;
  const svc = match('/services/:name', path);
  if (svc?.name) return <ServicePage key={svc.name} name={svc.name} />;
  if (path === '/releases') return <ReleasesPage />;
  const rel = match('/releases/:id', path);
  if (rel?.id) return <ReleasePage key={rel.id} id={rel.id} />;
  if (path === '/drills') return <DrillsPage />;
  const drill = match('/drills/:id', path);
  if (drill?.id) return <DrillPage key={drill.id} id={drill.id} />;
  if (path === '/checklists') return <ChecklistsPage />;
  if (path === '/schedules') return <SchedulesPage />;
  if (path === '/oncall') return <OnCallPage />;
  if (path === '/silences') return <SilencesPage />;
  if (path === '/runbooks') return <RunbooksPage />;
  const rb = match('/runbooks/:id', path);
  if (rb?.id) return <RunbookPage id={rb.id} />;
  if (path === '/runs') return <RunsPage />;
  const run = match('/runs/:id', path);
  if (run?.id) return <RunPage key={run.id} id={run.id} />;
  if (path === '/ledger') return <LedgerView />;
  if (path === '/policy') return <PolicyPage />;
  return (
    <div className="empty">
      No page at <code>{path}</code>. <Link to="/">Go to the dashboard</Link>.
    </div>
  );
}
