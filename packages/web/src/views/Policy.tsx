// Policy: the rules in force (as JSON, readable), and the kill switch: freeze and unfreeze with a
// required reason (admin). Both are recorded in the ledger as automation.freeze entries.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { Actor, ErrorBanner, Loading, Panel, Time } from '../components/common';
import { useSession } from '../session';
import { useShell } from '../shell';

export function PolicyPage() {
  const { policy, reloadPolicy } = useShell();
  const { can, session } = useSession();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  if (!policy) return <Loading what="policy" />;
  const frozen = policy.freeze !== null;

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!reason.trim()) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setError(null);
    setDone(null);
    (frozen ? api.policy.unfreeze(reason.trim()) : api.policy.freeze(reason.trim())).then(
      (r) => {
        setBusy(false);
        setReason('');
        setDone(`${r.frozen ? 'Frozen' : 'Unfrozen'}; recorded as ledger entry #${r.seq}.`);
        reloadPolicy();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  return (
    <div className="policy-page">
      <Panel title="Kill switch" testId="freeze-panel">
        <div className={`freeze-card ${frozen ? 'frozen' : 'live'}`} data-testid="freeze-state" data-frozen={String(frozen)}>
          {policy.freeze ? (
            <>
              <div className="big">FROZEN — no new step starts anywhere</div>
              <div>“{policy.freeze.reason}”</div>
              <div className="muted small">
                by <Actor id={policy.freeze.by} /> · <Time iso={policy.freeze.at} />
              </div>
            </>
          ) : (
            <>
              <div className="big">Automation is running</div>
              <div className="muted small">Freezing stops every new step of every run at once, and refuses new runs, until someone unfreezes.</div>
            </>
          )}
        </div>
        {can('admin') ? (
          <form className="freeze-form" onSubmit={submit}>
            <input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={frozen ? 'Reason to unfreeze (required, recorded in the ledger)' : 'Reason to freeze (required, recorded in the ledger)'}
              aria-invalid={missing ? true : undefined}
              data-testid="freeze-reason"
            />
            {frozen ? (
              <button type="submit" className="primary" disabled={busy} data-testid="unfreeze-button">
                {busy ? 'Unfreezing…' : 'Unfreeze'}
              </button>
            ) : (
              <button type="submit" className="danger" disabled={busy} data-testid="freeze-button">
                {busy ? 'Freezing…' : 'Freeze automation'}
              </button>
            )}
            {missing && <span className="field-error">A reason is required.</span>}
          </form>
        ) : (
          <div className="muted small">
            Freezing and unfreezing need role <b>admin</b>; you are <b>{session.role}</b>.
          </div>
        )}
        {done && (
          <div className="ok-text small" data-testid="freeze-done">
            {done}
          </div>
        )}
        <ErrorBanner error={error} what={frozen ? 'Unfreeze' : 'Freeze'} onDismiss={() => setError(null)} />
      </Panel>
      <Panel title="Policy in force" testId="policy">
        <div className="muted small">
          {policy.file ? (
            <>
              from <code>{policy.file}</code>
            </>
          ) : (
            'built-in defaults (no policy file)'
          )}
        </div>
        <pre className="json policy-json" data-testid="policy-json">
          <Json value={policy.policy} />
        </pre>
      </Panel>
    </div>
  );
}

/** JSON, indented, with keys, strings, numbers and literals coloured by class (no HTML strings). */
function Json({ value, indent = 0 }: { value: unknown; indent?: number }): ReactNode {
  const pad = '  '.repeat(indent + 1);
  const end = '  '.repeat(indent);
  if (value === null || typeof value === 'boolean') return <span className="j-lit">{String(value)}</span>;
  if (typeof value === 'number') return <span className="j-num">{value}</span>;
  if (typeof value === 'string') return <span className="j-str">{JSON.stringify(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {value.map((v, i) => (
          <span key={i}>
            {pad}
            <Json value={v} indent={indent + 1} />
            {i < value.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {end}]
      </>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([k, v], i) => (
          <span key={k}>
            {pad}
            <span className="j-key">{JSON.stringify(k)}</span>: <Json value={v} indent={indent + 1} />
            {i < entries.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {end}
        {'}'}
      </>
    );
  }
  return String(value);
}
