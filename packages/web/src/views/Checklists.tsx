// "Healthy if and only if" checklists, evaluated by the server on each load: each checklist healthy or
// not, each item holding or not with its evidence (a text, or an object shown as key/value lines).
// Failing items come first inside a checklist that is not healthy; the order is otherwise the catalog's.
import { api, type ChecklistResultView } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { Evidence } from '../components/Health';
import { Link } from '../router';

const POLL_MS = 10_000;

export function ChecklistsPage() {
  const lists = useLoad(() => api.checklists.list(), 'checklists', POLL_MS);
  const services = useLoad(() => api.services.list(), 'checklists-catalog', 60_000);
  const v = lists.data;
  const unhealthy = v?.checklists.filter((c) => !c.healthy).length ?? 0;
  return (
    <>
      <Panel
        title={
          <>
            Checklists
            {v && v.checklists.length > 0 && (
              <span className={`count${unhealthy > 0 ? ' bad' : ''}`} data-testid="checklists-count">
                {unhealthy > 0 ? `${unhealthy} of ${v.checklists.length} not healthy` : `${v.checklists.length} healthy`}
              </span>
            )}
          </>
        }
        testId="checklists"
        actions={
          v && (
            <span className="muted small">
              evaluated <Time iso={v.evaluatedAt} compact /> · every {POLL_MS / 1000} s
            </span>
          )
        }
      >
        <ErrorBanner error={lists.error} what={v ? 'Refreshing the checklists (showing the last answer)' : 'Checklists'} />
        {!v ? (
          !lists.error && <Loading what="checklists" />
        ) : v.checklists.length === 0 ? (
          <Empty testId="checklists-empty">
            {services.data && !services.data.catalog ? (
              <>
                No service catalog is loaded, so there is no checklist. <Link to="/services">Services</Link> says how to add one.
              </>
            ) : (
              <>
                The catalog defines no checklist. A checklist says “healthy if and only if” every item holds: a check or service state, the ledger verifying, no
                bypass, no open incident, Runledger ready, a Prometheus query. See <code>checklists:</code> in <code>docs/catalog.md</code>.
              </>
            )}
          </Empty>
        ) : (
          <div className="checklists">
            {v.checklists.map((c) => (
              <Checklist key={c.name} c={c} />
            ))}
          </div>
        )}
      </Panel>
    </>
  );
}

function Checklist({ c }: { c: ChecklistResultView }) {
  const failed = c.items.filter((i) => !i.ok).length;
  const items = c.healthy ? c.items : [...c.items.filter((i) => !i.ok), ...c.items.filter((i) => i.ok)];
  return (
    <section className={`checklist ${c.healthy ? 'healthy' : 'unhealthy'}`} data-testid="checklist" data-checklist={c.name} data-healthy={String(c.healthy)}>
      <header className="checklist-head">
        <h3>{c.name}</h3>
        <span className={`badge ${c.healthy ? 'hs-up' : 'hs-down'}`} data-testid="checklist-verdict">
          {c.healthy ? '✔ healthy' : '✖ not healthy'}
        </span>
        <span className="muted small">{c.healthy ? `all ${c.items.length} items hold` : `${failed} of ${c.items.length} items fail`}</span>
      </header>
      <ol className="cl-items">
        {items.map((i, n) => (
          <li key={`${n}:${i.name}`} className={`cl-item ${i.ok ? 'ok' : 'bad'}`} data-testid="checklist-item" data-ok={String(i.ok)}>
            <span className="cl-mark" aria-label={i.ok ? 'holds' : 'fails'}>
              {i.ok ? '✔' : '✖'}
            </span>
            <div className="cl-body">
              <div className="cl-name">{i.name}</div>
              <Evidence value={i.evidence} />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
