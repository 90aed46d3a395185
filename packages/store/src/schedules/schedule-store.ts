// Persistence of job schedules over the one Kysely interface. Each schedule's decisions (which slots
// are missed, which starts, how a run ended) run in ONE transaction holding its schedule_state row
// (PostgreSQL: SELECT … FOR UPDATE; SQLite: the write transaction), so processes sharing a database
// decide one after another and each sees what the other did; a slot row's primary key (name, slot_ms)
// refuses a second decision about the same slot all the same. Ledger drafts are queued in the same
// transaction (ops_outbox), so a decision and its entry never part.
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { Store } from '../open.js';
import { queueOutbox, type OutboxDraft } from '../operations/incident-store.js';
import type { OperationsDatabase } from '../operations/schema.js';
import { toSafeNumber } from '../util.js';
import type { SchedulesDatabase } from './schema.js';

type Db = Kysely<SchedulesDatabase>;
type Trx = Transaction<SchedulesDatabase>;

/** running and queued are in flight; the others are how a slot ended (and its ledger entry's type). */
export const SLOT_STATES = ['running', 'queued', 'fired', 'failed', 'skipped', 'missed'] as const;
export type SlotState = (typeof SLOT_STATES)[number];

export interface ScheduleStateRow {
  readonly name: string;
  /** The newest slot dealt with: the slots after it are due, or were missed. */
  readonly lastSlotMs: number;
  readonly enabled: boolean;
  /** The cron and time zone the slots were dealt with under. */
  readonly spec: string;
  readonly lastOutcome: SlotState | null;
  readonly lastOutcomeSlotMs: number | null;
  readonly lastOutcomeMs: number | null;
  /** When a run last ended well (the success metric). */
  readonly lastSuccessMs: number | null;
  readonly lastRef: string | null;
  readonly lastDetail: string | null;
  readonly updatedMs: number;
}

export interface SlotRow {
  readonly name: string;
  readonly slotMs: number;
  readonly state: SlotState;
  readonly trigger: string | null;
  readonly owner: string | null;
  readonly leaseUntilMs: number | null;
  readonly decidedMs: number;
  readonly startedMs: number | null;
  readonly finishedMs: number | null;
  /** A missed range: its last slot. */
  readonly untilMs: number | null;
  readonly ref: string | null;
  readonly detail: string | null;
}

export type NewSlot = Pick<SlotRow, 'slotMs' | 'state' | 'decidedMs'> & Partial<Omit<SlotRow, 'name' | 'slotMs' | 'state' | 'decidedMs'>>;
export type SlotPatch = Partial<Pick<SlotRow, 'state' | 'owner' | 'leaseUntilMs' | 'startedMs' | 'finishedMs' | 'ref' | 'detail'>>;
export type StatePatch = Partial<Omit<ScheduleStateRow, 'name' | 'updatedMs' | 'spec'>>;

/** One schedule's decision, inside its transaction, with its state row locked. */
export interface ScheduleTx {
  readonly state: ScheduleStateRow;
  /** Its running and queued slots, oldest first. */
  active(): Promise<SlotRow[]>;
  /** Inserts slot rows; a slot already decided is left alone. Returns how many were new. */
  insert(slots: readonly NewSlot[]): Promise<number>;
  /** Changes a slot that is still as expected (its state, and owner when given); false when it is not. */
  update(slotMs: number, expect: { readonly state: SlotState; readonly owner?: string }, patch: SlotPatch): Promise<boolean>;
  setState(patch: StatePatch, nowMs: number): Promise<void>;
  queue(drafts: readonly OutboxDraft[]): Promise<void>;
}

const n = (v: unknown, what: string): number => toSafeNumber(v, what);
const nOrNull = (v: unknown, what: string): number | null => (v === null || v === undefined ? null : toSafeNumber(v, what));

function toState(r: Selectable<SchedulesDatabase['schedule_state']>): ScheduleStateRow {
  return {
    name: r.name,
    lastSlotMs: n(r.last_slot_ms, 'schedule_state.last_slot_ms'),
    enabled: Number(r.enabled) === 1,
    spec: r.spec,
    lastOutcome: r.last_outcome as SlotState | null,
    lastOutcomeSlotMs: nOrNull(r.last_outcome_slot_ms, 'schedule_state.last_outcome_slot_ms'),
    lastOutcomeMs: nOrNull(r.last_outcome_ms, 'schedule_state.last_outcome_ms'),
    lastSuccessMs: nOrNull(r.last_success_ms, 'schedule_state.last_success_ms'),
    lastRef: r.last_ref,
    lastDetail: r.last_detail,
    updatedMs: n(r.updated_ms, 'schedule_state.updated_ms'),
  };
}

function toSlot(r: Selectable<SchedulesDatabase['schedule_slots']>): SlotRow {
  return {
    name: r.name,
    slotMs: n(r.slot_ms, 'schedule_slots.slot_ms'),
    state: r.state as SlotState,
    trigger: r.trigger,
    owner: r.owner,
    leaseUntilMs: nOrNull(r.lease_until_ms, 'schedule_slots.lease_until_ms'),
    decidedMs: n(r.decided_ms, 'schedule_slots.decided_ms'),
    startedMs: nOrNull(r.started_ms, 'schedule_slots.started_ms'),
    finishedMs: nOrNull(r.finished_ms, 'schedule_slots.finished_ms'),
    untilMs: nOrNull(r.until_ms, 'schedule_slots.until_ms'),
    ref: r.ref,
    detail: r.detail,
  };
}

function slotColumns(p: SlotPatch): Updateable<SchedulesDatabase['schedule_slots']> {
  const out: Record<string, unknown> = {};
  if (p.state !== undefined) out['state'] = p.state;
  if (p.owner !== undefined) out['owner'] = p.owner;
  if (p.leaseUntilMs !== undefined) out['lease_until_ms'] = p.leaseUntilMs;
  if (p.startedMs !== undefined) out['started_ms'] = p.startedMs;
  if (p.finishedMs !== undefined) out['finished_ms'] = p.finishedMs;
  if (p.ref !== undefined) out['ref'] = p.ref;
  if (p.detail !== undefined) out['detail'] = p.detail;
  return out as Updateable<SchedulesDatabase['schedule_slots']>;
}

export class ScheduleStore {
  readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db as unknown as Db;
  }

  private tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.store.writeTransaction((trx) => fn(trx as unknown as Trx));
  }

  /**
   * Makes sure each schedule has its state row. A new schedule starts now (nothing before it is
   * missed); so does one enabled again after it was off, and one whose cron or time zone (`spec`)
   * changed: its old slots are not the new expression's. One switched off moves along with time, so
   * the period it was off is never reported as missed runs.
   */
  async ensure(list: ReadonlyArray<{ readonly name: string; readonly enabled: boolean; readonly spec: string }>, nowMs: number): Promise<ScheduleStateRow[]> {
    if (list.length === 0) return [];
    return this.tx(async (trx) => {
      const names = list.map((s) => s.name);
      const rows = new Map((await trx.selectFrom('schedule_state').selectAll().where('name', 'in', names).execute()).map((r) => [r.name, toState(r)]));
      for (const s of list) {
        const row = rows.get(s.name);
        if (!row) {
          await trx
            .insertInto('schedule_state')
            .values({ name: s.name, last_slot_ms: nowMs, enabled: s.enabled ? 1 : 0, spec: s.spec, updated_ms: nowMs })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
        } else if (row.enabled !== s.enabled || !s.enabled || row.spec !== s.spec) {
          await trx
            .updateTable('schedule_state')
            .set({ enabled: s.enabled ? 1 : 0, spec: s.spec, last_slot_ms: Math.max(row.lastSlotMs, nowMs), updated_ms: nowMs })
            .where('name', '=', s.name)
            .execute();
        }
      }
      return (await trx.selectFrom('schedule_state').selectAll().where('name', 'in', names).orderBy('name').execute()).map(toState);
    });
  }

  /** One decision about one schedule, its state row locked; undefined when the schedule has no row. */
  async withSchedule<T>(name: string, fn: (tx: ScheduleTx) => Promise<T>): Promise<T | undefined> {
    const pg = this.store.kind === 'postgres';
    return this.tx(async (trx) => {
      const q = trx.selectFrom('schedule_state').selectAll().where('name', '=', name);
      const row = await (pg ? q.forUpdate() : q).executeTakeFirst();
      if (!row) return undefined;
      const tx: ScheduleTx = {
        state: toState(row),
        active: async () =>
          (
            await trx.selectFrom('schedule_slots').selectAll().where('name', '=', name).where('state', 'in', ['running', 'queued']).orderBy('slot_ms').execute()
          ).map(toSlot),
        insert: async (slots) => {
          let inserted = 0;
          for (const s of slots) {
            const r = await trx
              .insertInto('schedule_slots')
              .values({
                name,
                slot_ms: s.slotMs,
                state: s.state,
                trigger: s.trigger ?? null,
                owner: s.owner ?? null,
                lease_until_ms: s.leaseUntilMs ?? null,
                decided_ms: s.decidedMs,
                started_ms: s.startedMs ?? null,
                finished_ms: s.finishedMs ?? null,
                until_ms: s.untilMs ?? null,
                ref: s.ref ?? null,
                detail: s.detail ?? null,
              })
              .onConflict((oc) => oc.columns(['name', 'slot_ms']).doNothing())
              .executeTakeFirst();
            inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
          }
          return inserted;
        },
        update: async (slotMs, expect, patch) => {
          let q = trx
            .updateTable('schedule_slots')
            .set(slotColumns(patch))
            .where('name', '=', name)
            .where('slot_ms', '=', slotMs)
            .where('state', '=', expect.state);
          if (expect.owner !== undefined) q = q.where('owner', '=', expect.owner);
          const r = await q.executeTakeFirst();
          return Number(r.numUpdatedRows) === 1;
        },
        setState: async (p, nowMs) => {
          const set: Updateable<SchedulesDatabase['schedule_state']> = { updated_ms: nowMs };
          if (p.lastSlotMs !== undefined) set.last_slot_ms = p.lastSlotMs;
          if (p.enabled !== undefined) set.enabled = p.enabled ? 1 : 0;
          if (p.lastOutcome !== undefined) set.last_outcome = p.lastOutcome;
          if (p.lastOutcomeSlotMs !== undefined) set.last_outcome_slot_ms = p.lastOutcomeSlotMs;
          if (p.lastOutcomeMs !== undefined) set.last_outcome_ms = p.lastOutcomeMs;
          if (p.lastSuccessMs !== undefined) set.last_success_ms = p.lastSuccessMs;
          if (p.lastRef !== undefined) set.last_ref = p.lastRef;
          if (p.lastDetail !== undefined) set.last_detail = p.lastDetail;
          await trx.updateTable('schedule_state').set(set).where('name', '=', name).execute();
        },
        queue: (drafts) => queueOutbox(trx as unknown as Transaction<OperationsDatabase>, drafts),
      };
      return fn(tx);
    });
  }

  async states(): Promise<ScheduleStateRow[]> {
    return (await this.db.selectFrom('schedule_state').selectAll().orderBy('name').execute()).map(toState);
  }

  /** Extends the leases of the runs this owner holds. */
  async renew(owner: string, untilMs: number): Promise<number> {
    const r = await this.db
      .updateTable('schedule_slots')
      .set({ lease_until_ms: untilMs })
      .where('state', '=', 'running')
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Schedules with a run whose lease ran out (not `owner`'s), or a start queued: each needs a decision. */
  async needingAttention(nowMs: number, owner: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('schedule_slots')
      .select('name')
      .distinct()
      .where((eb) => eb.or([eb.and([eb('state', '=', 'running'), eb('lease_until_ms', '<', nowMs), eb('owner', '!=', owner)]), eb('state', '=', 'queued')]))
      .execute();
    return rows.map((r) => r.name).sort();
  }

  /** Slots in flight (running or queued), of every schedule. */
  async inFlight(): Promise<SlotRow[]> {
    return (
      await this.db.selectFrom('schedule_slots').selectAll().where('state', 'in', ['running', 'queued']).orderBy('name').orderBy('slot_ms').execute()
    ).map(toSlot);
  }

  /** A schedule's slots, newest first. */
  async recent(name: string, limit = 20): Promise<SlotRow[]> {
    return (await this.db.selectFrom('schedule_slots').selectAll().where('name', '=', name).orderBy('slot_ms', 'desc').limit(limit).execute()).map(toSlot);
  }

  /** Forgets slots that ended before `beforeMs` (the ledger keeps their record); in-flight ones stay. */
  async prune(beforeMs: number): Promise<number> {
    const r = await this.tx((trx) =>
      trx.deleteFrom('schedule_slots').where('slot_ms', '<', beforeMs).where('state', 'not in', ['running', 'queued']).executeTakeFirst(),
    );
    return Number(r.numDeletedRows);
  }
}
