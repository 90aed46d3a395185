// The release driver as the CLI runs it: in this process, over the data directory's store, with the
// engine running the release's runbooks here (as `runledger run` does), checklists evaluated as
// `runledger health` evaluates them, the stored ledger verified in full against the trust file before a
// rollback, and the ledger outbox appended after every change.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readTrustFile } from '@runledger/ledger/verify-cli';
import type { Catalog } from '@runledger/core';
import {
  openEngine,
  pumpOutbox,
  releaseDefaultsOf,
  releaseRunner,
  ReleaseDriver,
  storeObserver,
  TRUST_FILE,
  type EngineContext,
  type LedgerLocation,
} from '@runledger/runtime';
import { checklistReason } from '@runledger/server';
import { IntegrityCheck } from '@runledger/store';
import { evaluateHealth } from '../health/evaluate.js';
import { readCatalog } from '../health/catalog.js';
import type { Io } from '../io.js';

export interface ReleaseCliOptions {
  readonly catalog?: string;
  readonly runbooks?: string;
  readonly json?: boolean;
}

export interface ReleaseCli {
  readonly driver: ReleaseDriver;
  readonly ctx: EngineContext;
  /** The catalog read, when there is one. */
  readonly catalog: Catalog | undefined;
}

/** The runbooks directory: --runbooks, else RUNLEDGER_RUNBOOKS, else examples/runbooks (as `serve`). */
export function runbooksDirOf(io: Io, flag: string | undefined): string {
  return resolve(io.cwd, flag ?? io.env['RUNLEDGER_RUNBOOKS'] ?? 'examples/runbooks');
}

export async function withReleases<T>(io: Io, location: () => LedgerLocation, o: ReleaseCliOptions, fn: (r: ReleaseCli) => Promise<T>): Promise<T> {
  const loaded = await readCatalog(io, location, o.catalog, false);
  const ctx = await openEngine(location(), { cwd: io.cwd });
  const runner = releaseRunner({ runs: ctx.runs, runbooksDir: runbooksDirOf(io, o.runbooks), start: (req) => ctx.engine.start(req), env: io.env });
  const observe = storeObserver(ctx.ledger.store);
  const driver: ReleaseDriver = new ReleaseDriver({
    store: ctx.ledger.store,
    pump: () => pumpOutbox(driver.service.outbox, (d) => ctx.ledger.writer!.append(d)).then(() => undefined),
    onError: (what, e) => io.err(`runledger: releases: ${what}: ${e instanceof Error ? e.message : String(e)}\n`),
    ports: {
      ...runner,
      evaluateChecklist: async (name) => {
        const ev = await evaluateHealth(io, location, name, { ...(o.catalog ? { catalog: o.catalog } : {}) });
        const r = ev.results[0];
        if (!r) return { passed: false, reason: `checklist ${name} gave no result` };
        const reason = checklistReason(r);
        return { passed: r.healthy, ...(reason !== undefined ? { reason } : {}) };
      },
      verifyLedger: async () => {
        // Every stored entry re-verified against the trust file's keys, as an auditor's verifier would.
        const trustFile = join(ctx.ledger.home, TRUST_FILE);
        const at = new Date().toISOString();
        if (!existsSync(trustFile)) return { ok: false, at, detail: `no trust file at ${trustFile}` };
        const s = await new IntegrityCheck(ctx.ledger.store, { trusted: readTrustFile(trustFile) }).start();
        const detail = s.failure ? `${s.failure.reason} at ${s.failure.index}: ${s.failure.detail}` : s.error;
        return { ok: s.state === 'ok', at, ...(detail !== undefined ? { detail } : {}) };
      },
      observe,
      defaults: (service) => releaseDefaultsOf(loaded?.catalog, service),
    },
  });
  try {
    return await fn({ driver, ctx, catalog: loaded?.catalog });
  } finally {
    await driver.stop();
    await driver.idle();
    await pumpOutbox(driver.service.outbox, (d) => ctx.ledger.writer!.append(d)).catch(() => undefined);
    await ctx.close();
  }
}
