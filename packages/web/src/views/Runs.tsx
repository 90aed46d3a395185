// All runs, newest first, searchable by runbook, requester, state and creation day. The filters
// live in the address bar (?runbook=…&requester=…&state=…&from=…&to=…), so a search can be shared.
import { api, RUN_STATES, type RunState } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, useLoad } from '../components/common';
import { DayRange, FilterBar, SelectFilter, TextFilter } from '../components/Filters';
import { RunTable } from '../components/RunTable';
import { dayParam, rangeOf, textParam, withQuery } from '../filters';
import { stateLabel } from '../format';
import { Link, navigate, useRoute } from '../router';

/** The filter's choices: every state, those that want attention first. */
const STATES: readonly RunState[] = [
  'waiting_approval',
  'running',
  'interrupted',
  ...RUN_STATES.filter((s) => s !== 'waiting_approval' && s !== 'running' && s !== 'interrupted'),
];
const LIMIT = 200;

export function RunsPage() {
  const { query } = useRoute();
  const raw = query.get('state') ?? '';
  const state = (STATES as readonly string[]).includes(raw) ? (raw as RunState) : undefined;
  const runbook = textParam(query, 'runbook');
  const requester = textParam(query, 'requester');
  const from = dayParam(query, 'from');
  const to = dayParam(query, 'to');
  const filters = { ...(state ? { state } : {}), ...(runbook ? { runbook } : {}), ...(requester ? { requester } : {}), ...rangeOf(from, to) };
  const active = Object.keys(filters).length > 0;
  const runs = useLoad(() => api.runs.list({ ...filters, limit: LIMIT }), `runs:${JSON.stringify(filters)}`, 5000);
  const catalogue = useLoad(() => api.runbooks.list(), 'runbooks');
  const set = (changes: Record<string, string | undefined>): void => navigate(withQuery('/runs', query, changes));
  const runbooks = (catalogue.data?.runbooks ?? []).map((r) => [r.id, r.title] as const);
  // A runbook no longer in the catalogue still shows as selected.
  if (runbook && !runbooks.some(([id]) => id === runbook)) runbooks.push([runbook, runbook]);

  return (
    <Panel
      title={<>Runs {runs.data && <span className="count">{runs.data.runs.length === LIMIT ? `${LIMIT}+` : runs.data.runs.length}</span>}</>}
      testId="runs"
    >
      <FilterBar active={active} onClear={() => navigate('/runs')} testId="runs-filters">
        <SelectFilter label="Runbook" value={runbook} options={runbooks} onChange={(v) => set({ runbook: v })} testId="runs-filter-runbook" />
        <TextFilter
          label="Requester"
          value={requester}
          onChange={(v) => set({ requester: v })}
          placeholder="alice"
          testId="runs-filter-requester"
          width="narrow"
        />
        <SelectFilter
          label="State"
          value={state}
          options={STATES.map((s) => [s, stateLabel(s)] as const)}
          onChange={(v) => set({ state: v })}
          testId="runs-filter"
        />
        <DayRange from={from} to={to} onChange={(f, t) => set({ from: f, to: t })} testId="runs-filter-day" />
      </FilterBar>
      <ErrorBanner error={runs.error} what="Runs" />
      {!runs.data ? (
        !runs.error && <Loading what="runs" />
      ) : runs.data.runs.length === 0 ? (
        <Empty testId="runs-empty">
          {active ? (
            <>
              No run matches these filters. <Link to="/runs">Show all runs</Link>.
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
