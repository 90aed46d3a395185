// The run's actions, each shown only when the run's state allows it and the user's role has it:
// approve/reject at an approval gate (comment required, never by the requester), with what the gate
// asks and the evidence before it; for an interrupted run resume, retry and skip (reason). Abort is
// kept apart (AbortControl, away from Approve) and asks for confirmation and a reason.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, TERMINAL, type RunDetail, type Step } from '../api/client';
import { ErrorBanner } from '../components/common';
import { useSession } from '../session';

export function RunActions({ run, current, onDone, gate }: { run: RunDetail; current: Step | undefined; onDone: (r: RunDetail) => void; gate?: ReactNode }) {
  const { can, session } = useSession();
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState<'comment' | 'reason' | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  if (TERMINAL.includes(run.state)) return null;
  const waiting = run.state === 'waiting_approval' && current?.status === 'waiting_approval';
  const interrupted = run.state === 'interrupted';
  const mine = run.requester === session.actor;
  const showDecide = waiting && can('approver');
  const showOps = interrupted && can('operator');
  if (!waiting && !showOps) return null;

  const act = (name: string, call: () => Promise<{ run: RunDetail }>): void => {
    setBusy(name);
    setError(null);
    call().then(
      (r) => {
        setBusy(null);
        setComment('');
        setReason('');
        onDone(r.run);
      },
      (e: unknown) => {
        setBusy(null);
        setError(e);
      },
    );
  };

  const decide = (action: 'approve' | 'reject') => (e?: FormEvent) => {
    e?.preventDefault();
    if (!comment.trim()) return setMissing('comment');
    setMissing(null);
    act(action, () => api.runs.decide(run.id, action, { comment: comment.trim(), ...(current ? { step: current.id } : {}) }));
  };
  const skip = (): void => {
    if (!reason.trim()) return setMissing('reason');
    setMissing(null);
    act('skip', () => api.runs.skip(run.id, reason.trim()));
  };

  return (
    <div className="actions" data-testid="run-actions">
      {waiting && (
        <div className="gate" data-testid="approval-gate">
          <div className="gate-title">
            Waiting for approval at <span className="mono">{current?.id}</span>
            {current && current.approvals.length > 0 && <span className="muted"> — {current.approvals.length} approval(s) so far</span>}
          </div>
          {gate}
          {!can('approver') ? (
            <div className="muted small">
              Approving needs role <b>approver</b>; you are <b>{session.role}</b>. Ask an approver to open this page.
            </div>
          ) : mine ? (
            <div className="muted small" data-testid="approval-self">
              You started this run, so you cannot approve or reject it: another approver must decide (the engine refuses APPROVAL_SELF).
            </div>
          ) : null}
          {showDecide && !mine && (
            <form className="decide" onSubmit={decide('approve')}>
              <textarea
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                placeholder="Comment (required): what you checked, why you approve or reject"
                rows={2}
                aria-invalid={missing === 'comment' ? true : undefined}
                data-testid="approve-comment"
              />
              <div className="decide-buttons">
                <button type="submit" className="approve" disabled={busy !== null} data-testid="approve-button">
                  {busy === 'approve' ? 'Approving…' : 'Approve'}
                </button>
                <button type="button" className="reject" disabled={busy !== null} onClick={() => decide('reject')()} data-testid="reject-button">
                  {busy === 'reject' ? 'Rejecting…' : 'Reject'}
                </button>
              </div>
              {missing === 'comment' && <div className="field-error">A comment is required: it is recorded in the ledger with your decision.</div>}
            </form>
          )}
        </div>
      )}
      {showOps && (
        <div className="ops">
          {current?.status !== 'unknown' && (
            <button type="button" disabled={busy !== null} onClick={() => act('resume', () => api.runs.resume(run.id))} data-testid="resume-button">
              Resume
            </button>
          )}
          {current && (
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => act('retry', () => api.runs.retry(run.id))}
              data-testid="retry-button"
              title={`Run step ${current.id} again`}
            >
              Retry {current.id}
            </button>
          )}
          {current && (
            <>
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="Reason (required to skip)"
                aria-invalid={missing === 'reason' ? true : undefined}
                data-testid="reason-input"
              />
              <button type="button" disabled={busy !== null} onClick={skip} data-testid="skip-button" title={`Mark step ${current.id} skipped and go on`}>
                Skip {current.id}
              </button>
            </>
          )}
          {missing === 'reason' && <span className="field-error">A reason is required.</span>}
          {current?.status === 'unknown' && (
            <div className="muted small hint-line">
              Step <span className="mono">{current.id}</span> may or may not have run before the interruption: check, then retry it or skip it.
            </div>
          )}
        </div>
      )}
      <ErrorBanner error={error} what="The server refused the action" onDismiss={() => setError(null)} />
    </div>
  );
}

/**
 * Abort, kept away from Approve: a quiet button that opens a confirmation naming what happens, with
 * its own required reason; nothing is sent until "Abort now".
 */
export function AbortControl({ run, onDone }: { run: RunDetail; onDone: (r: RunDetail) => void }) {
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (TERMINAL.includes(run.state) || !can('operator')) return null;
  if (!open) {
    return (
      <button
        type="button"
        className="btn-small danger-quiet"
        onClick={() => setOpen(true)}
        data-testid="abort-button"
        title="Stop the run now, without rollback (asks to confirm)"
      >
        Abort run…
      </button>
    );
  }
  const confirm = (e: FormEvent): void => {
    e.preventDefault();
    if (!reason.trim()) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setError(null);
    api.runs.abort(run.id, reason.trim()).then(
      (r) => {
        setBusy(false);
        setOpen(false);
        setReason('');
        onDone(r.run);
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <form className="abort-confirm" onSubmit={confirm} data-testid="abort-confirm" role="alertdialog" aria-label="Confirm abort">
      <div className="abort-what">
        <b>Abort this run?</b> It stops now: no further step runs and <b>no rollback</b> happens. The abort and its reason are recorded in the ledger.
      </div>
      <input
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        placeholder="Reason (required)"
        aria-invalid={missing ? true : undefined}
        data-testid="abort-reason"
        autoFocus
      />
      <button type="submit" className="danger" disabled={busy} data-testid="abort-confirm-button">
        {busy ? 'Aborting…' : 'Abort now'}
      </button>
      <button type="button" className="btn-small" disabled={busy} onClick={() => setOpen(false)} data-testid="abort-cancel">
        Cancel
      </button>
      {missing && <span className="field-error">A reason is required.</span>}
      <ErrorBanner error={error} what="The server refused to abort" onDismiss={() => setError(null)} />
    </form>
  );
}
