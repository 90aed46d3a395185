// Incidents: open ones first (triggered, most severe, nearest deadline), each with its live
// acknowledgement countdown. Polls every few seconds; the filter (open / all) lives in the address.
import { api, type IncidentState, type IncidentSummary } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, useLoad } from '../components/common';
import { IncidentTable } from '../components/Incident';
import { isOpen } from '../incidents';
import { Link, navigate, useRoute } from '../router';

export const INCIDENTS_POLL_MS = 4000;

/** The incidents page's data: the API keeps a triggered incident's deadline once it has passed, so a list is one request. */
export async function loadIncidents(q: { state?: IncidentState | 'open'; limit?: number }): Promise<{ incidents: IncidentSummary[] }> {
  return api.incidents.list(q);
}

export function IncidentsPage() {
  const route = useRoute();
  const all = route.query.get('show') === 'all';
  const list = useLoad(() => loadIncidents({ ...(all ? {} : { state: 'open' }), limit: 200 }), `incidents:${all ? 'all' : 'open'}`, INCIDENTS_POLL_MS);
  const incidents = list.data?.incidents ?? [];
  const open = incidents.filter(isOpen);
  const triggered = open.filter((i) => i.state === 'triggered').length;

  return (
    <Panel
      title={
        <>
          Incidents
          {list.data && (
            <span className={`count${triggered > 0 ? ' bad' : ''}`} data-testid="incidents-open-count" title="open (triggered + acknowledged)">
              {open.length} open
            </span>
          )}
          {triggered > 0 && <span className="count bad">{triggered} not acknowledged</span>}
        </>
      }
      testId="incidents"
      actions={
        <div className="seg" role="group" aria-label="Show">
          <button
            type="button"
            className={`btn-small${all ? '' : ' on'}`}
            aria-pressed={!all}
            onClick={() => navigate('/incidents')}
            data-testid="incidents-filter-open"
          >
            Open
          </button>
          <button
            type="button"
            className={`btn-small${all ? ' on' : ''}`}
            aria-pressed={all}
            onClick={() => navigate('/incidents?show=all')}
            data-testid="incidents-filter-all"
          >
            All
          </button>
        </div>
      }
    >
      <ErrorBanner error={list.error} what="Incidents" />
      {!list.data ? (
        !list.error && <Loading what="incidents" />
      ) : incidents.length === 0 ? (
        <Empty testId="incidents-empty">
          {all ? (
            'No incidents yet. Alerts sent to an integration (Alertmanager, PagerDuty Events) open them.'
          ) : (
            <>
              No open incident. <Link to="/incidents?show=all">Show resolved ones too</Link>.
            </>
          )}
        </Empty>
      ) : (
        <IncidentTable incidents={incidents} />
      )}
      <div className="muted small refresh-note">Refreshes every {INCIDENTS_POLL_MS / 1000} s.</div>
    </Panel>
  );
}
