// The run's actions, each shown only when the run's state allows it and the user's role has it:
// approve/reject at an approval gate (comment required, never by the requester), and for an
// interrupted run resume, retry and skip (reason), abort (reason) for any run still going.
import { useState, type FormEvent } from 'react';
import { api, TERMINAL, type RunDetail, type Step } from '../api/client';
import { ErrorBanner } from '../components/common';
import { useSession } from '../session';

export function RunActions({ run, current, onDone }: { run: RunDetail; current: Step | undefined; onDone: (r: RunDetail) => void }) {
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
  const showAbort = can('operator');

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
  const withReason = (name: 'skip' | 'abort') => () => {
    if (!reason.trim()) return setMissing('reason');
    setMissing(null);
    act(name, () => (name === 'skip' ? api.runs.skip(run.id, reason.trim()) : api.runs.abort(run.id, reason.trim())));
  };

  return (
    <div className="actions" data-testid="run-actions">
      {waiting && (
        <div className="gate" data-testid="approval-gate">
          <div className="gate-title">
            Waiting for approval at <span className="mono">{current?.id}</span>
            {current && current.approvals.length > 0 && <span className="muted"> — {current.approvals.length} approval(s) so far</span>}
          </div>
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
      {(showOps || showAbort) && (
        <div className="ops">
          {showOps && (
            <>
              {current?.status !== 'unknown' && (
                <button type="button" disabled={busy !== null} onClick={() => act('resume', () => api.runs.resume(run.id))} data-testid="resume-button">
                  Resume
                </button>
              )}
              {current && (
                <button type="button" disabled={busy !== null} onClick={() => act('retry', () => api.runs.retry(run.id))} data-testid="retry-button" title={`Run step ${current.id} again`}>
                  Retry {current.id}
                </button>
              )}
            </>
          )}
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={showOps ? 'Reason (required for skip and abort)' : 'Reason (required to abort)'} aria-invalid={missing === 'reason' ? true : undefined} data-testid="reason-input" />
          {showOps && current && (
            <button type="button" disabled={busy !== null} onClick={withReason('skip')} data-testid="skip-button" title={`Mark step ${current.id} skipped and go on`}>
              Skip {current.id}
            </button>
          )}
          <button type="button" className="danger" disabled={busy !== null} onClick={withReason('abort')} data-testid="abort-button" title="Stop the run now, without rollback">
            Abort run
          </button>
          {missing === 'reason' && <span className="field-error">A reason is required.</span>}
          {interrupted && current?.status === 'unknown' && (
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
