// Silences, maintenance windows and the on-call hand-off log. Each change queues its ledger entry in
// the same transaction.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { StoreError } from '../errors.js';
import type { Store } from '../open.js';
import { queueOutbox, type OpsExecutor, type OutboxDraft } from './incident-store.js';
import type { OperationsDatabase } from './schema.js';

export interface SilenceRecord {
  readonly id: string;
  readonly kind: 'silence' | 'maintenance';
  /** Matchers as written (`severity="critical"`). */
  readonly matchers: readonly string[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: string;
  readonly expiredBy: string | null;
}

export interface HandoffRecord {
  readonly id: string;
  readonly at: string;
  readonly by: string;
  readonly schedule: string;
  readonly to: string | null;
  readonly risks: string;
}

function toSilence(r: Selectable<OperationsDatabase['silences']>): SilenceRecord {
  return {
    id: r.id,
    kind: r.kind === 'maintenance' ? 'maintenance' : 'silence',
    matchers: JSON.parse(r.matchers) as string[],
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: r.created_at,
    expiredBy: r.expired_by,
  };
}

export class SilenceStore {
  private readonly db: Kysely<OperationsDatabase>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<OperationsDatabase>;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>));
  }

  async add(s: Omit<SilenceRecord, 'expiredBy'>, draft: OutboxDraft): Promise<void> {
    await this.tx(async (trx) => {
      await trx
        .insertInto('silences')
        .values({
          id: s.id,
          kind: s.kind,
          matchers: JSON.stringify(s.matchers),
          starts_at: s.startsAt,
          ends_at: s.endsAt,
          created_by: s.createdBy,
          comment: s.comment,
          created_at: s.createdAt,
          expired_by: null,
        })
        .execute();
      await queueOutbox(trx, [draft]);
    });
  }

  /** Ends a silence now (its end moves to `at`); INCIDENT_NOT_FOUND-style NOT_FOUND when unknown or already over. */
  async expire(id: string, by: string, at: string, draft: OutboxDraft): Promise<SilenceRecord> {
    return this.tx(async (trx) => {
      const r = await trx.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('NOT_FOUND', `no silence ${JSON.stringify(id)}`);
      if (r.ends_at <= at) throw new StoreError('NOT_FOUND', `silence ${id} already ended at ${r.ends_at}`);
      await trx.updateTable('silences').set({ ends_at: at, expired_by: by }).where('id', '=', id).execute();
      await queueOutbox(trx, [draft]);
      return toSilence({ ...r, ends_at: at, expired_by: by });
    });
  }

  /** Silences not over at `at` (active or future), or every one with `all`. */
  async list(at: string, all = false, on: OpsExecutor = this.db): Promise<SilenceRecord[]> {
    let q = on.selectFrom('silences').selectAll();
    if (!all) q = q.where('ends_at', '>', at);
    const rows = await q.orderBy('starts_at').orderBy('id').limit(1000).execute();
    return rows.map(toSilence);
  }

  async addHandoff(h: HandoffRecord, draft: OutboxDraft): Promise<void> {
    await this.tx(async (trx) => {
      await trx.insertInto('handoffs').values({ id: h.id, at: h.at, by: h.by, schedule: h.schedule, to_person: h.to, risks: h.risks }).execute();
      await queueOutbox(trx, [draft]);
    });
  }

  async handoffs(schedule?: string, limit = 50): Promise<HandoffRecord[]> {
    let q = this.db.selectFrom('handoffs').selectAll();
    if (schedule) q = q.where('schedule', '=', schedule);
    const rows = await q.orderBy('at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, at: r.at, by: r.by, schedule: r.schedule, to: r.to_person, risks: r.risks }));
  }
}
