// Tables of continuous health (migration 0011): checks with their current state, compact samples,
// hourly rollups, service states and the last verdict of each checklist.
import type { ColumnType } from 'kysely';

/** An int8 column (both drivers may read it back as a string or bigint). */
export type Int8 = ColumnType<number | string | bigint, number, number>;

export interface HealthChecksTable {
  no: number;
  id: string;
  state: string;
  since: string;
  tracker: string;
  last: string | null;
  updated_at: string;
}

export interface HealthSamplesTable {
  check_no: number;
  at_ms: Int8;
  state: number;
  latency_ms: number | null;
  reason: string | null;
}

export interface HealthRollupsTable {
  check_no: number;
  hour_ms: Int8;
  up_ms: Int8;
  down_ms: Int8;
  unknown_ms: Int8;
  samples: number;
  failures: number;
  unknown_samples: number;
  latency_samples: number;
  latency_counts: string;
  histogram: string;
}

export interface HealthServicesTable {
  name: string;
  state: string;
  since: string;
  cause: string | null;
  updated_at: string;
}

export interface HealthVerdictsTable {
  checklist: string;
  healthy: number;
  items: string;
  at: string;
}

export interface HealthDatabase {
  health_checks: HealthChecksTable;
  health_samples: HealthSamplesTable;
  health_rollups: HealthRollupsTable;
  health_services: HealthServicesTable;
  health_verdicts: HealthVerdictsTable;
}
