// The run form, generated from the runbook's typed inputs. Values are checked here as the server
// will check them (anchored patterns, integer bounds, enum values), so most mistakes show next to
// their field before a request; what the server still refuses is shown too, attached to the field
// it names. Secret inputs are never sent: the server resolves them from its own environment.
import { useState, type FormEvent } from 'react';
import type { InputSchema } from '@runledger/server/api-types';
import { api, ApiError, type RunbookDetail, type RunDetail } from '../api/client';
import { ErrorBanner } from '../components/common';
import { Link, navigate } from '../router';
import { initial, prefilled, problemOf, toValue, type Raw } from '../inputs';
import { useSession } from '../session';
import { useShell } from '../shell';

/** The server's located problems (`error.details`, JSON pointers like /inputs/version), by field. */
function serverProblems(e: unknown, inputs: readonly InputSchema[]): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const d of e.details) {
    const field = d.path === '/environment' ? ENV_FIELD : d.path.startsWith('/inputs/') ? d.path.slice(8).replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
    if (field !== undefined && (field === ENV_FIELD || inputs.some((i) => i.name === field)) && !out[field]) out[field] = `${d.message} (${d.code})`;
  }
  return out;
}

/** Key of the environment's server problem (input names cannot contain a space). */
const ENV_FIELD = ' environment';

/** The incident and input values an incident's "Run runbook" link carries in the address. */
function incidentPrefill(rb: RunbookDetail): { id: string | undefined; inputs: Record<string, string> } {
  const q = new URLSearchParams(window.location.search);
  const inputs: Record<string, string> = {};
  for (const i of rb.inputs) {
    const v = q.get(`input.${i.name}`);
    if (v !== null && !i.secret) inputs[i.name] = v;
  }
  return { id: q.get('incident') ?? undefined, inputs };
}

/** `previous`: a run of this runbook to start again — its environment and non-secret inputs prefill the form. */
export function RunForm({ rb, previous }: { rb: RunbookDetail; previous?: RunDetail | undefined }) {
  const { can, session } = useSession();
  const { policy } = useShell();
  // From an incident's "Run runbook": `?incident=ID&input.NAME=value` (the alert's labels; never secrets).
  const [fromIncident] = useState(() => incidentPrefill(rb));
  const [values, setValues] = useState<Record<string, Raw>>(() =>
    Object.fromEntries(
      rb.inputs.map((i) => [
        i.name,
        previous ? prefilled(i, previous.inputs[i.name]) : fromIncident.inputs[i.name] !== undefined ? prefilled(i, fromIncident.inputs[i.name]) : initial(i),
      ]),
    ),
  );
  const [env, setEnv] = useState(previous && rb.environments.includes(previous.environment) ? previous.environment : (rb.environments[0] ?? ''));
  const secrets = rb.inputs.filter((i) => i.secret);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const allowed = can('operator');

  const problems: Record<string, string | undefined> = Object.fromEntries(rb.inputs.map((i) => [i.name, problemOf(i, values[i.name] ?? '')]));
  const fromServer = serverProblems(error, rb.inputs);
  const invalid = rb.inputs.some((i) => problems[i.name] !== undefined);

  const set = (name: string, v: Raw): void => {
    setValues((s) => ({ ...s, [name]: v }));
    setTouched((t) => ({ ...t, [name]: true }));
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSubmitted(true);
    if (invalid || busy) return;
    const inputs: Record<string, string | number | boolean> = {};
    for (const i of rb.inputs) {
      if (i.secret) continue; // never in a request: the server reads secrets from its own environment
      const v = toValue(i, values[i.name] ?? '');
      if (v !== undefined) inputs[i.name] = v;
    }
    setBusy(true);
    setError(null);
    api.runs
      .start({ runbook: rb.id, ...(env ? { environment: env } : {}), inputs, ...(fromIncident.id && !previous ? { incident: fromIncident.id } : {}) })
      .then(
        (r) => navigate(`/runs/${encodeURIComponent(r.run.id)}`),
        (err: unknown) => {
          setError(err);
          setBusy(false);
        },
      );
  };

  return (
    <form className="run-form" onSubmit={submit} noValidate data-testid="run-form">
      <h2>{previous ? 'Run again' : 'Start a run'}</h2>
      {!previous && fromIncident.id && (
        <div className="banner info small" data-testid="run-from-incident">
          <span>
            For incident <Link to={`/incidents/${encodeURIComponent(fromIncident.id)}`}>{fromIncident.id}</Link>: inputs prefilled from its alert&apos;s labels;
            the run joins the incident&apos;s timeline.
          </span>
        </div>
      )}
      {previous && (
        <div className="banner info small" data-testid="run-again-note">
          <span>
            Prefilled from run <Link to={`/runs/${encodeURIComponent(previous.id)}`}>{previous.id}</Link>: its environment and inputs
            {secrets.length > 0 ? (
              <>
                , except the secret{secrets.length === 1 ? '' : 's'} ({secrets.map((i) => i.name).join(', ')}), which {secrets.length === 1 ? 'is' : 'are'}{' '}
                never copied: the server resolves {secrets.length === 1 ? 'it' : 'them'} again
              </>
            ) : null}
            .{previous.runbook.sha256 !== rb.sha256 && ' The runbook has changed since that run.'}
          </span>
        </div>
      )}
      {!allowed && (
        <div className="banner warn small">
          Starting a run needs role <b>operator</b>; you are <b>{session.role}</b>.
        </div>
      )}
      {policy?.freeze && (
        <div className="banner frozen small">Automation is frozen (“{policy.freeze.reason}”): the server will refuse new runs until an admin unfreezes it.</div>
      )}
      <fieldset disabled={!allowed || busy}>
        <div className={`field${fromServer[ENV_FIELD] ? ' has-error' : ''}`}>
          <label htmlFor="run-env">Environment</label>
          {rb.environments.length > 0 ? (
            <select id="run-env" value={env} onChange={(e) => setEnv(e.target.value)} data-testid="run-env">
              {rb.environments.map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
          ) : (
            <div className="muted small">default (the runbook names no environments)</div>
          )}
          {fromServer[ENV_FIELD] && (
            <div className="field-error" data-testid="run-env-error">
              {fromServer[ENV_FIELD]}
            </div>
          )}
        </div>
        {rb.inputs.map((i) => {
          const id = `in-${i.name}`;
          const shown = (touched[i.name] || submitted) && problems[i.name];
          const err = shown || fromServer[i.name];
          const raw = values[i.name] ?? '';
          return (
            <div key={i.name} className={`field${err ? ' has-error' : ''}`}>
              <label htmlFor={id}>
                <span className="mono">{i.name}</span>
                {i.required && i.default === undefined && !i.secret && (
                  <span className="req" title="required">
                    *
                  </span>
                )}
                <span className="type">{i.type === 'enum' ? 'enum' : i.type}</span>
              </label>
              {i.secret ? (
                <div className="secret-note" data-testid={`run-input-${i.name}`} data-secret="true">
                  <b>Secret:</b> resolved by the server from its environment
                  {i.from?.env ? (
                    <>
                      {' '}
                      (<code>${i.from.env}</code>)
                    </>
                  ) : i.from?.file ? (
                    <>
                      {' '}
                      (file <code>{i.from.file}</code>)
                    </>
                  ) : null}
                  ; never sent from this form
                </div>
              ) : i.type === 'boolean' ? (
                <label className="check">
                  <input id={id} type="checkbox" checked={raw === true} onChange={(e) => set(i.name, e.target.checked)} data-testid={`run-input-${i.name}`} />{' '}
                  {raw === true ? 'true' : 'false'}
                </label>
              ) : i.type === 'enum' ? (
                <select
                  id={id}
                  value={String(raw)}
                  onChange={(e) => set(i.name, e.target.value)}
                  data-testid={`run-input-${i.name}`}
                  aria-invalid={err ? true : undefined}
                >
                  {(i.default === undefined || !i.required) && (
                    <option value="">{i.default === undefined ? '— choose —' : `default (${String(i.default)})`}</option>
                  )}
                  {(i.values ?? []).map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  type={i.type === 'integer' ? 'number' : 'text'}
                  inputMode={i.type === 'integer' ? 'numeric' : undefined}
                  step={i.type === 'integer' ? 1 : undefined}
                  min={i.min}
                  max={i.max}
                  value={String(raw)}
                  placeholder={i.default !== undefined ? `default: ${String(i.default)}` : i.pattern ? `matches ${i.pattern}` : undefined}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => set(i.name, e.target.value)}
                  onBlur={() => setTouched((t) => ({ ...t, [i.name]: true }))}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={`${id}-help`}
                  data-testid={`run-input-${i.name}`}
                />
              )}
              {err && (
                <div className="field-error" data-testid={`run-input-error-${i.name}`}>
                  {err}
                </div>
              )}
              {i.description && (
                <div className="help" id={`${id}-help`}>
                  {i.description}
                  {i.type === 'integer' && (i.min !== undefined || i.max !== undefined) && (
                    <span className="muted">
                      {' '}
                      ({i.min ?? '…'}–{i.max ?? '…'})
                    </span>
                  )}
                </div>
              )}
            </div>
          );
        })}
      </fieldset>
      <ErrorBanner error={error} what="The server refused the run" />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!allowed || busy} data-testid="run-submit">
          {busy ? 'Starting…' : `Start ${rb.id}`}
        </button>
        {submitted && invalid && <span className="field-error">Fix the fields marked above.</span>}
      </div>
    </form>
  );
}
