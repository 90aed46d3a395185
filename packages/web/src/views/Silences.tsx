// Silences and maintenance windows: the active and future ones (optionally the ended ones too),
// a form to add one (matchers one per line, a duration, a comment, the kind), and Expire.
import { useState, type FormEvent } from 'react';
import { api, type Silence } from '../api/client';
import { Actor, Empty, ErrorBanner, Loading, Panel, Time, useLoad } from '../components/common';
import { matcherLines } from '../incidents';
import { useSession } from '../session';

export function SilencesPage() {
  const { can, session } = useSession();
  const [all, setAll] = useState(false);
  const list = useLoad(() => api.silences.list(all), `silences:${all}`, 15_000);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const operator = can('operator');

  const expire = (s: Silence): void => {
    setBusy(s.id);
    setError(null);
    api.silences.expire(s.id).then(
      () => {
        setBusy(null);
        list.reload();
      },
      (e: unknown) => {
        setBusy(null);
        setError(e);
      },
    );
  };

  return (
    <div className="silences-page">
      <Panel
        title={<>Silences {list.data && <span className="count">{list.data.silences.length}</span>}</>}
        testId="silences"
        actions={
          <label className="check small">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="silences-all" /> include ended
          </label>
        }
      >
        <ErrorBanner error={list.error} what="Silences" />
        <ErrorBanner error={error} what="Expire" onDismiss={() => setError(null)} />
        {!list.data ? (
          !list.error && <Loading what="silences" />
        ) : list.data.silences.length === 0 ? (
          <Empty testId="silences-empty">No silence is active or planned. Notifications go out as routed.</Empty>
        ) : (
          <table className="grid silences">
            <thead>
              <tr>
                <th>Status</th>
                <th>Kind</th>
                <th>Matchers</th>
                <th>Comment</th>
                <th>Starts</th>
                <th>Ends</th>
                <th>By</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.silences.map((s) => {
                const status = s.expiredBy ? 'expired' : s.active ? 'active' : Date.parse(s.endsAt) <= Date.now() ? 'ended' : 'future';
                return (
                  <tr key={s.id} data-testid="silence-row" data-status={status}>
                    <td>
                      <span className={`badge sil-${status}`}>{status}</span>
                    </td>
                    <td>{s.kind}</td>
                    <td>
                      <div className="chips">
                        {s.matchers.map((m) => (
                          <code key={m} className="chip mono">
                            {m}
                          </code>
                        ))}
                      </div>
                    </td>
                    <td className="desc">{s.comment}</td>
                    <td>
                      <Time iso={s.startsAt} compact />
                    </td>
                    <td>
                      <Time iso={s.endsAt} />
                    </td>
                    <td className="small">
                      <Actor id={s.createdBy} />
                      {s.expiredBy && (
                        <div className="muted">
                          expired by <Actor id={s.expiredBy} />
                        </div>
                      )}
                    </td>
                    <td>
                      {(status === 'active' || status === 'future') && (
                        <button
                          type="button"
                          className="btn-small danger"
                          disabled={!operator || busy !== null}
                          title={operator ? 'End it now' : `needs role operator (you are ${session.role})`}
                          onClick={() => expire(s)}
                          data-testid="silence-expire"
                        >
                          {busy === s.id ? 'Expiring…' : 'Expire'}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Add a silence" testId="silence-add">
        {operator ? (
          <SilenceForm onDone={list.reload} />
        ) : (
          <div className="muted small">
            Silencing needs role <b>operator</b>; you are <b>{session.role}</b>.
          </div>
        )}
      </Panel>
    </div>
  );
}

function SilenceForm({ onDone }: { onDone: () => void }) {
  const [matchers, setMatchers] = useState('');
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const [kind, setKind] = useState<'silence' | 'maintenance'>('silence');
  const [missing, setMissing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const ms = matcherLines(matchers);
    if (ms.length === 0) return setMissing('At least one matcher, e.g. alertname="DiskFull".');
    if (!duration.trim()) return setMissing('A duration, e.g. 30m, 2h, 1d.');
    if (!comment.trim()) return setMissing('A comment: why, and who to ask.');
    setMissing(null);
    setBusy(true);
    setError(null);
    setDone(null);
    api.silences.create({ matchers: ms, duration: duration.trim(), comment: comment.trim(), kind }).then(
      (s) => {
        setBusy(false);
        setMatchers('');
        setComment('');
        setDone(`Silenced until ${s.endsAt}.`);
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  return (
    <form className="silence-form" onSubmit={submit} data-testid="silence-form">
      <label>
        Matchers, one per line
        <textarea
          rows={3}
          className="mono"
          value={matchers}
          onChange={(e) => setMatchers(e.target.value)}
          placeholder={'alertname="DiskFull"\nservice=~"db|cache"'}
          spellCheck={false}
          data-testid="silence-matchers"
        />
      </label>
      <div className="row">
        <label>
          Duration
          <input value={duration} onChange={(e) => setDuration(e.target.value)} placeholder="2h" size={8} data-testid="silence-duration" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as 'silence' | 'maintenance')} data-testid="silence-kind">
            <option value="silence">silence</option>
            <option value="maintenance">maintenance</option>
          </select>
        </label>
      </div>
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="Why, and until what (required)" data-testid="silence-comment" />
      </label>
      <div className="muted small">A silence holds notifications back; it never resolves an incident. Both are recorded in the ledger.</div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="silence-submit">
          {busy ? 'Adding…' : 'Add silence'}
        </button>
        {missing && <span className="field-error">{missing}</span>}
        {done && (
          <span className="ok-text small" data-testid="silence-done">
            {done}
          </span>
        )}
      </div>
      <ErrorBanner error={error} what="The server refused the silence" onDismiss={() => setError(null)} />
    </form>
  );
}
