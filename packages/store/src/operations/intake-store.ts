// Raw alert bodies as received: stored before the sender hears 2xx, once per distinct body (a retry
// or an HA twin is a duplicate), kept for the evidence bundle, and marked when applied to incidents.
import type { Kysely, Selectable, Transaction } from 'kysely';
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

export class IntakeStore {
  private readonly db: Kysely<OperationsDatabase>;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Kysely<OperationsDatabase>;
  }

  /** A read-then-write transaction (SQLite: holding the write lock from its start). */
  private tx<T>(fn: (trx: Transaction<OperationsDatabase>) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Transaction<OperationsDatabase>));
  }

  /**
   * Stores bodies with the ledger drafts that record their arrival, in ONE transaction (one durable
   * commit for many concurrent senders); each is `duplicate` when a body with its id is stored already
   * (or earlier in the same batch). Throws STORE_UNAVAILABLE when they could not be stored.
   */
  async putMany(items: readonly { body: Omit<StoredBody, 'processed'>; draft: OutboxDraft }[]): Promise<('stored' | 'duplicate')[]> {
    try {
      return await this.tx(async (trx) => {
        const ids = [...new Set(items.map((i) => i.body.id))];
        const have = new Set((await trx.selectFrom('alert_bodies').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
        const out: ('stored' | 'duplicate')[] = [];
        const drafts: OutboxDraft[] = [];
        for (const { body: b, draft } of items) {
          if (have.has(b.id)) {
            out.push('duplicate');
            continue;
          }
          have.add(b.id);
          await trx
            .insertInto('alert_bodies')
            .values({ id: b.id, integration: b.integration, kind: b.kind, received_at: b.receivedAt, body: b.body, alert_count: b.alertCount, processed: 0 })
            .execute();
          drafts.push(draft);
          out.push('stored');
        }
        await queueOutbox(trx, drafts);
        return out;
      });
    } catch (e) {
      // Another process stored one of them at the same moment: store them one at a time instead.
      if (isUniqueViolation(e) && items.length > 1) {
        const out: ('stored' | 'duplicate')[] = [];
        for (const i of items) out.push(...(await this.putMany([i])));
        return out;
      }
      if (isUniqueViolation(e)) return ['duplicate'];
      throw new StoreError('STORE_UNAVAILABLE', `storing the alert body failed: ${messageOf(e)}`, { cause: e });
    }
  }

  /** Marks bodies applied, linking each to the incidents its alerts joined (their evidence), in one transaction. */
  async markProcessedMany(items: readonly { id: string; incidents: readonly string[] }[]): Promise<void> {
    await this.tx(async (trx) => {
      for (const { id, incidents } of items) {
        await trx.updateTable('alert_bodies').set({ processed: 1 }).where('id', '=', id).execute();
        for (const incident of incidents) await linkBody(trx, incident, id);
      }
    });
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
