// What an approval gate asks, and the evidence an approver decides on: the gate's own text (Markdown,
// rendered safely) and, for each step before it in the same phase, its status, exit code or probe
// result, the tail of its stored output and its ledger entries.
import type { RunLedger } from '@runledger/server/api-types';
import { api, type RunDetail, type Step } from '../api/client';
import { ErrorBanner, Status, useLoad } from '../components/common';
import { tailOf } from '../format';
import { Markdown } from '../markdown';
import { Link } from '../router';

type LedgerRow = RunLedger['entries'][number];

/** The gate's text; nothing when the server gave none (a run from before gates carried it). */
export function GateText({ step }: { step: Step }) {
  if (!step.text) return null;
  return (
    <div className="gate-text" data-testid="gate-text">
      <Markdown text={step.text} />
    </div>
  );
}

/** The steps before the gate, with what they showed. */
export function GateEvidence({
  run,
  gate,
  ledger,
  onSelect,
}: {
  run: RunDetail;
  gate: Step;
  ledger: readonly LedgerRow[] | undefined;
  onSelect: (id: string) => void;
}) {
  const list = gate.phase === 'rollback' ? run.rollback : run.steps;
  const before = list.slice(
    0,
    Math.max(
      0,
      list.findIndex((s) => s.id === gate.id),
    ),
  );
  const ran = before.filter((s) => s.status !== 'pending' && s.kind !== 'approve');
  const outputs = useLoad(
    async () => Object.fromEntries(await Promise.all(ran.map(async (s) => [s.id, await api.runs.output(run.id, s.id)] as const))),
    `${run.id}:${gate.phase}:${gate.id}:${ran.map((s) => `${s.id}.${s.attempt}.${s.status}`).join(',')}`,
  );
  if (before.length === 0) return <div className="muted small">No step runs before this gate.</div>;
  return (
    <div className="evidence" data-testid="gate-evidence">
      <div className="sub-head">
        Evidence: the {before.length} step{before.length === 1 ? '' : 's'} before this gate
      </div>
      <ErrorBanner error={outputs.error} what="Stored output" />
      <ul className="evidence-list">
        {before.map((s) => {
          const seqs = (ledger ?? []).filter((e) => e.step === s.id && (e.phase === null || e.phase === s.phase));
          // A probe's stored output is its result line, already shown as the detail: no tail then.
          const out = tailOf(outputs.data?.[s.id]);
          const tail = out.trim() === (s.detail ?? '').trim() ? '' : out;
          const exit = s.exitCode !== undefined && !(s.detail ?? '').includes(`exit ${s.exitCode}`) ? s.exitCode : undefined;
          return (
            <li key={s.id} className="evidence-item" data-testid="evidence-step" data-step={s.id} data-status={s.status}>
              <div className="evidence-head">
                <Status value={s.status} />
                <button type="button" className="link-btn mono" onClick={() => onSelect(s.id)} title="Show this step's detail and full output">
                  {s.id}
                </button>
                <span className="kind-tag">{s.kind}</span>
                {exit !== undefined && <span className={`mono small${exit === 0 ? '' : ' bad-text'}`}>exit {exit}</span>}
                {s.detail && (
                  <span className={`small evidence-detail${s.exitCode !== undefined && s.exitCode !== 0 ? ' bad-text' : ''}`} title={s.detail}>
                    {s.detail}
                  </span>
                )}
                <span className="evidence-seqs">
                  {seqs.map((e) => (
                    <Link key={e.seq} to={`/ledger?seq=${e.seq}`} className="seq" title={`${e.type} at ${e.ts}`}>
                      #{e.seq}
                    </Link>
                  ))}
                </span>
              </div>
              {tail && (
                <pre className="output tail" data-testid="evidence-tail">
                  {tail}
                </pre>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
