// One run, live: its state and actions, the timeline, the step list, and the selected step's
// output, approvals and ledger entries. The event stream says *that* something happened; the view
// then re-reads GET /runs/:id (cheap, replayed from stored events), so it never has to fold events
// itself and cannot drift from the server. Live output is appended as it streams.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunLedger, StepOutput } from '@runledger/server/api-types';
import { api, TERMINAL, watchRun, type OutputEvent, type RunDetail, type Step } from '../api/client';
import { Actor, ErrorBanner, Facts, Loading, Mono, Panel, Status, Time, useLoad, useReceiptDownload } from '../components/common';
import { barsOf, Gantt } from '../components/Gantt';
import { duration } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import { GateEvidence, GateText } from './Gate';
import { AbortControl, RunActions } from './RunActions';

type LedgerRow = RunLedger['entries'][number];
type Chunk = Pick<OutputEvent, 'stream' | 'text'>;

/** Live output kept per step, capped so a chatty step cannot exhaust the tab. */
const LIVE_CAP = 256 * 1024;

export function RunPage({ id }: { id: string }) {
  const { can } = useSession();
  const [run, setRun] = useState<RunDetail | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [ledger, setLedger] = useState<LedgerRow[] | undefined>();
  const [ledgerError, setLedgerError] = useState<unknown>(null);
  const [live, setLive] = useState<Record<string, Chunk[]>>({});
  const [picked, setPicked] = useState<string | null>(null);
  const [streamDown, setStreamDown] = useState(false);
  const busy = useRef(false);
  const again = useRef(false);
  const now = useNowWhile(run !== undefined && !TERMINAL.includes(run.state));

  // One refresh at a time; events arriving meanwhile cause exactly one more.
  const refresh = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    try {
      do {
        again.current = false;
        const [r, l] = await Promise.all([
          api.runs.get(id),
          api.runs.ledger(id).then(
            (x) => ({ ok: x }),
            (e: unknown) => ({ err: e }),
          ),
        ]);
        setRun(r);
        setError(null);
        if ('ok' in l) {
          setLedger(l.ok.entries);
          setLedgerError(null);
        } else setLedgerError(l.err);
      } while (again.current);
    } catch (e) {
      setError(e);
    } finally {
      busy.current = false;
    }
  }, [id]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const terminal = run !== undefined && TERMINAL.includes(run.state);
  useEffect(() => {
    if (terminal) return;
    let poll: ReturnType<typeof setInterval> | undefined;
    const stop = watchRun(id, {
      onEvent: () => void refresh(),
      onOutput: (o) =>
        setLive((s) => {
          const list = [...(s[o.step] ?? []), { stream: o.stream, text: o.text }];
          let size = list.reduce((n, c) => n + c.text.length, 0);
          while (size > LIVE_CAP && list.length > 1) size -= list.shift()?.text.length ?? 0;
          return { ...s, [o.step]: list };
        }),
      onDown: () => {
        setStreamDown(true);
        poll ??= setInterval(() => void refresh(), 2000);
      },
    });
    // A slow safety net: a proxy can silently stall a stream.
    const slow = setInterval(() => void refresh(), 10_000);
    return () => {
      stop();
      clearInterval(slow);
      if (poll) clearInterval(poll);
    };
  }, [id, terminal, refresh]);

  if (!run) {
    return error ? (
      <>
        <ErrorBanner error={error} what={`Run ${id}`} />
        <Link to="/runs">All runs</Link>
      </>
    ) : (
      <Loading what="run" />
    );
  }

  const all = [...run.steps, ...run.rollback];
  const current = currentStep(run);
  const selectedId =
    picked ?? current?.id ?? all.find((s) => s.status === 'failed')?.id ?? all.filter((s) => s.status !== 'pending').at(-1)?.id ?? all[0]?.id ?? null;
  const selected = all.find((s) => s.id === selectedId);
  const runEntries = (ledger ?? []).filter((e) => e.step === null);
  const onDone = (r: RunDetail): void => {
    setRun(r);
    void refresh();
  };

  return (
    <div className="run-page">
      <section className="panel run-head" data-testid="run-head">
        <div className="run-title">
          <Status value={run.state} testId="run-state" />
          <h1>
            <Link to={`/runbooks/${encodeURIComponent(run.runbook.id)}`}>{run.runbook.title}</Link>
          </h1>
          <Mono title={run.id}>{run.id}</Mono>
          {!terminal && (
            <span className={`live-dot${streamDown ? ' down' : ''}`} title={streamDown ? 'event stream down: polling every 2 s' : 'following the run live'}>
              {streamDown ? 'polling' : 'live'}
            </span>
          )}
          <span className="run-title-end">
            {can('operator') && (
              <Link
                to={`/runbooks/${encodeURIComponent(run.runbook.id)}?again=${encodeURIComponent(run.id)}`}
                className="button btn-small"
                data-testid="run-again"
                title="Start a new run of this runbook with the same environment and non-secret inputs"
              >
                ↻ Run again…
              </Link>
            )}
            <AbortControl run={run} onDone={onDone} />
          </span>
        </div>
        <Facts
          items={[
            ['Environment', <span className="env">{run.environment}</span>],
            ['Requester', <Actor id={run.requester} />],
            ['Created', <Time iso={run.createdAt} />],
            ['Updated', <Time iso={run.updatedAt} />],
            ['Phase', run.phase],
            [
              'Runbook',
              <span className="mono small" title={`sha256 ${run.runbook.sha256}`}>
                {run.file} @ {run.runbook.sha256.slice(0, 10)}
              </span>,
            ],
          ]}
        />
        {run.reason && (
          <div className={`reason-line st-text-${run.state}`} data-testid="run-reason">
            {run.reason}
          </div>
        )}
        <InputsLine inputs={run.inputs} />
        <ErrorBanner error={error} what="Refreshing the run" />
        <RunActions
          run={run}
          current={current}
          onDone={onDone}
          gate={
            current?.kind === 'approve' && (
              <>
                <GateText step={current} />
                <GateEvidence run={run} gate={current} ledger={ledger} onSelect={setPicked} />
              </>
            )
          }
        />
        {runEntries.length > 0 && (
          <div className="run-ledger small">
            Ledger:{' '}
            {runEntries.map((e) => (
              <SeqLink key={e.seq} e={e} />
            ))}
            <Link to={`/ledger?run=${encodeURIComponent(run.id)}`} className="small" data-testid="run-ledger-all">
              all {ledger?.length ?? ''} entries of this run →
            </Link>
          </div>
        )}
      </section>

      <Panel title="Timeline" className="timeline-panel">
        <Gantt run={run} now={now} selected={selectedId} onSelect={setPicked} />
      </Panel>

      <div className="run-split">
        <Panel
          title={
            <>
              Steps <span className="count">{all.length}</span>
            </>
          }
          testId="steps"
        >
          <StepTable run={run} ledger={ledger} selected={selectedId} onSelect={setPicked} now={now} />
          <ErrorBanner error={ledgerError} what="The run's ledger entries" />
        </Panel>
        {selected && (
          <StepDetail
            key={`${selected.phase}:${selected.id}`}
            runId={run.id}
            step={selected}
            live={live[selected.id]}
            ledger={(ledger ?? []).filter((e) => e.step === selected.id && (e.phase === null || e.phase === selected.phase))}
            elapsed={elapsedOf(run, selected, now)}
          />
        )}
      </div>
    </div>
  );
}

/**
 * The step at the run's cursor: the first in the current phase that has not finished. A run
 * interrupted before its next step started (by a freeze, say) rests on a pending step.
 */
function currentStep(run: RunDetail): Step | undefined {
  if (TERMINAL.includes(run.state)) return undefined;
  const list = run.phase === 'rollback' ? run.rollback : run.steps;
  return list.find((s) => s.status === 'running' || s.status === 'waiting_approval' || s.status === 'unknown' || s.status === 'pending');
}

/** The clock, ticking only while something moves. */
function useNowWhile(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function InputsLine({ inputs }: { inputs: Record<string, unknown> }) {
  const keys = Object.keys(inputs);
  if (keys.length === 0) return null;
  return (
    <div className="inputs-line small">
      {keys.map((k) => (
        <span key={k} className="input-chip">
          <span className="muted">{k}=</span>
          <span className="mono">{typeof inputs[k] === 'string' ? (inputs[k] as string) : JSON.stringify(inputs[k])}</span>
        </span>
      ))}
    </div>
  );
}

function SeqLink({ e }: { e: LedgerRow }) {
  return (
    <Link to={`/ledger?seq=${e.seq}`} className="seq" title={`${e.type} at ${e.ts}`} data-testid={`seq-${e.seq}`}>
      #{e.seq}
      <span className="seq-type">{e.type.replace(/^run\./, '')}</span>
    </Link>
  );
}

function StepTable({
  run,
  ledger,
  selected,
  onSelect,
  now,
}: {
  run: RunDetail;
  ledger: LedgerRow[] | undefined;
  selected: string | null;
  onSelect: (id: string) => void;
  now: number;
}) {
  // Approval gates have no duration of their own: their wait is what the timeline draws.
  const waits = new Map(
    barsOf(run, now).map((b) => [`${b.step.phase}:${b.step.id}`, b.start !== undefined && b.end !== undefined ? b.end - b.start : undefined]),
  );
  const rows = (phase: 'main' | 'rollback', steps: readonly Step[]) =>
    steps.map((s, i) => {
      const seqs = (ledger ?? []).filter((e) => e.step === s.id && (e.phase === null || e.phase === phase));
      const started = s.startedAt ? Date.parse(s.startedAt) : NaN;
      const dur =
        s.durationMs ?? (s.status === 'running' && !Number.isNaN(started) ? now - started : s.kind === 'approve' ? waits.get(`${phase}:${s.id}`) : undefined);
      return (
        <tr
          key={`${phase}:${s.id}`}
          className={`step-row${s.id === selected ? ' selected' : ''}`}
          onClick={() => onSelect(s.id)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onSelect(s.id);
            }
          }}
          tabIndex={0}
          aria-selected={s.id === selected}
          data-testid="step-row"
          data-step={s.id}
          data-status={s.status}
        >
          <td className="num">{i + 1}</td>
          <td>
            {/* A step still pending in a finished run never ran. */}
            <Status value={s.status} testId={`step-status-${s.id}`} label={s.status === 'pending' && TERMINAL.includes(run.state) ? 'not run' : undefined} />
          </td>
          <td className="step-cell">
            <div className="step-line" title={`${s.id} (${s.kind}${s.attempt > 1 ? `, attempt ${s.attempt}` : ''})`}>
              <span className="kind-tag">{s.kind}</span>
              <span className="mono step-id">{s.id}</span>
              {s.attempt > 1 && <span className="attempt"> ×{s.attempt}</span>}
            </div>
            {/* The detail wraps under the step (a URL, a reason): never cut off. */}
            {(s.detail || (s.exitCode !== undefined && s.exitCode !== 0)) && (
              <div className={`step-detail-line small${s.status === 'failed' || s.status === 'denied' ? ' bad-text' : ''}`} data-testid="step-detail-line">
                {s.detail ?? ''}
                {s.exitCode !== undefined && s.exitCode !== 0 && !(s.detail ?? '').includes(`exit ${s.exitCode}`) ? ` (exit ${s.exitCode})` : ''}
              </div>
            )}
          </td>
          <td className="num small">
            {dur !== undefined ? `${s.kind === 'approve' ? (s.status === 'waiting_approval' ? 'waiting ' : 'waited ') : ''}${duration(dur)}` : '–'}
          </td>
          <td className="seqs">
            {seqs.map((e) => (
              <Link key={e.seq} to={`/ledger?seq=${e.seq}`} className="seq" title={`${e.type} at ${e.ts}`} onClick={(ev) => ev.stopPropagation()}>
                #{e.seq}
              </Link>
            ))}
          </td>
        </tr>
      );
    });
  return (
    <table className="grid steps">
      <colgroup>
        <col className="c-num" />
        <col className="c-status" />
        <col className="c-step" />
        <col className="c-dur" />
        <col className="c-seqs" />
      </colgroup>
      <thead>
        <tr>
          <th>#</th>
          <th>Status</th>
          <th>Step</th>
          <th className="num">Duration</th>
          <th>Ledger</th>
        </tr>
      </thead>
      <tbody>
        {rows('main', run.steps)}
        {run.rollback.length > 0 && (
          <tr className="section-row">
            <td colSpan={5}>Rollback{run.phase === 'rollback' && !TERMINAL.includes(run.state) ? ' — in progress' : ''}</td>
          </tr>
        )}
        {rows('rollback', run.rollback)}
      </tbody>
    </table>
  );
}

/** How long a step that has not finished has been going: running since it started, an approval gate waiting since it was reached. */
function elapsedOf(run: RunDetail, step: Step, now: number): number | undefined {
  if (step.status !== 'running' && step.status !== 'waiting_approval') return undefined;
  const bar = barsOf(run, now).find((b) => b.step.id === step.id && b.step.phase === step.phase);
  return bar?.start !== undefined && bar.end !== undefined ? bar.end - bar.start : undefined;
}

function StepDetail({
  runId,
  step,
  live,
  ledger,
  elapsed,
}: {
  runId: string;
  step: Step;
  live: Chunk[] | undefined;
  ledger: LedgerRow[];
  elapsed: number | undefined;
}) {
  const { session } = useSession();
  const receipts = useReceiptDownload();
  return (
    <Panel
      title={
        <>
          Step <span className="mono">{step.id}</span> <Status value={step.status} />
        </>
      }
      testId="step-detail"
    >
      <Facts
        className="small"
        items={[
          ['Kind', step.kind],
          ['Phase', step.phase],
          ['Attempt', step.attempt],
          ['Started', <Time iso={step.startedAt} />],
          ['Finished', <Time iso={step.finishedAt} />],
          step.durationMs !== undefined || elapsed === undefined
            ? ['Duration', duration(step.durationMs)]
            : [step.status === 'waiting_approval' ? 'Waiting' : 'Running', <span data-testid="step-elapsed">{duration(elapsed)} so far</span>],
          step.exitCode !== undefined && ['Exit', <span className="mono">{step.exitCode}</span>],
        ]}
      />
      {step.detail && <div className="step-detail-text">{step.detail}</div>}
      {/* A waiting gate's text is in the approval box above. */}
      {step.kind === 'approve' && step.text && step.status !== 'waiting_approval' && (
        <>
          <div className="sub-head">The gate asks</div>
          <GateText step={step} />
        </>
      )}
      {step.approvals.length > 0 && (
        <ul className="approvals" data-testid="approvals">
          {step.approvals.map((a) => (
            <li key={a.actor + a.at}>
              ✔ <Actor id={a.actor} you={session.actor} /> — “{a.comment}” <Time iso={a.at} compact />
            </li>
          ))}
        </ul>
      )}
      <div className="sub-head">Ledger entries</div>
      {ledger.length === 0 ? (
        <div className="empty-inline">No ledger entry for this step yet{step.status === 'pending' ? ': it has not started' : ''}.</div>
      ) : (
        <table className="grid compact" data-testid="step-ledger">
          <tbody>
            {ledger.map((e) => (
              <tr key={e.seq}>
                <td>
                  <Link to={`/ledger?seq=${e.seq}`} className="seq">
                    #{e.seq}
                  </Link>
                </td>
                <td className="mono small">{e.type}</td>
                <td className="small">{e.attempt !== null ? `attempt ${e.attempt}` : ''}</td>
                <td>
                  <Time iso={e.ts} compact />
                </td>
                <td>
                  <button
                    type="button"
                    className="btn-small"
                    onClick={() => receipts.download(e.seq)}
                    title="Download a C2SP tlog-proof inclusion receipt for this entry"
                    data-testid={`receipt-${e.seq}`}
                  >
                    ⤓ receipt
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBanner error={receipts.error} what="Receipt" onDismiss={receipts.clear} />
      {step.kind !== 'approve' && <Output runId={runId} step={step} live={live} />}
    </Panel>
  );
}

/** Live output while the step runs; the stored output (every attempt) once it has finished. */
function Output({ runId, step, live }: { runId: string; step: Step; live: Chunk[] | undefined }) {
  const running = step.status === 'running';
  const stored = useLoad<StepOutput | null>(
    () => (step.status === 'pending' ? Promise.resolve(null) : api.runs.output(runId, step.id)),
    `${runId}:${step.id}:${step.status}:${step.attempt}`,
  );
  const pre = useRef<HTMLPreElement | null>(null);
  useEffect(() => {
    // Follow the tail while output streams in.
    if (running && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [running, live]);

  if (running || (live && !stored.data?.attempts.length)) {
    return (
      <>
        <div className="sub-head">
          Output {running && <span className="live-dot">streaming</span>}
          {running && <span className="muted hint">lines printed before this page opened show when the step ends</span>}
        </div>
        <pre className="output" ref={pre} data-testid="step-output">
          {live && live.length > 0 ? (
            live.map((c, i) => (
              <span key={i} className={c.stream}>
                {c.text}
              </span>
            ))
          ) : (
            <span className="muted">{running ? 'waiting for output…' : 'no output'}</span>
          )}
        </pre>
      </>
    );
  }
  if (step.status === 'pending') return <div className="empty-inline">Not started: no output yet.</div>;
  return (
    <>
      <div className="sub-head">Output</div>
      <ErrorBanner error={stored.error} what="Stored output" />
      {stored.data &&
        (stored.data.attempts.length === 0 ? (
          <div className="empty-inline">No output was stored for this step.</div>
        ) : (
          stored.data.attempts.map((a) => (
            <div key={`${a.phase}:${a.attempt}`} className="attempt">
              {stored.data && stored.data.attempts.length > 1 && <div className="muted small">attempt {a.attempt}</div>}
              <pre className="output" data-testid="step-output">
                {a.stdout && <span className="stdout">{a.stdout}</span>}
                {a.stderr && <span className="stderr">{a.stderr}</span>}
                {!a.stdout && !a.stderr && <span className="muted">(no output)</span>}
              </pre>
              {a.truncated && <div className="muted small">Output was truncated at the server's cap.</div>}
            </div>
          ))
        ))}
    </>
  );
}
