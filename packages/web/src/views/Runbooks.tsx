// The runbook catalogue: every runbook the server reads from its runbooks directory, and the
// files that do not parse with their diagnostics.
import { api } from '../api/client';
import { Empty, ErrorBanner, Loading, Panel, useLoad } from '../components/common';
import { Link } from '../router';

export function RunbooksPage() {
  const list = useLoad(() => api.runbooks.list(), 'runbooks');
  if (list.error) return <ErrorBanner error={list.error} what="Runbook catalogue" />;
  if (!list.data) return <Loading what="runbooks" />;
  const { runbooks, invalid } = list.data;
  return (
    <>
      <Panel
        title={
          <>
            Runbooks <span className="count">{runbooks.length}</span>
          </>
        }
        testId="runbooks"
      >
        {runbooks.length === 0 ? (
          <Empty>
            No runbooks. The server reads <code>*.md</code> files from its runbooks directory (<code>runledger serve --runbooks DIR</code>); add one and reload.
          </Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Runbook</th>
                <th>Description</th>
                <th>Environments</th>
                <th>Inputs</th>
                <th>File</th>
              </tr>
            </thead>
            <tbody>
              {runbooks.map((r) => (
                <tr key={r.id} data-testid="runbook-row" data-runbook={r.id}>
                  <td>
                    <Link to={`/runbooks/${encodeURIComponent(r.id)}`} data-testid={`runbook-link-${r.id}`}>
                      <strong>{r.title}</strong>
                    </Link>
                    <div className="mono small muted">{r.id}</div>
                  </td>
                  <td className="desc">{r.description ?? <span className="muted">–</span>}</td>
                  <td>
                    {r.environments.length === 0 ? (
                      <span className="muted">default</span>
                    ) : (
                      r.environments.map((e) => (
                        <span key={e} className="env">
                          {e}
                        </span>
                      ))
                    )}
                  </td>
                  <td className="small">
                    {r.inputs.length === 0 ? <span className="muted">none</span> : r.inputs.map((i) => i.name + (i.secret ? ' (secret)' : '')).join(', ')}
                  </td>
                  <td className="mono small muted" title={`sha256 ${r.sha256}`}>
                    {r.file}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {invalid.length > 0 && (
        <Panel
          title={
            <>
              Files that do not parse <span className="count bad">{invalid.length}</span>
            </>
          }
          testId="runbooks-invalid"
        >
          <p className="muted small">
            These files are not in the catalogue until fixed. Check them locally with <code>runledger lint FILE</code>.
          </p>
          {invalid.map((f) => (
            <div key={f.file} className="diag-file">
              <div className="mono">{f.file}</div>
              <ul className="diags">
                {f.diagnostics.map((d, i) => (
                  <li key={i} className={`diag ${d.severity}`}>
                    <span className="mono small">
                      {d.line}:{d.column}
                    </span>{' '}
                    <span className={`sev ${d.severity}`}>{d.severity}</span> <code>{d.code}</code> {d.message}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </Panel>
      )}
    </>
  );
}
