// Persistence of continuous health: each check's current state (with its threshold tracker, so a
// restart resumes counting), compact samples, hourly rollups upserted as samples arrive, service states
// and checklist verdicts. One `record` call is one transaction (the scheduler batches results), and the
// ledger drafts of state changes are queued in it, so a change and its ledger entry never part.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Rollup, Sample } from '@runledger/core';
import type { Store } from '../open.js';
import { queueOutbox, type OutboxDraft } from '../operations/incident-store.js';
import type { OperationsDatabase } from '../operations/schema.js';
import { toSafeNumber } from '../util.js';
import type { HealthDatabase } from './schema.js';

type Db = Kysely<HealthDatabase>;
type Trx = Transaction<HealthDatabase>;

const STATE_CODE = { up: 0, down: 1, unknown: 2 } as const;
const CODE_STATE = ['up', 'down', 'unknown'] as const;

export interface CheckRecord {
  readonly no: number;
  readonly id: string;
  readonly state: string;
  readonly since: string;
  readonly tracker: unknown;
  readonly last: unknown;
  readonly updatedAt: string;
}

export interface StoredSample extends Sample {
  readonly reason?: string;
}

export interface ServiceRecord {
  readonly name: string;
  readonly state: string;
  readonly since: string;
  readonly cause: unknown;
  readonly updatedAt: string;
}

export interface VerdictRecord {
  readonly checklist: string;
  readonly healthy: boolean;
  readonly items: unknown;
  readonly at: string;
}

/** Everything one flush of results changes, committed together. */
export interface HealthBatch {
  readonly samples?: readonly (StoredSample & { readonly checkNo: number })[];
  readonly rollups?: readonly (Rollup & { readonly checkNo: number })[];
  readonly checks?: readonly Omit<CheckRecord, 'id'>[];
  readonly services?: readonly ServiceRecord[];
  readonly verdicts?: readonly VerdictRecord[];
  readonly outbox?: readonly OutboxDraft[];
}

export class HealthStore {
  private readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Db;
  }

  private tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Trx), { deferSync: true });
  }

  /** The records of these checks, created (state unknown) where missing; numbers are stable across restarts. */
  async register(ids: readonly string[], now: string, initialTracker: unknown): Promise<Map<string, CheckRecord>> {
    return this.tx(async (trx) => {
      const have = new Map((await trx.selectFrom('health_checks').selectAll().execute()).map((r) => [r.id, toCheck(r)]));
      let next = Math.max(0, ...[...have.values()].map((c) => c.no)) + 1;
      for (const id of ids) {
        if (have.has(id)) continue;
        const row = { no: next++, id, state: 'unknown', since: now, tracker: JSON.stringify(initialTracker), last: null, updated_at: now };
        await trx.insertInto('health_checks').values(row).execute();
        have.set(id, toCheck(row));
      }
      return new Map(ids.map((id) => [id, have.get(id)!]));
    });
  }

  async checks(): Promise<CheckRecord[]> {
    return (await this.db.selectFrom('health_checks').selectAll().orderBy('id').execute()).map(toCheck);
  }

  async record(b: HealthBatch): Promise<void> {
    await this.tx(async (trx) => {
      if (b.samples && b.samples.length > 0)
        for (const chunk of chunks(b.samples, 100))
          await trx
            .insertInto('health_samples')
            .values(
              chunk.map((s) => ({
                check_no: s.checkNo,
                at_ms: s.at,
                state: STATE_CODE[s.state],
                latency_ms: s.latencyMs === undefined ? null : Math.round(s.latencyMs),
                reason: s.reason ?? null,
              })),
            )
            // A sample recorded twice (a retried flush) is the same sample.
            .onConflict((oc) => oc.columns(['check_no', 'at_ms']).doNothing())
            .execute();
      for (const r of b.rollups ?? []) {
        const values = {
          up_ms: r.upMs,
          down_ms: r.downMs,
          unknown_ms: r.unknownMs,
          samples: r.samples,
          failures: r.failures,
          unknown_samples: r.unknownSamples,
          latency_samples: r.latencySamples,
          latency_counts: JSON.stringify(r.latencyCounts),
          histogram: JSON.stringify(r.histogram),
        };
        // Rollups are whole values (the runtime keeps the hour's accumulator): write them as they are.
        await trx
          .insertInto('health_rollups')
          .values({ check_no: r.checkNo, hour_ms: r.hourStart, ...values })
          .onConflict((oc) => oc.columns(['check_no', 'hour_ms']).doUpdateSet(values))
          .execute();
      }
      for (const c of b.checks ?? [])
        await trx
          .updateTable('health_checks')
          .set({
            state: c.state,
            since: c.since,
            tracker: JSON.stringify(c.tracker),
            last: c.last === undefined ? null : JSON.stringify(c.last),
            updated_at: c.updatedAt,
          })
          .where('no', '=', c.no)
          .execute();
      for (const s of b.services ?? []) {
        const values = { state: s.state, since: s.since, cause: s.cause === undefined ? null : JSON.stringify(s.cause), updated_at: s.updatedAt };
        await trx
          .insertInto('health_services')
          .values({ name: s.name, ...values })
          .onConflict((oc) => oc.column('name').doUpdateSet(values))
          .execute();
      }
      for (const v of b.verdicts ?? []) {
        const values = { healthy: v.healthy ? 1 : 0, items: JSON.stringify(v.items), at: v.at };
        await trx
          .insertInto('health_verdicts')
          .values({ checklist: v.checklist, ...values })
          .onConflict((oc) => oc.column('checklist').doUpdateSet(values))
          .execute();
      }
      if (b.outbox && b.outbox.length > 0) await queueOutbox(trx as unknown as Transaction<OperationsDatabase>, b.outbox);
    });
  }

  /** Samples of one check with fromMs ≤ at < toMs, oldest first. */
  async samples(checkNo: number, fromMs: number, toMs: number): Promise<StoredSample[]> {
    const rows = await this.db
      .selectFrom('health_samples')
      .selectAll()
      .where('check_no', '=', checkNo)
      .where('at_ms', '>=', fromMs)
      .where('at_ms', '<', toMs)
      .orderBy('at_ms')
      .execute();
    return rows.map(toSample);
  }

  /** The newest sample of a check (the predecessor the next arrival's span starts from). */
  async lastSample(checkNo: number): Promise<StoredSample | undefined> {
    return (await this.recentSamples(checkNo, 1))[0];
  }

  /** A check's newest `n` samples, oldest first (a sparkline reads 30, not a day's worth). */
  async recentSamples(checkNo: number, n: number): Promise<StoredSample[]> {
    const rows = await this.db.selectFrom('health_samples').selectAll().where('check_no', '=', checkNo).orderBy('at_ms', 'desc').limit(n).execute();
    return rows.map(toSample).reverse();
  }

  /** Rollups of these checks for hours starting in [fromMs, toMs). */
  async rollups(checkNos: readonly number[], fromMs: number, toMs: number): Promise<(Rollup & { checkNo: number })[]> {
    if (checkNos.length === 0) return [];
    const rows = await this.db
      .selectFrom('health_rollups')
      .selectAll()
      .where('check_no', 'in', [...checkNos])
      .where('hour_ms', '>=', fromMs)
      .where('hour_ms', '<', toMs)
      .orderBy('check_no')
      .orderBy('hour_ms')
      .execute();
    return rows.map(toRollup);
  }

  async services(): Promise<ServiceRecord[]> {
    const rows = await this.db.selectFrom('health_services').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      state: r.state,
      since: r.since,
      cause: r.cause === null ? undefined : (JSON.parse(r.cause) as unknown),
      updatedAt: r.updated_at,
    }));
  }

  async verdicts(): Promise<VerdictRecord[]> {
    const rows = await this.db.selectFrom('health_verdicts').selectAll().orderBy('checklist').execute();
    return rows.map((r) => ({ checklist: r.checklist, healthy: Number(r.healthy) === 1, items: JSON.parse(r.items) as unknown, at: r.at }));
  }

  /** Drops raw samples older than `beforeMs` (rollups stay); returns how many. */
  async prune(beforeMs: number): Promise<number> {
    const r = await this.tx((trx) => trx.deleteFrom('health_samples').where('at_ms', '<', beforeMs).executeTakeFirst());
    return Number(r.numDeletedRows);
  }

  /** The oldest raw sample kept (SLO windows snap their edges past it to the hour). */
  async oldestSampleMs(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('health_samples')
      .select((eb) => eb.fn.min('at_ms').as('m'))
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : toSafeNumber(r.m, 'health_samples.at_ms');
  }
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function toCheck(r: Selectable<HealthDatabase['health_checks']>): CheckRecord {
  return {
    no: Number(r.no),
    id: r.id,
    state: r.state,
    since: r.since,
    tracker: JSON.parse(r.tracker) as unknown,
    last: r.last === null ? undefined : (JSON.parse(r.last) as unknown),
    updatedAt: r.updated_at,
  };
}

function toSample(r: Selectable<HealthDatabase['health_samples']>): StoredSample {
  return {
    at: toSafeNumber(r.at_ms, 'health_samples.at_ms'),
    state: CODE_STATE[Number(r.state)] ?? 'unknown',
    ...(r.latency_ms === null ? {} : { latencyMs: Number(r.latency_ms) }),
    ...(r.reason === null ? {} : { reason: r.reason }),
  };
}

function toRollup(r: Selectable<HealthDatabase['health_rollups']>): Rollup & { checkNo: number } {
  return {
    checkNo: Number(r.check_no),
    check: String(r.check_no),
    hourStart: toSafeNumber(r.hour_ms, 'health_rollups.hour_ms'),
    upMs: toSafeNumber(r.up_ms, 'health_rollups.up_ms'),
    downMs: toSafeNumber(r.down_ms, 'health_rollups.down_ms'),
    unknownMs: toSafeNumber(r.unknown_ms, 'health_rollups.unknown_ms'),
    samples: Number(r.samples),
    failures: Number(r.failures),
    unknownSamples: Number(r.unknown_samples),
    latencySamples: Number(r.latency_samples),
    latencyCounts: JSON.parse(r.latency_counts) as Rollup['latencyCounts'],
    histogram: JSON.parse(r.histogram) as Rollup['histogram'],
  };
}
