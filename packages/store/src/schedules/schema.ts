// Tables of job schedules (migration 0013).
import type { ColumnType } from 'kysely';
import type { OperationsDatabase } from '../operations/schema.js';

type Int8 = ColumnType<number | string | bigint, number, number>;

export interface ScheduleStateTable {
  name: string;
  last_slot_ms: Int8;
  enabled: number;
  spec: string;
  last_outcome: string | null;
  last_outcome_slot_ms: Int8 | null;
  last_outcome_ms: Int8 | null;
  last_success_ms: Int8 | null;
  last_ref: string | null;
  last_detail: string | null;
  updated_ms: Int8;
}

export interface ScheduleSlotsTable {
  name: string;
  slot_ms: Int8;
  state: string;
  trigger: string | null;
  owner: string | null;
  lease_until_ms: Int8 | null;
  decided_ms: Int8;
  started_ms: Int8 | null;
  finished_ms: Int8 | null;
  until_ms: Int8 | null;
  ref: string | null;
  detail: string | null;
}

/** The schedule tables and the operations outbox they queue ledger drafts in. */
export interface SchedulesDatabase extends Pick<OperationsDatabase, 'ops_outbox'> {
  schedule_state: ScheduleStateTable;
  schedule_slots: ScheduleSlotsTable;
}
