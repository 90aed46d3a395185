// Raw alert bodies as received: stored before the sender hears 2xx, once per distinct body (a retry
// or an HA twin is a duplicate), kept for the evidence bundle, and marked when applied to incidents.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { isUniqueViolation, linkBody, queueOutbox, type OutboxDraft } from './incident-store.js';
import type { OperationsDatabase } from './schema.js';

export interface StoredBody {
  readonly id: string;
  readonly integration: string;
  readonly kind: string;
  readonly receivedAt: string;
  readonly body: string;
  readonly alertCount: number;
  readonly processed: boolean;
}

/** What a batch of bodies came to: each one stored or a duplicate; whether `apply` held. */
export interface PutOutcome {
  readonly results: ('stored' | 'duplicate')[];
  /** `apply` ran and its changes were committed with the bodies (the bodies are marked applied). */
  readonly applied: boolean;
  /** Why `apply` was rolled back (its changes undone, the bodies kept, not marked applied). */
  readonly applyError?: unknown;
}

/** Applies the newly stored bodies inside the storing transaction; returns each body's incidents. */
export type ApplyInStore = (
  trx: Transaction<OperationsDatabase>,
  stored: readonly number[],
) => Promise<readonly { readonly id: string; readonly incidents: readonly string[] }[]>;

export class IntakeStore {
  private readonly db: Kysely<OperationsDatabase>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<OperationsDatabase>;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>, deferSync = false): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>), { deferSync });
  }

  /**
   * Stores bodies with the ledger drafts that record their arrival, in ONE transaction (one durable
   * commit for many concurrent senders); each is `duplicate` when a body with its id is stored already
   * (or earlier in the same batch). With `apply`, the new bodies' alerts are applied in the same
   * transaction behind a savepoint: a failure there undoes only the applying, never the storing.
   * Throws STORE_UNAVAILABLE when they could not be stored.
   */
  async putMany(items: readonly { body: Omit<StoredBody, 'processed'>; draft: OutboxDraft }[], apply?: ApplyInStore): Promise<PutOutcome> {
    try {
      return await this.tx(async (trx) => {
        const ids = [...new Set(items.map((i) => i.body.id))];
        const have = new Set((await trx.selectFrom('alert_bodies').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
        const results: ('stored' | 'duplicate')[] = [];
        const drafts: OutboxDraft[] = [];
        const stored: number[] = [];
        for (const [k, { body: b, draft }] of items.entries()) {
          if (have.has(b.id)) {
            results.push('duplicate');
            continue;
          }
          have.add(b.id);
          await trx
            .insertInto('alert_bodies')
            .values({ id: b.id, integration: b.integration, kind: b.kind, received_at: b.receivedAt, body: b.body, alert_count: b.alertCount, processed: 0 })
            .execute();
          drafts.push(draft);
          results.push('stored');
          stored.push(k);
        }
        await queueOutbox(trx, drafts);
        if (!apply || stored.length === 0) return { results, applied: false };
        await sql`SAVEPOINT intake_apply`.execute(trx);
        try {
          await markIn(trx, await apply(trx, stored));
          await sql`RELEASE SAVEPOINT intake_apply`.execute(trx);
          return { results, applied: true };
        } catch (e) {
          await sql`ROLLBACK TO SAVEPOINT intake_apply`.execute(trx);
          await sql`RELEASE SAVEPOINT intake_apply`.execute(trx);
          return { results, applied: false, applyError: e };
        }
        // The disk flush runs off the event loop: senders' requests keep being read (into the next batch).
      }, true);
    } catch (e) {
      // Another process stored one of them at the same moment: store them one at a time instead.
      if (isUniqueViolation(e) && items.length > 1) {
        const results: ('stored' | 'duplicate')[] = [];
        let applied = true;
        for (const i of items) {
          const one = await this.putMany([i], apply);
          results.push(...one.results);
          if (one.results[0] === 'stored' && !one.applied) applied = false;
        }
        return { results, applied };
      }
      if (isUniqueViolation(e)) return { results: ['duplicate'], applied: false };
      throw new StoreError('STORE_UNAVAILABLE', `storing the alert body failed: ${messageOf(e)}`, { cause: e });
    }
  }

  /** Marks bodies applied, linking each to the incidents its alerts joined (their evidence), in one transaction. */
  async markProcessedMany(items: readonly { id: string; incidents: readonly string[] }[]): Promise<void> {
    await this.tx((trx) => markIn(trx, items));
  }

  async markProcessed(id: string, incidents: readonly string[] = []): Promise<void> {
    await this.markProcessedMany([{ id, incidents }]);
  }

  /** Bodies stored but not yet applied (a crash between the two), oldest first. */
  async unprocessed(limit = 100): Promise<StoredBody[]> {
    const rows = await this.db.selectFrom('alert_bodies').selectAll().where('processed', '=', 0).orderBy('received_at').limit(limit).execute();
    return rows.map(toBody);
  }

  /** The bodies an incident was built from, oldest first. */
  async bodiesOfIncident(incidentId: string): Promise<StoredBody[]> {
    const rows = await this.db
      .selectFrom('alert_bodies')
      .innerJoin('incident_bodies', 'incident_bodies.body_id', 'alert_bodies.id')
      .selectAll('alert_bodies')
      .where('incident_bodies.incident_id', '=', incidentId)
      .orderBy('alert_bodies.received_at')
      .execute();
    return rows.map(toBody);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('alert_bodies')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

async function markIn(trx: Transaction<OperationsDatabase>, items: readonly { id: string; incidents: readonly string[] }[]): Promise<void> {
  if (items.length === 0) return;
  await trx
    .updateTable('alert_bodies')
    .set({ processed: 1 })
    .where(
      'id',
      'in',
      items.map((i) => i.id),
    )
    .execute();
  for (const { id, incidents } of items) for (const incident of incidents) await linkBody(trx, incident, id);
}

function toBody(r: Selectable<OperationsDatabase['alert_bodies']>): StoredBody {
  return {
    id: r.id,
    integration: r.integration,
    kind: r.kind,
    receivedAt: r.received_at,
    body: r.body,
    alertCount: Number(r.alert_count),
    processed: Number(r.processed) === 1,
  };
}
