// A dense table of runs, shared by the dashboard and the runs list.
import type { RunSummary } from '@runledger/server/api-types';
import { shortId } from '../format';
import { Link } from '../router';
import { Actor, Status, Time } from './common';

/** `compact` (the dashboard's narrow column) drops the updated time and the absolute start time. */
export function RunTable({ runs, showReason, compact, testId }: { runs: readonly RunSummary[]; showReason?: boolean; compact?: boolean; testId?: string }) {
  return (
    <table className="grid runs" data-testid={testId}>
      <thead>
        <tr>
          <th>State</th>
          <th>Run</th>
          <th>Runbook</th>
          <th>Env</th>
          <th>Requester</th>
          <th>Started</th>
          {!compact && <th>Updated</th>}
          {showReason && <th>Reason</th>}
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="run-row" data-run={r.id} data-state={r.state}>
            <td>
              <Status value={r.state} />
            </td>
            <td>
              <Link to={`/runs/${encodeURIComponent(r.id)}`} className="mono" title={r.id}>
                {shortId(r.id)}
              </Link>
            </td>
            <td>
              <Link to={`/runbooks/${encodeURIComponent(r.runbook.id)}`} title={r.runbook.id}>
                {r.runbook.title}
              </Link>
            </td>
            <td>
              <span className="env">{r.environment}</span>
            </td>
            <td className="small">
              <Actor id={r.requester} />
            </td>
            <td>
              <Time iso={r.createdAt} compact={compact} />
            </td>
            {!compact && (
              <td>
                <Time iso={r.updatedAt} compact />
              </td>
            )}
            {showReason && (
              <td className="reason" title={r.reason ?? undefined}>
                {r.reason ?? ''}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
