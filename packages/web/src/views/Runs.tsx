// All runs, newest first, filtered by state through the address bar (?state=…).
import { api, type RunState } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, useLoad } from '../components/common';
import { RunTable } from '../components/RunTable';
import { stateLabel } from '../format';
import { Link, navigate, useRoute } from '../router';

const STATES: readonly RunState[] = ['waiting_approval', 'running', 'interrupted', 'pending', 'succeeded', 'failed', 'rolled_back', 'aborted'];

export function RunsPage() {
  const { query } = useRoute();
  const raw = query.get('state') ?? '';
  const state = (STATES as readonly string[]).includes(raw) ? (raw as RunState) : undefined;
  const runs = useLoad(() => api.runs.list({ ...(state ? { state } : {}), limit: 200 }), `runs:${state ?? ''}`, 5000);
  return (
    <Panel
      title={<>Runs {runs.data && <span className="count">{runs.data.runs.length}</span>}</>}
      testId="runs"
      actions={
        <label className="inline">
          State{' '}
          <select value={state ?? ''} onChange={(e) => navigate(e.target.value ? `/runs?state=${e.target.value}` : '/runs')} data-testid="runs-filter">
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {stateLabel(s)}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <ErrorBanner error={runs.error} what="Runs" />
      {!runs.data ? (
        !runs.error && <Loading what="runs" />
      ) : runs.data.runs.length === 0 ? (
        <Empty testId="runs-empty">
          {state ? (
            <>
              No {stateLabel(state)} runs. <Link to="/runs">Show all runs</Link>.
            </>
          ) : (
            <>
              No runs yet — start one from <Link to="/runbooks">Runbooks</Link>.
            </>
          )}
        </Empty>
      ) : (
        <RunTable runs={runs.data.runs} showReason />
      )}
    </Panel>
  );
}
