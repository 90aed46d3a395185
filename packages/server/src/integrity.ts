// The stored ledger verified in full in the background as the server runs it (store's IntegrityCheck):
// started with the app, halting the writer on a mismatch (fail closed), reported in /ready and /metrics.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge } from 'prom-client';
import { readTrustFile } from '@runledger/ledger/verify-cli';
import { TRUST_FILE, type EngineContext } from '@runledger/runtime';
import { IntegrityCheck, type LedgerWriter, type StoreError } from '@runledger/store';
import type { Metrics } from './metrics.js';

/** Starts the check; a mismatch halts `writer` and is passed to `report` (the app's log). */
export function startIntegrityCheck(ctx: EngineContext, writer: LedgerWriter, metrics: Metrics, report: (err: StoreError) => void): IntegrityCheck {
  // The genesis keys are trusted from the trust file, as an auditor would; without one, from the
  // keys the writer replayed (its startup check verified the latest checkpoint with them).
  const trustFile = join(ctx.ledger.home, TRUST_FILE);
  const trusted = existsSync(trustFile) ? readTrustFile(trustFile) : writer.knownKeys;
  const check = new IntegrityCheck(ctx.ledger.store, {
    trusted,
    onFailure: (err) => {
      writer.halt(err);
      report(err);
    },
  });
  const registers = [metrics.registry];
  new Gauge({
    name: 'runledger_ledger_integrity_verified_entries',
    help: 'Stored ledger entries verified by the background integrity check so far.',
    registers,
    collect() {
      this.set(check.status.verified);
    },
  });
  new Gauge({
    name: 'runledger_ledger_integrity_total_entries',
    help: 'Entries the background integrity check verifies (the latest checkpoint size at start).',
    registers,
    collect() {
      this.set(check.status.total);
    },
  });
  new Gauge({
    name: 'runledger_ledger_integrity_failed',
    help: '1 once the background integrity check found a mismatch (appends refused), else 0.',
    registers,
    collect() {
      this.set(check.status.state === 'failed' ? 1 : 0);
    },
  });
  void check.start();
  return check;
}

/** The /ready check: passes while running (with progress) and once done; fails on a mismatch or when it could not run. */
export async function integrityReadiness(check: IntegrityCheck): Promise<string> {
  const s = check.status;
  if (s.state === 'failed') throw new Error(`mismatch at index ${s.failure!.index} (${s.failure!.reason}: ${s.failure!.detail}); appends are refused`);
  if (s.state === 'error') throw new Error(`the background check could not run: ${s.error ?? 'unknown error'}`);
  const progress = `${s.verified}/${s.total} entries verified`;
  return s.state === 'ok' ? `${progress}, all match` : `${s.state}: ${progress}`;
}
