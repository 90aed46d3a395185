// The ledger outbox of the operations layer: drafts queued in the same transaction as the change they
// record, appended by a pump (idempotent by their keys, so a crash between append and delete only
// repeats a duplicate) and then removed.
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../open.js';
import { queueOutbox, type OutboxDraft } from './incident-store.js';
import type { OperationsDatabase } from './schema.js';

export interface QueuedDraft extends OutboxDraft {
  readonly n: number;
}

export class OpsOutbox {
  private readonly db: Kysely<OperationsDatabase>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<OperationsDatabase>;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>));
  }

  async queue(drafts: readonly OutboxDraft[]): Promise<void> {
    await this.tx((trx) => queueOutbox(trx, drafts));
  }

  /** The oldest queued drafts, in the order they were queued. */
  async next(limit: number): Promise<QueuedDraft[]> {
    const rows = await this.db.selectFrom('ops_outbox').selectAll().orderBy('n').limit(limit).execute();
    return rows.map((r) => ({ n: Number(r.n), idem: r.idem, draft: JSON.parse(r.draft) as unknown }));
  }

  async done(ns: readonly number[]): Promise<void> {
    if (ns.length > 0)
      await this.tx((trx) =>
        trx
          .deleteFrom('ops_outbox')
          .where('n', 'in', [...ns])
          .execute(),
      );
  }

  async size(): Promise<number> {
    const r = await this.db
      .selectFrom('ops_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
