// Server-side verification and its record. Every attempt leaves a result: `verified`, `failed` (the
// verifier's reason) or `unknown` (no verdict: a trust-file fault, or the export or verifier broke),
// kept as the last verification and appended to the ledger (`audit.verification`), so a fault can
// never leave an earlier success on show.
import { join } from 'node:path';
import { readTrustFile } from '@runledger/ledger/verify-cli';
import type { LedgerVerificationFact } from '@runledger/core';
import { TRUST_FILE } from '@runledger/runtime';
import type { RunStore } from '@runledger/store';
import { ApiError, describeError } from './errors.js';
import type { Verification } from './api-types.js';
import type { RouteContext } from './context.js';
import type { Actor } from '@runledger/ledger';
import { exportToTemp, runVerifier } from './export.js';

export const LAST_VERIFICATION = 'ledger.last-verification';
const DETAIL_MAX = 2000;

/** Who asked, and the request that did (its id goes into the ledger entry). */
export interface Requester {
  readonly actor: Actor;
  readonly requestId: string;
  /** Told when the ledger refuses the record (e.g. it refuses appends after an integrity failure); the result stands. */
  readonly onUnrecorded?: (e: unknown) => void;
}

type Outcome = Omit<Verification, 'entry'>;

/** The trust file's key count, or why it cannot be used (missing, unreadable, empty, malformed). */
function trustedKeyCount(path: string): { keys: number } | { problem: string } {
  try {
    return { keys: readTrustFile(path).length };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { problem: err.code ? `cannot read ${path}: ${err.code}` : err.message };
  }
}

/** Stored results written before `result` and `entry` existed say only ok. */
function normalised(v: (Partial<Verification> & Omit<Outcome, 'result'>) | undefined): Verification | null {
  if (!v) return null;
  return { ...v, result: v.result ?? (v.ok ? 'verified' : 'failed'), entry: v.entry ?? null };
}

/**
 * The last verification: the stored one, or a newer one this process could not store (a database
 * that refuses writes) — so a result that could not be kept still replaces an older success.
 */
export class LastVerification {
  private unstored: Verification | undefined;
  constructor(private readonly rc: RouteContext) {}

  async keep(v: Verification): Promise<void> {
    this.unstored = v;
    await this.rc.ctx.runs.putSetting(LAST_VERIFICATION, v, v.verifiedAt);
    this.unstored = undefined;
  }

  async get(): Promise<Verification | null> {
    let stored: Verification | null;
    try {
      stored = normalised(await this.rc.ctx.runs.getSetting<Verification>(LAST_VERIFICATION));
    } catch (e) {
      if (this.unstored) return this.unstored;
      throw e;
    }
    return this.unstored && (!stored || this.unstored.verifiedAt >= stored.verifiedAt) ? this.unstored : stored;
  }
}

/** The last verification as stored (for a process that did not run it: the CLI's `runledger health`). */
export async function readStoredVerification(runs: Pick<RunStore, 'getSetting'>): Promise<Verification | null> {
  return normalised(await runs.getSetting<Verification>(LAST_VERIFICATION));
}

/**
 * The checklist fact "the ledger verifies" from the last verification. A sampled item is answered by the
 * last full verification, which covers every entry.
 */
export function verificationFact(v: Verification | null, mode: 'full' | 'sampled'): LedgerVerificationFact | undefined {
  if (!v) return undefined;
  const detail = v.ok ? `${v.size} entries verified offline against ${v.trustedKeys} trusted key(s)` : (v.problem?.detail ?? v.result);
  return { ok: v.ok, mode, checked: v.size, at: Date.parse(v.verifiedAt), detail };
}

/** Counts the outcome, appends its ledger entry, and keeps it as the last verification. */
async function record(rc: RouteContext, last: LastVerification, who: Requester, o: Outcome): Promise<Verification> {
  rc.metrics.verifications.inc({ result: o.ok ? 'ok' : o.result });
  const data = {
    result: o.result,
    size: o.size,
    root: o.root,
    trustedKeys: o.trustedKeys,
    durationMs: o.durationMs,
    verifiedAt: o.verifiedAt,
    problem: o.problem ? { ...o.problem, detail: o.problem.detail.slice(0, DETAIL_MAX) } : null,
    requestId: who.requestId,
  };
  let entry: number | null = null;
  try {
    entry = (await rc.append({ type: 'audit.verification', actor: who.actor, subject: { kind: 'ledger', id: o.origin }, data })).seq;
  } catch (e) {
    who.onUnrecorded?.(e);
  }
  const kept: Verification = { ...o, entry };
  await last.keep(kept);
  return kept;
}

/** Exports the ledger and runs the standalone verifier on it against the trust file; records the outcome. */
export async function verifyLedger(rc: RouteContext, last: LastVerification, who: Requester): Promise<Verification> {
  const t0 = performance.now();
  const { origin, home, reader } = rc.ctx.ledger;
  const base = { origin, by: who.actor.id };
  const unknown = async (reason: string, detail: string, size: number, trustedKeys: number): Promise<Verification> => {
    return record(rc, last, who, {
      ...base,
      ok: false,
      result: 'unknown',
      size,
      root: null,
      trustedKeys,
      durationMs: Math.round(performance.now() - t0),
      verifiedAt: rc.now().toISOString(),
      problem: { reason, index: -1, verifiedPrefix: 0, detail },
    });
  };

  const trustPath = join(home, TRUST_FILE);
  const trust = trustedKeyCount(trustPath);
  if ('problem' in trust) {
    // Kept even if the database refuses it (then in memory): the error below is the cause to report.
    await unknown(
      'TRUST_FILE_INVALID',
      trust.problem,
      await reader.head().then(
        (h) => h.size,
        () => 0,
      ),
      0,
    ).catch(() => undefined);
    throw new ApiError(
      'TRUST_FILE_INVALID',
      `the trust file cannot be used (${trust.problem}); restore ${TRUST_FILE} in the ledger home with the ledger's verifier keys (one vkey a line)`,
    );
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
  return record(rc, last, who, {
    ...base,
    ok: out.ok,
    result: out.ok ? 'verified' : 'failed',
    size: out.ok ? out.size : size,
    root: out.ok ? out.root : null,
    trustedKeys: trust.keys,
    durationMs: Math.round(performance.now() - t0),
    verifiedAt: rc.now().toISOString(),
    problem: out.ok ? null : { reason: out.reason, index: out.index, verifiedPrefix: out.verifiedPrefix, detail: out.detail },
  });
}
