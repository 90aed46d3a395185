// The states of the catalog's checks and services: as the server recorded them in this data
// directory, or from one probe of each check now.
import { computeHealth, type Catalog, type CatalogHealth, type CheckState, type HealthVerdict } from '@runledger/core';
import { openLedger, type CheckOutcome, type LastResult, type LedgerContext, type LedgerLocation } from '@runledger/runtime';
import { HealthStore } from '@runledger/store';
import type { Io } from '../io.js';
import { checksOf } from './catalog.js';
import { lastOf, probeAll } from './probe.js';

export interface CheckNow {
  readonly state: CheckState;
  readonly since: string | null;
  readonly last: LastResult | null;
}

export interface Snapshot {
  /** `recorded`: what the server stored in this data directory; `probed`: one probe per check, now. */
  readonly source: 'recorded' | 'probed';
  readonly checks: ReadonlyMap<string, CheckNow>;
  readonly health: CatalogHealth;
  readonly serviceSince: ReadonlyMap<string, string>;
  /** The newest result the states rest on (recorded), or when the probes ran. */
  readonly at: string | null;
}

/** A service with no verdict. */
export const UNKNOWN: HealthVerdict = { state: 'unknown', via: [], reasons: [] };

export const statesOf = (checks: ReadonlyMap<string, CheckNow>): Record<string, CheckState> => Object.fromEntries([...checks].map(([id, c]) => [id, c.state]));

export async function recordedSnapshot(ledger: LedgerContext, catalog: Catalog): Promise<Snapshot> {
  const store = new HealthStore(ledger.store);
  const wanted = new Set(checksOf(catalog).map((c) => c.id));
  const checks = new Map<string, CheckNow>();
  let at: string | null = null;
  for (const r of await store.checks()) {
    if (!wanted.has(r.id)) continue;
    const last = (r.last as LastResult | undefined) ?? null;
    checks.set(r.id, { state: r.state as CheckState, since: r.since, last });
    if (last && (at === null || last.at > at)) at = last.at;
  }
  const serviceSince = new Map((await store.services()).map((s) => [s.name, s.since]));
  return { source: 'recorded', checks, health: computeHealth(catalog, statesOf(checks)), serviceSince, at };
}

export async function probedSnapshot(
  catalog: Catalog,
  only: ReadonlySet<string> | undefined,
  env: Io['env'],
): Promise<Snapshot & { outcomes: Map<string, CheckOutcome> }> {
  const list = checksOf(catalog).filter((c) => !only || only.has(c.id));
  const at = new Date().toISOString();
  const probed = await probeAll(list, env);
  const checks = new Map<string, CheckNow>();
  const outcomes = new Map<string, CheckOutcome>();
  // In catalog order, whatever order the probes finished in.
  for (const c of list) {
    const p = probed.get(c.id)!;
    checks.set(c.id, { state: p.outcome.ok ? 'up' : 'down', since: null, last: lastOf(p.outcome, p.at) });
    outcomes.set(c.id, p.outcome);
  }
  return { source: 'probed', checks, health: computeHealth(catalog, statesOf(checks)), serviceSince: new Map(), at, outcomes };
}

/** The data directory's ledger, read-only, for the length of `fn`. */
export async function withStore<T>(location: () => LedgerLocation, fn: (ledger: LedgerContext) => Promise<T>): Promise<T> {
  const ledger = await openLedger(location(), { write: false });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
