// Releases: the timeline per service and environment (a picture: one lane each, a marker per release
// coloured by state with version, who, when and its gates) and the list under it, filtered by service,
// environment and state from the address bar. Polls every 2 s while a release is deploying, verifying
// or rolling back, every 10 s otherwise. Operators create (and deploy) a release from here.
import { useMemo, useState, type FormEvent } from 'react';
import { api, RELEASE_STATES, type ReleaseView } from '../api/client';
import { Actor, Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { GateDots, ReleaseBadge, ReleaseTimeline } from '../components/Release';
import { isBusy } from '../releases';
import { Link, navigate, useRoute } from '../router';
import { useSession } from '../session';

export const RELEASES_FAST_MS = 2000;
export const RELEASES_SLOW_MS = 10_000;

export function ReleasesPage() {
  const route = useRoute();
  const service = route.query.get('service') ?? '';
  const env = route.query.get('env') ?? '';
  const state = route.query.get('state') ?? '';
  const [fast, setFast] = useState(false);
  const poll = fast ? RELEASES_FAST_MS : RELEASES_SLOW_MS;
  const list = useLoad(
    () =>
      api.releases
        .list({
          ...(service ? { service } : {}),
          ...(env ? { env } : {}),
          ...(state ? { state: state as (typeof RELEASE_STATES)[number] } : {}),
          limit: 200,
        })
        .then((d) => {
          setFast(d.releases.some(isBusy));
          return d;
        }),
    `releases:${service}:${env}:${state}`,
    poll,
  );
  const targets = useLoad(() => api.releases.targets(), 'release-targets', poll);
  const releases = list.data?.releases ?? [];
  const current = useMemo(() => new Set((targets.data?.targets ?? []).flatMap((t) => (t.current ? [t.current.id] : []))), [targets.data]);
  const services = [...new Set((targets.data?.targets ?? []).map((t) => t.service))].sort();
  const envs = [...new Set((targets.data?.targets ?? []).map((t) => t.env))].sort();
  const setFilter = (k: string, v: string): void => {
    const q = new URLSearchParams(route.query);
    if (v) q.set(k, v);
    else q.delete(k);
    const s = q.toString();
    navigate(`/releases${s ? `?${s}` : ''}`, { replace: true });
  };

  return (
    <div className="releases-page">
      <Panel
        title={
          <>
            Releases
            {list.data && <span className="count">{releases.length}</span>}
            {releases.some(isBusy) && <span className="count busy">in progress</span>}
          </>
        }
        testId="releases"
        actions={
          <div className="filter-bar rel-filters">
            <NameFilter label="service" value={service} names={services} onChange={(v) => setFilter('service', v)} testId="releases-filter-service" />
            <NameFilter label="environment" value={env} names={envs} onChange={(v) => setFilter('env', v)} testId="releases-filter-env" />
            <label className="filter">
              state
              <select value={state} onChange={(e) => setFilter('state', e.target.value)} data-testid="releases-filter-state">
                <option value="">any</option>
                {RELEASE_STATES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            </label>
          </div>
        }
      >
        <ErrorBanner error={list.error} what="Releases" />
        <NewRelease services={services} envs={envs} />
        {!list.data ? (
          !list.error && <Loading what="releases" />
        ) : releases.length === 0 ? (
          <Empty testId="releases-empty">
            {service || env || state ? (
              <>
                No release matches. <Link to="/releases">Show every release</Link>.
              </>
            ) : (
              <>
                No release yet. Create one here, with <code>runledger release create</code>, or <code>POST /api/v1/releases</code>; a service&apos;s{' '}
                <code>deploy</code>, <code>verify</code> and <code>rollback</code> runbooks and its <code>release:</code> block come from the catalog
                (docs/catalog.md).
              </>
            )}
          </Empty>
        ) : (
          <ErrorBoundary what="the release timeline" resetKey={`${service}:${env}:${state}`}>
            <ReleaseTimeline releases={releases} current={current} />
          </ErrorBoundary>
        )}
      </Panel>
      {releases.length > 0 && (
        <Panel title="All releases" actions={<span className="muted small">newest first · refreshes every {poll / 1000} s</span>} testId="releases-list">
          <ReleaseTable releases={releases} current={current} />
        </Panel>
      )}
    </div>
  );
}

export function ReleaseTable({ releases, current }: { releases: readonly ReleaseView[]; current: ReadonlySet<string> }) {
  return (
    <table className="grid releases">
      <thead>
        <tr>
          <th>Version</th>
          <th>Service</th>
          <th>Env</th>
          <th>State</th>
          <th>Gates</th>
          <th>By</th>
          <th>Created</th>
          <th>Deployed</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        {releases.map((r) => (
          <tr key={r.id} data-testid="release-row" data-release={r.id} data-state={r.state} data-version={r.version}>
            <td>
              <Link to={`/releases/${encodeURIComponent(r.id)}`} className="mono" data-testid="release-link">
                {r.version}
              </Link>
              {current.has(r.id) && (
                <span className="tag now-tag" title="the release running now">
                  now
                </span>
              )}
            </td>
            <td>{r.service}</td>
            <td>
              <span className="env">{r.env}</span>
            </td>
            <td>
              <ReleaseBadge r={r} testId="release-state" />
            </td>
            <td>
              <GateDots r={r} />
            </td>
            <td>
              <Actor id={r.requestedBy} />
            </td>
            <td>
              <Time iso={r.createdAt} compact />
            </td>
            <td>
              <Time iso={r.deployedAt} compact />
            </td>
            <td className="reason">{outcomeOf(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function outcomeOf(r: ReleaseView): string {
  if (r.rollback) {
    const rb = r.rollback;
    return `rollback ${rb.fromVersion} → ${rb.toVersion}${rb.outcome ? ` ${rb.outcome === 'success' ? 'done' : 'failed'}` : ' running'}: ${rb.reason}`;
  }
  if (r.pendingRollback) return `rollback waiting for an approval: ${r.pendingRollback.reason}`;
  if (r.failure) return `failed at ${r.failure.gate}: ${r.failure.reason}`;
  if (r.state === 'announced') return 'announced';
  return '';
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Operators: a new release of a catalog service, deployed at once unless unticked. */
function NewRelease({ services, envs }: { services: readonly string[]; envs: readonly string[] }) {
  const { can, session } = useSession();
  const catalog = useLoad(() => api.services.list(), 'services', 60_000);
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ service: '', env: 'staging', version: '', ref: '', digest: '', bake: '', deploy: true });
  const [bad, setBad] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const names = [...new Set([...(catalog.data?.services ?? []).map((s) => s.name), ...services])].sort();
  if (!can('operator'))
    return <div className="muted small rel-new-hint">Creating and deploying a release needs the operator role (you are {session.role}).</div>;
  if (!open)
    return (
      <div className="rel-new-row">
        <button type="button" className="btn-small" onClick={() => setOpen(true)} data-testid="release-new">
          New release…
        </button>
      </div>
    );
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!f.service.trim() || !f.env.trim() || !f.version.trim() || !f.ref.trim()) return setBad('service, environment, version and artifact are required');
    if (!DIGEST.test(f.digest.trim())) return setBad('the digest is sha256: and 64 lower-case hex digits');
    const bakeS = f.bake.trim() === '' ? undefined : Number(f.bake);
    if (bakeS !== undefined && !(Number.isInteger(bakeS) && bakeS >= 0)) return setBad('the bake window is a whole number of seconds');
    setBad(null);
    setBusy(true);
    setError(null);
    api.releases
      .create({
        service: f.service.trim(),
        env: f.env.trim(),
        version: f.version.trim(),
        artifact: { ref: f.ref.trim(), digest: f.digest.trim() },
        ...(bakeS !== undefined ? { bakeMs: bakeS * 1000 } : {}),
        deploy: f.deploy,
      })
      .then(
        (r) => navigate(`/releases/${encodeURIComponent(r.id)}`),
        (e: unknown) => {
          setBusy(false);
          setError(e);
        },
      );
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form className="action-form rel-new" onSubmit={submit} data-testid="release-form">
      <div className="rel-new-grid">
        <label>
          Service
          <input list="rel-services" value={f.service} onChange={set('service')} data-testid="release-service" required />
          <datalist id="rel-services">
            {names.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </label>
        <label>
          Environment
          <input list="rel-envs" value={f.env} onChange={set('env')} data-testid="release-env" required />
          <datalist id="rel-envs">
            {[...new Set(['staging', 'production', ...envs])].map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </label>
        <label>
          Version
          <input value={f.version} onChange={set('version')} placeholder="2.1.0" data-testid="release-version" required />
        </label>
        <label>
          Bake window (s)
          <input value={f.bake} onChange={set('bake')} placeholder="catalog's" inputMode="numeric" data-testid="release-bake" />
        </label>
        <label className="wide">
          Artifact
          <input value={f.ref} onChange={set('ref')} placeholder="registry.example/demo:2.1.0" data-testid="release-artifact" required />
        </label>
        <label className="wide">
          Digest
          <input value={f.digest} onChange={set('digest')} placeholder="sha256:…" className="mono" data-testid="release-digest" required />
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={f.deploy} onChange={(e) => setF({ ...f, deploy: e.target.checked })} data-testid="release-deploy" /> Deploy now (runs
        the service&apos;s deploy runbook, then its gates and bake window)
      </label>
      {bad && <div className="field-error">{bad}</div>}
      <ErrorBanner error={error} what="Creating the release" />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="release-create">
          {busy ? 'Creating…' : f.deploy ? 'Create and deploy' : 'Create'}
        </button>
        <button type="button" onClick={() => setOpen(false)} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A filter over names seen in the data; the chosen one stays listed even when no release has it now. */
function NameFilter(p: { label: string; value: string; names: readonly string[]; onChange: (v: string) => void; testId: string }) {
  return (
    <label className="filter">
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.target.value)} data-testid={p.testId}>
        <option value="">all</option>
        {[...new Set([...p.names, ...(p.value ? [p.value] : [])])].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
