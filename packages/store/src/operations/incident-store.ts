// Persistence of incidents over the one Kysely interface. The state machine lives in @runledger/core;
// this stores its facts, the model snapshot, the durable timers, delivery records and the ledger
// drafts of one decision in ONE transaction, and refuses a decision built on a stale version.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { toSafeNumber } from '../util.js';
import type { OperationsDatabase } from './schema.js';

export interface IncidentRow {
  readonly id: string;
  readonly key: string;
  readonly state: string;
  readonly severity: string;
  readonly title: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly ackDueAt: string | null;
  readonly owner: string | null;
  readonly resolvedAt: string | null;
  readonly version: number;
  readonly context: unknown;
  readonly model: unknown;
}

export interface StoredFact {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly fact: unknown;
}

/** A ledger entry draft queued in the same transaction as the change it records. */
export interface OutboxDraft {
  readonly idem: string;
  readonly draft: unknown;
}

export interface NewDelivery {
  readonly id: string;
  readonly factSeq: number;
  readonly event: string;
  readonly receiver: string;
  readonly channel: string;
  /** `pending` (queued for its first attempt) or `skipped`. */
  readonly state: 'pending' | 'skipped';
  readonly reason: string | null;
  readonly detail: unknown;
}

/** One decision about one incident: everything it changes, committed together or not at all. */
export interface IncidentCommit {
  readonly id: string;
  /** The version the decision was built on; 0 creates the incident. */
  readonly expectVersion: number;
  readonly summary: Omit<IncidentRow, 'version' | 'updatedAt'>;
  readonly updatedAt: string;
  readonly facts: readonly StoredFact[];
  readonly setTimers: readonly { readonly kind: string; readonly due: string }[];
  readonly cancelTimers: readonly string[];
  /** The timer this decision consumes: it must still be stored with this due time (fires once). */
  readonly consumeTimer?: { readonly kind: string; readonly due: string };
  readonly alerts: readonly { readonly integration: string; readonly fingerprint: string; readonly status: string; readonly labels: unknown }[];
  readonly deliveries: readonly NewDelivery[];
  readonly outbox: readonly OutboxDraft[];
  /** The stored alert body the decision came from: linked to the incident (its evidence) in the same transaction. */
  readonly bodyId?: string;
}

export interface DueTimer {
  readonly incidentId: string;
  readonly kind: string;
  readonly due: string;
  readonly dueMs: number;
}

export interface IncidentFilter {
  readonly states?: readonly string[];
  readonly limit?: number;
  /** Opened before this ISO time (paging). */
  readonly before?: string;
}

type Db = Kysely<OperationsDatabase>;
/** Where a read or a commit runs: the store's connection, or a caller's open transaction (batched intake). */
export type OpsExecutor = Db | Transaction<OperationsDatabase>;
/** An open transaction over the operations tables, as handed to a caller that applies inside it. */
export type OpsTransaction = Transaction<OperationsDatabase>;

export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed|duplicate key/.test(messageOf(e))
  );
}

function conflict(msg: string): StoreError {
  return new StoreError('INCIDENT_CONFLICT', msg);
}

function toRow(r: Selectable<OperationsDatabase['incidents']>): IncidentRow {
  return {
    id: r.id,
    key: r.key,
    state: r.state,
    severity: r.severity,
    title: r.title,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    ackDueAt: r.ack_due_at,
    owner: r.owner,
    resolvedAt: r.resolved_at,
    version: Number(r.version),
    context: JSON.parse(r.context) as unknown,
    model: JSON.parse(r.model) as unknown,
  };
}

export async function queueOutbox(trx: Transaction<OperationsDatabase> | Db, drafts: readonly OutboxDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  // A draft already queued (a retried decision) is the same intent: keep the first.
  await trx
    .insertInto('ops_outbox')
    .values(drafts.map((d) => ({ idem: d.idem, draft: JSON.stringify(d.draft) })))
    .onConflict((oc) => oc.column('idem').doNothing())
    .execute();
}

/** Records that an alert body fed an incident (its evidence); linking twice is linking once. */
export async function linkBody(trx: Transaction<OperationsDatabase>, incidentId: string, bodyId: string): Promise<void> {
  await trx
    .insertInto('incident_bodies')
    .values({ incident_id: incidentId, body_id: bodyId })
    .onConflict((oc) => oc.columns(['incident_id', 'body_id']).doNothing())
    .execute();
}

export class IncidentStore {
  readonly db: Db;

  constructor(private readonly store: Store) {
    // Same connection as the other tables; the operations tables have their own Kysely type.
    this.db = store.db as unknown as Db;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>));
  }

  async get(id: string, on: OpsExecutor = this.db): Promise<IncidentRow | undefined> {
    const r = await on.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  /** An id or a unique prefix of one (at least 4 characters). */
  async resolveId(idOrPrefix: string): Promise<string> {
    const exact = await this.db.selectFrom('incidents').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
    if (exact) return exact.id;
    if (idOrPrefix.length >= 4) {
      const rows = await this.db.selectFrom('incidents').select('id').where('id', '>=', idOrPrefix).where('id', '<', `${idOrPrefix}\uffff`).limit(2).execute();
      if (rows.length === 1) return rows[0]!.id;
      if (rows.length > 1) throw new StoreError('INCIDENT_NOT_FOUND', `incident id prefix ${JSON.stringify(idOrPrefix)} is ambiguous`);
    }
    throw new StoreError('INCIDENT_NOT_FOUND', `no incident ${JSON.stringify(idOrPrefix)}`);
  }

  /** The newest incident with this key (open or not). */
  async latestByKey(key: string, on: OpsExecutor = this.db): Promise<IncidentRow | undefined> {
    const r = await on
      .selectFrom('incidents')
      .selectAll()
      .where('key', '=', key)
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  /** The incident an alert (by integration and fingerprint) last joined. */
  async incidentOfAlert(integration: string, fingerprint: string, on: OpsExecutor = this.db): Promise<string | undefined> {
    const r = await on.selectFrom('alerts').select('incident_id').where('id', '=', `${integration}/${fingerprint}`).executeTakeFirst();
    return r?.incident_id;
  }

  async list(f: IncidentFilter = {}): Promise<IncidentRow[]> {
    let q = this.db.selectFrom('incidents').selectAll();
    if (f.states && f.states.length > 0) q = q.where('state', 'in', [...f.states]);
    if (f.before) q = q.where('opened_at', '<', f.before);
    const rows = await q
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 100)
      .execute();
    return rows.map(toRow);
  }

  async facts(id: string): Promise<StoredFact[]> {
    const rows = await this.db.selectFrom('incident_facts').selectAll().where('incident_id', '=', id).orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at, type: r.type, fact: JSON.parse(r.fact) as unknown }));
  }

  /**
   * Commits one decision. Throws INCIDENT_CONFLICT (nothing stored) when the incident moved past
   * `expectVersion`, another process opened an incident with this key, or the consumed timer is gone.
   */
  async commit(c: IncidentCommit, within?: Transaction<OperationsDatabase>): Promise<void> {
    try {
      // Inside a caller's transaction (batched intake) it commits or rolls back with that transaction.
      if (within) await writeCommit(within, c);
      else await this.tx((trx) => writeCommit(trx, c));
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isUniqueViolation(e)) throw conflict(`incident ${c.id}: another process stored a change at the same moment (${messageOf(e)})`);
      throw new StoreError('STORE_UNAVAILABLE', `storing incident ${c.id} failed: ${messageOf(e)}`, { cause: e });
    }
  }

  /** Timers due at or before `nowMs`, oldest first. */
  async dueTimers(nowMs: number, limit = 100): Promise<DueTimer[]> {
    const rows = await this.db.selectFrom('incident_timers').selectAll().where('due_ms', '<=', nowMs).orderBy('due_ms').limit(limit).execute();
    return rows.map((r) => ({ incidentId: r.incident_id, kind: r.kind, due: r.due, dueMs: toSafeNumber(r.due_ms, 'incident_timers.due_ms') }));
  }

  /** The earliest pending timer's time, or undefined when none is pending. */
  async nextTimerMs(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('incident_timers')
      .select((eb) => eb.fn.min('due_ms').as('m'))
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : toSafeNumber(r.m, 'incident_timers.due_ms');
  }

  async pendingTimerCount(): Promise<number> {
    const r = await this.db
      .selectFrom('incident_timers')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

/** Every row one decision changes, on an open transaction. */
async function writeCommit(trx: Transaction<OperationsDatabase>, c: IncidentCommit): Promise<void> {
  const s = c.summary;
  const version = c.expectVersion + c.facts.length;
  const values = {
    key: s.key,
    state: s.state,
    severity: s.severity,
    title: s.title,
    opened_at: s.openedAt,
    updated_at: c.updatedAt,
    ack_due_at: s.ackDueAt,
    owner: s.owner,
    resolved_at: s.resolvedAt,
    version,
    context: JSON.stringify(s.context),
    model: JSON.stringify(s.model),
  };
  if (c.expectVersion === 0)
    await trx
      .insertInto('incidents')
      .values({ id: c.id, ...values })
      .execute();
  else {
    const r = await trx.updateTable('incidents').set(values).where('id', '=', c.id).where('version', '=', c.expectVersion).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw conflict(`incident ${c.id} changed since version ${c.expectVersion}`);
  }
  if (c.consumeTimer) {
    const r = await trx
      .deleteFrom('incident_timers')
      .where('incident_id', '=', c.id)
      .where('kind', '=', c.consumeTimer.kind)
      .where('due', '=', c.consumeTimer.due)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw conflict(`the ${c.consumeTimer.kind} timer of ${c.id} for ${c.consumeTimer.due} already fired`);
  }
  if (c.facts.length > 0)
    await trx
      .insertInto('incident_facts')
      .values(c.facts.map((f) => ({ incident_id: c.id, seq: f.seq, at: f.at, type: f.type, fact: JSON.stringify(f.fact) })))
      .execute();
  const kinds = [...new Set([...c.cancelTimers, ...c.setTimers.map((t) => t.kind)])];
  if (kinds.length > 0) await trx.deleteFrom('incident_timers').where('incident_id', '=', c.id).where('kind', 'in', kinds).execute();
  if (c.setTimers.length > 0)
    await trx
      .insertInto('incident_timers')
      .values(c.setTimers.map((t) => ({ incident_id: c.id, kind: t.kind, due: t.due, due_ms: Date.parse(t.due) })))
      .execute();
  for (const a of c.alerts) {
    const id = `${a.integration}/${a.fingerprint}`;
    const row = { incident_id: c.id, status: a.status, labels: JSON.stringify(a.labels), updated_at: c.updatedAt };
    const r = await trx.updateTable('alerts').set(row).where('id', '=', id).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0)
      await trx
        .insertInto('alerts')
        .values({ id, integration: a.integration, fingerprint: a.fingerprint, ...row })
        .execute();
  }
  if (c.deliveries.length > 0)
    await trx
      .insertInto('deliveries')
      .values(
        c.deliveries.map((d) => ({
          id: d.id,
          incident_id: c.id,
          fact_seq: d.factSeq,
          event: d.event,
          receiver: d.receiver,
          channel: d.channel,
          state: d.state,
          attempts: 0,
          reason: d.reason,
          next_ms: d.state === 'pending' ? Date.parse(c.updatedAt) : null,
          lease_ms: null,
          detail: JSON.stringify(d.detail),
          created_at: c.updatedAt,
          updated_at: c.updatedAt,
        })),
      )
      .execute();
  if (c.bodyId) await linkBody(trx, c.id, c.bodyId);
  await queueOutbox(trx, c.outbox);
}
