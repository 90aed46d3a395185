// Persistence of releases over the one Kysely interface. The state machine lives in @runledger/core;
// this stores one decision (its facts, the release snapshot, the bake timer and its ledger drafts) in
// ONE transaction, and refuses a decision built on a stale revision or a second busy release of a
// service and environment (the partial unique index `releases_busy`).
import type { Kysely, Selectable, Transaction } from 'kysely';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { isUniqueViolation, queueOutbox, type OutboxDraft, type StoredFact } from '../operations/incident-store.js';
import type { OperationsDatabase } from '../operations/schema.js';
import { toSafeNumber } from '../util.js';
import type { ReleasesDatabase } from './schema.js';

type Db = Kysely<ReleasesDatabase>;
type Trx = Transaction<ReleasesDatabase>;

export interface ReleaseRow {
  readonly id: string;
  readonly service: string;
  readonly env: string;
  readonly version: string;
  readonly state: string;
  readonly busy: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly rev: number;
  readonly bakeDueMs: number | null;
  /** A rollback waiting for its approval, as the runtime stored it. */
  readonly pending: unknown;
  readonly model: unknown;
}

/** One decision about one release: everything it changes, committed together or not at all. */
export interface ReleaseCommit {
  readonly id: string;
  /** The revision the decision was built on; 0 creates the release. */
  readonly expectRev: number;
  readonly summary: Omit<ReleaseRow, 'rev' | 'updatedAt' | 'pending'>;
  readonly updatedAt: string;
  readonly facts: readonly StoredFact[];
  /** undefined: leave as is; null: clear; a value: set. */
  readonly pending?: unknown;
  readonly outbox: readonly OutboxDraft[];
}

export interface ReleaseFilter {
  readonly service?: string;
  readonly env?: string;
  readonly states?: readonly string[];
  readonly limit?: number;
  /** Created before this ISO time (paging). */
  readonly before?: string;
}

function toRow(r: Selectable<ReleasesDatabase['releases']>): ReleaseRow {
  return {
    id: r.id,
    service: r.service,
    env: r.env,
    version: r.version,
    state: r.state,
    busy: Number(r.busy) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rev: Number(r.rev),
    bakeDueMs: r.bake_due_ms === null ? null : toSafeNumber(r.bake_due_ms, 'releases.bake_due_ms'),
    pending: r.pending === null ? null : (JSON.parse(r.pending) as unknown),
    model: JSON.parse(r.model) as unknown,
  };
}

export class ReleaseStore {
  readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Db;
  }

  async get(id: string): Promise<ReleaseRow | undefined> {
    const r = await this.db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  /** An id or a unique prefix of one (at least 4 characters). */
  async resolveId(idOrPrefix: string): Promise<string> {
    const exact = await this.db.selectFrom('releases').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
    if (exact) return exact.id;
    if (idOrPrefix.length >= 4) {
      const rows = await this.db.selectFrom('releases').select('id').where('id', '>=', idOrPrefix).where('id', '<', `${idOrPrefix}\uffff`).limit(2).execute();
      if (rows.length === 1) return rows[0]!.id;
      if (rows.length > 1) throw new StoreError('RELEASE_NOT_FOUND', `release id prefix ${JSON.stringify(idOrPrefix)} is ambiguous`);
    }
    throw new StoreError('RELEASE_NOT_FOUND', `no release ${JSON.stringify(idOrPrefix)}`);
  }

  /** Newest first. */
  async list(f: ReleaseFilter = {}): Promise<ReleaseRow[]> {
    let q = this.db.selectFrom('releases').selectAll();
    if (f.service !== undefined) q = q.where('service', '=', f.service);
    if (f.env !== undefined) q = q.where('env', '=', f.env);
    if (f.states && f.states.length > 0) q = q.where('state', 'in', [...f.states]);
    if (f.before !== undefined) q = q.where('created_at', '<', f.before);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 100)
      .execute();
    return rows.map(toRow);
  }

  /** Every release of one service in one environment (what rollback planning reads), oldest first. */
  async ofTarget(service: string, env: string): Promise<ReleaseRow[]> {
    const rows = await this.db.selectFrom('releases').selectAll().where('service', '=', service).where('env', '=', env).orderBy('created_at').execute();
    return rows.map(toRow);
  }

  async facts(id: string): Promise<StoredFact[]> {
    const rows = await this.db.selectFrom('release_facts').selectAll().where('release_id', '=', id).orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at, type: r.type, fact: JSON.parse(r.fact) as unknown }));
  }

  /** Releases deploying, verifying or rolling back (what a restarted process resumes). */
  async busy(): Promise<ReleaseRow[]> {
    const rows = await this.db.selectFrom('releases').selectAll().where('busy', '=', 1).orderBy('created_at').execute();
    return rows.map(toRow);
  }

  /** Releases whose bake window ended at or before `nowMs`. */
  async dueBakes(nowMs: number, limit = 100): Promise<ReleaseRow[]> {
    const rows = await this.db.selectFrom('releases').selectAll().where('bake_due_ms', '<=', nowMs).orderBy('bake_due_ms').limit(limit).execute();
    return rows.map(toRow);
  }

  /** The newest release of each service and environment (the "what runs where" summary). */
  async latestPerTarget(): Promise<ReleaseRow[]> {
    const rows = await this.db.selectFrom('releases').selectAll().orderBy('created_at', 'desc').execute();
    const seen = new Set<string>();
    const out: ReleaseRow[] = [];
    for (const r of rows.map(toRow)) {
      const k = `${r.service}\u0000${r.env}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(r);
      }
    }
    return out;
  }

  /**
   * Commits one decision. Throws RELEASE_CONFLICT (nothing stored) when the release moved past
   * `expectRev`, or another release of the service and environment is busy.
   */
  async commit(c: ReleaseCommit): Promise<void> {
    try {
      await this.store.writeTransaction((trx) => writeCommit(trx as unknown as Trx, c));
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isUniqueViolation(e))
        throw new StoreError('RELEASE_CONFLICT', `release ${c.id}: another release of ${c.summary.service} in ${c.summary.env} is busy, or the id is taken`);
      throw new StoreError('STORE_UNAVAILABLE', `storing release ${c.id} failed: ${messageOf(e)}`, { cause: e });
    }
  }
}

async function writeCommit(trx: Trx, c: ReleaseCommit): Promise<void> {
  const s = c.summary;
  const values = {
    service: s.service,
    env: s.env,
    version: s.version,
    state: s.state,
    busy: s.busy ? 1 : 0,
    created_at: s.createdAt,
    updated_at: c.updatedAt,
    rev: c.expectRev + 1,
    bake_due_ms: s.bakeDueMs,
    model: JSON.stringify(s.model),
    ...(c.pending !== undefined ? { pending: c.pending === null ? null : JSON.stringify(c.pending) } : {}),
  };
  if (c.expectRev === 0)
    await trx
      .insertInto('releases')
      .values({ id: c.id, pending: null, ...values })
      .execute();
  else {
    const r = await trx.updateTable('releases').set(values).where('id', '=', c.id).where('rev', '=', c.expectRev).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new StoreError('RELEASE_CONFLICT', `release ${c.id} changed since revision ${c.expectRev}`);
  }
  if (c.facts.length > 0)
    await trx
      .insertInto('release_facts')
      .values(c.facts.map((f) => ({ release_id: c.id, seq: f.seq, at: f.at, type: f.type, fact: JSON.stringify(f.fact) })))
      .execute();
  await queueOutbox(trx as unknown as Transaction<OperationsDatabase>, c.outbox);
}
