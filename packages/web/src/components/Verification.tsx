// A ledger verification's outcome: green with the verified size and root; red with the verifier's
// reason, the failing index and its detail; or no verdict (the trust file or verifier could not be used).
import type { Verification } from '../api/client';
import { duration } from '../format';
import { Actor, Mono, Time } from './common';

export function VerificationResult({ v }: { v: Verification }) {
  if (v.ok) {
    return (
      <div className="verify ok" data-testid="verify-result" data-ok="true">
        <div className="verify-head">
          <span className="verify-mark">✔</span> verified {v.size.toLocaleString()} entries, root <Mono title={v.root ?? ''}>{v.root}</Mono>
        </div>
        <div className="muted small">
          origin <code>{v.origin}</code> · {v.trustedKeys} trusted key{v.trustedKeys === 1 ? '' : 's'} · {duration(v.durationMs)} · by <Actor id={v.by} /> ·{' '}
          <Time iso={v.verifiedAt} />
        </div>
      </div>
    );
  }
  const p = v.problem;
  return (
    <div className="verify bad" data-testid="verify-result" data-ok="false">
      <div className="verify-head">
        {v.result === 'unknown' ? (
          <>
            <span className="verify-mark">?</span> no verdict
            {p ? (
              <>
                : <code>{p.reason}</code>
              </>
            ) : null}
          </>
        ) : (
          <>
            <span className="verify-mark">✖</span> verification FAILED
            {p ? (
              <>
                : <code>{p.reason}</code> at entry {p.index}
              </>
            ) : null}
          </>
        )}
      </div>
      {p && (
        <div>
          {p.detail}
          {v.result !== 'unknown' && <div className="muted small">the first {p.verifiedPrefix.toLocaleString()} entries verified before the failure</div>}
        </div>
      )}
      <div className="muted small">
        {v.size.toLocaleString()} entries · origin <code>{v.origin}</code> · by <Actor id={v.by} /> · <Time iso={v.verifiedAt} />
      </div>
    </div>
  );
}
