// Server-side verification and its record. Every attempt leaves a result: `verified`, `failed` (the
// verifier's reason) or `unknown` (no verdict: a trust-file fault, or the export or verifier broke),
// kept as the last verification and appended to the ledger (`audit.verification`), so a fault can
// never leave an earlier success on show.
import { join } from 'node:path';
import { readTrustFile } from '@runledger/ledger/verify-cli';
import { TRUST_FILE } from '@runledger/runtime';
import { ApiError, describeError } from './errors.js';
import type { Verification } from './api-types.js';
import type { RouteContext } from './context.js';
import type { Principal } from './auth.js';
import { exportToTemp, runVerifier } from './export.js';

export const LAST_VERIFICATION = 'ledger.last-verification';
const DETAIL_MAX = 2000;

/** Who asked, and the request that did (its id goes into the ledger entry). */
export interface Requester {
  readonly principal: Principal;
  readonly requestId: string;
}

/** The trust file's key count, or why it cannot be used (missing, unreadable, empty, malformed). */
function trustedKeyCount(path: string): { keys: number } | { problem: string } {
  try {
    return { keys: readTrustFile(path).length };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { problem: err.code ? `cannot read ${path}: ${err.code}` : err.message };
  }
}

/** Stored results written before `result` existed say only ok. */
export function normaliseVerification(v: Verification | undefined): Verification | null {
  if (!v) return null;
  return v.result ? v : { ...v, result: v.ok ? 'verified' : 'failed' };
}

/** Keeps `v` as the last verification, counts it, and appends its ledger entry. */
async function record(rc: RouteContext, who: Requester, v: Verification): Promise<void> {
  rc.metrics.verifications.inc({ result: v.ok ? 'ok' : v.result });
  await rc.ctx.runs.putSetting(LAST_VERIFICATION, v, v.verifiedAt);
  await rc.append({
    type: 'audit.verification',
    actor: who.principal.actor,
    subject: { kind: 'ledger', id: v.origin },
    data: {
      result: v.result,
      size: v.size,
      root: v.root,
      trustedKeys: v.trustedKeys,
      durationMs: v.durationMs,
      verifiedAt: v.verifiedAt,
      problem: v.problem ? { ...v.problem, detail: v.problem.detail.slice(0, DETAIL_MAX) } : null,
      requestId: who.requestId,
    },
  });
}

/** Exports the ledger and runs the standalone verifier on it against the trust file; records the outcome. */
export async function verifyLedger(rc: RouteContext, who: Requester): Promise<Verification> {
  const t0 = performance.now();
  const { origin, home, reader } = rc.ctx.ledger;
  const base = { origin, by: who.principal.actor.id };
  const unknown = async (reason: string, detail: string, size: number, trustedKeys: number): Promise<Verification> => {
    const v: Verification = { ...base, ok: false, result: 'unknown', size, root: null, trustedKeys, durationMs: Math.round(performance.now() - t0), verifiedAt: rc.now().toISOString(), problem: { reason, index: -1, verifiedPrefix: 0, detail } };
    await record(rc, who, v);
    return v;
  };

  const trustPath = join(home, TRUST_FILE);
  const trust = trustedKeyCount(trustPath);
  if ('problem' in trust) {
    await unknown('TRUST_FILE_INVALID', trust.problem, (await reader.head()).size, 0);
    throw new ApiError('TRUST_FILE_INVALID', `the trust file cannot be used (${trust.problem}); restore ${TRUST_FILE} in the ledger home with the ledger's verifier keys (one vkey a line)`);
  }

  let size = 0;
  let out;
  try {
    const ex = await exportToTemp(reader);
    size = ex.result.size;
    try {
      out = await runVerifier(ex.dir, home);
    } finally {
      await ex.cleanup();
    }
  } catch (e) {
    const d = describeError(e);
    await unknown(d.code, d.message, size, trust.keys).catch(() => undefined);
    throw e;
  }
  if (!out.ok && !('reason' in out)) {
    // The verifier could not use its input (exit 2): no verdict on the ledger.
    return unknown(out.error, out.detail, size, trust.keys);
  }
  const v: Verification = {
    ...base,
    ok: out.ok,
    result: out.ok ? 'verified' : 'failed',
    size: out.ok ? out.size : size,
    root: out.ok ? out.root : null,
    trustedKeys: trust.keys,
    durationMs: Math.round(performance.now() - t0),
    verifiedAt: rc.now().toISOString(),
    problem: out.ok ? null : { reason: out.reason, index: out.index, verifiedPrefix: out.verifiedPrefix, detail: out.detail },
  };
  await record(rc, who, v);
  return v;
}
