// Delivery records: one per (incident event × receiver). Workers in any process take due records
// under a lease (a conditional update, so two never send the same attempt), report each outcome, and
// the final state's ledger entry is queued in the same transaction.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Store } from '../open.js';
import { toSafeNumber } from '../util.js';
import { queueOutbox, type NewDelivery, type OpsExecutor, type OutboxDraft } from './incident-store.js';
import type { OperationsDatabase } from './schema.js';

export interface DeliveryRecord {
  readonly id: string;
  readonly incidentId: string;
  readonly factSeq: number;
  readonly event: string;
  readonly receiver: string;
  readonly channel: string;
  readonly state: string;
  readonly attempts: number;
  readonly reason: string | null;
  readonly nextAt: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AttemptResult {
  readonly state: 'attempted' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly reason: string | null;
  readonly nextMs: number | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly at: string;
}

export interface DeliveryFilter {
  readonly incidentId?: string;
  readonly states?: readonly string[];
  readonly limit?: number;
}

type Row = Selectable<OperationsDatabase['deliveries']>;

function toRecord(r: Row): DeliveryRecord {
  const next = r.next_ms === null ? null : toSafeNumber(r.next_ms, 'deliveries.next_ms');
  return {
    id: r.id,
    incidentId: r.incident_id,
    factSeq: Number(r.fact_seq),
    event: r.event,
    receiver: r.receiver,
    channel: r.channel,
    state: r.state,
    attempts: Number(r.attempts),
    reason: r.reason,
    nextAt: next === null || (r.state !== 'pending' && r.state !== 'attempted') ? null : new Date(next).toISOString(),
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class DeliveryStore {
  private readonly db: Kysely<OperationsDatabase>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<OperationsDatabase>;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>));
  }

  /**
   * Takes up to `limit` due records for `leaseMs`: each is taken by one conditional update, so of two
   * workers racing for a record exactly one gets it. A worker that dies leaves its lease to expire.
   */
  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    return this.tx(async (trx) => {
      const candidates = await trx
        .selectFrom('deliveries')
        .selectAll()
        .where('state', 'in', ['pending', 'attempted'])
        .where('next_ms', '<=', nowMs)
        .where((eb) => eb.or([eb('lease_ms', 'is', null), eb('lease_ms', '<', nowMs)]))
        .orderBy('next_ms')
        .limit(limit)
        .execute();
      const out: DeliveryRecord[] = [];
      for (const c of candidates) {
        const r = await trx
          .updateTable('deliveries')
          .set({ lease_ms: nowMs + leaseMs })
          .where('id', '=', c.id)
          .where((eb) => (c.lease_ms === null ? eb('lease_ms', 'is', null) : eb('lease_ms', '=', toSafeNumber(c.lease_ms, 'deliveries.lease_ms'))))
          .where('state', 'in', ['pending', 'attempted'])
          .executeTakeFirst();
        // Another worker's update got there first (PostgreSQL read committed): not ours.
        if (Number(r.numUpdatedRows) === 1) out.push(toRecord(c));
      }
      return out;
    });
  }

  /**
   * Stores a record made outside an incident decision (`runledger notify test`): `pending` with no due
   * time, so no worker takes it; the caller sends it itself and stores the outcome with {@link finish}.
   */
  async addUnscheduled(d: Omit<NewDelivery, 'state' | 'reason'> & { readonly incidentId: string; readonly at: string }): Promise<void> {
    await this.db
      .insertInto('deliveries')
      .values({
        id: d.id,
        incident_id: d.incidentId,
        fact_seq: d.factSeq,
        event: d.event,
        receiver: d.receiver,
        channel: d.channel,
        state: 'pending',
        attempts: 0,
        reason: null,
        next_ms: null,
        lease_ms: null,
        detail: JSON.stringify(d.detail),
        created_at: d.at,
        updated_at: d.at,
      })
      .execute();
  }

  /**
   * Adds delivery records that belong to no incident (approval requests) with their ledger drafts, in
   * one transaction; a record whose id exists is left alone (asking twice is asking once). Returns the
   * ids it added.
   */
  async addMany(
    rows: readonly (NewDelivery & { readonly incidentId: string })[],
    at: string,
    drafts: (added: readonly string[]) => OutboxDraft[],
  ): Promise<string[]> {
    return this.tx(async (trx) => {
      const ids = rows.map((r) => r.id);
      const have = new Set(ids.length ? (await trx.selectFrom('deliveries').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
      const added: string[] = [];
      for (const d of rows) {
        if (have.has(d.id)) continue;
        await trx
          .insertInto('deliveries')
          .values({
            id: d.id,
            incident_id: d.incidentId,
            fact_seq: d.factSeq,
            event: d.event,
            receiver: d.receiver,
            channel: d.channel,
            state: d.state,
            attempts: 0,
            reason: d.reason,
            next_ms: d.state === 'pending' ? Date.parse(at) : null,
            lease_ms: null,
            detail: JSON.stringify(d.detail),
            created_at: at,
            updated_at: at,
          })
          .execute();
        added.push(d.id);
      }
      await queueOutbox(trx, drafts(added));
      return added;
    });
  }

  /** Records an attempt's outcome and releases the lease; a final state queues its ledger entry. */
  async finish(id: string, r: AttemptResult, draft?: OutboxDraft): Promise<void> {
    await this.tx(async (trx) => {
      await trx
        .updateTable('deliveries')
        .set({
          state: r.state,
          attempts: r.attempts,
          reason: r.reason,
          next_ms: r.nextMs,
          lease_ms: null,
          detail: JSON.stringify(r.detail),
          updated_at: r.at,
        })
        .where('id', '=', id)
        .execute();
      if (draft) await queueOutbox(trx, [draft]);
    });
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const r = await this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  async list(f: DeliveryFilter = {}, on: OpsExecutor = this.db): Promise<DeliveryRecord[]> {
    let q = on.selectFrom('deliveries').selectAll();
    if (f.incidentId) q = q.where('incident_id', '=', f.incidentId);
    if (f.states && f.states.length > 0) q = q.where('state', 'in', [...f.states]);
    const rows = await q
      .orderBy('created_at', f.incidentId ? 'asc' : 'desc')
      .orderBy('id')
      .limit(f.limit ?? 200)
      .execute();
    return rows.map(toRecord);
  }

  /** The earliest time a record waits for (undefined: nothing waits). */
  async nextDueMs(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_ms').as('m'))
      .where('state', 'in', ['pending', 'attempted'])
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : toSafeNumber(r.m, 'deliveries.next_ms');
  }

  /** Counts by state (for /metrics). */
  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
