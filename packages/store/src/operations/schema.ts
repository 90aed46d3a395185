// Tables of the operations layer (migration 0010): raw alert bodies, alerts by fingerprint, incidents
// (snapshot + facts), durable timers, delivery records, silences, hand-offs, and the ledger outbox.
import type { ColumnType, Generated } from 'kysely';

/** Milliseconds since the epoch in an int8 column (both drivers may read it back as a string or bigint). */
export type Ms = ColumnType<number | string | bigint, number, number>;

export interface AlertBodiesTable {
  /** sha256 hex of the integration and the canonical body (minus what differs between HA peers). */
  id: string;
  integration: string;
  /** alertmanager | events | internal: how to parse `body` again. */
  kind: string;
  received_at: string;
  body: string;
  alert_count: number;
  /** 0 until every alert in it has been applied to its incident. */
  processed: number;
}

/** Which stored bodies an incident was built from (its evidence). */
export interface IncidentBodiesTable {
  incident_id: string;
  body_id: string;
}

export interface AlertsTable {
  /** `<integration>/<fingerprint>` */
  id: string;
  integration: string;
  fingerprint: string;
  incident_id: string;
  status: string;
  labels: string;
  updated_at: string;
}

export interface IncidentsTable {
  id: string;
  key: string;
  state: string;
  severity: string;
  title: string;
  opened_at: string;
  updated_at: string;
  ack_due_at: string | null;
  owner: string | null;
  resolved_at: string | null;
  /** Number of facts; a writer updates only the version it read (optimistic concurrency). */
  version: number;
  /** JSON: the route the incident follows (receivers, escalation, runbook, group labels). */
  context: string;
  /** JSON of the IncidentModel after the last fact. */
  model: string;
}

export interface IncidentFactsTable {
  incident_id: string;
  seq: number;
  at: string;
  type: string;
  fact: string;
}

export interface IncidentTimersTable {
  incident_id: string;
  kind: string;
  due: string;
  due_ms: Ms;
}

export interface DeliveriesTable {
  /** `<incident>:<fact seq>:<receiver>`: one record per (incident event × receiver). */
  id: string;
  incident_id: string;
  fact_seq: number;
  event: string;
  receiver: string;
  channel: string;
  state: string;
  attempts: number;
  reason: string | null;
  /** When the next attempt is due (pending/attempted). */
  next_ms: Ms | null;
  /** A worker holds the record until then (ms since the epoch); another may take it after. */
  lease_ms: Ms | null;
  /** JSON: message id, SMTP queue id, HTTP status, targets. */
  detail: string;
  created_at: string;
  updated_at: string;
}

export interface SilencesTable {
  id: string;
  kind: string;
  matchers: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  created_at: string;
  expired_by: string | null;
}

export interface HandoffsTable {
  id: string;
  at: string;
  by: string;
  schedule: string;
  to_person: string | null;
  risks: string;
}

export interface OpsOutboxTable {
  n: Generated<number | string | bigint>;
  idem: string;
  /** JSON of the ledger entry draft. */
  draft: string;
}

export interface OperationsDatabase {
  alert_bodies: AlertBodiesTable;
  incident_bodies: IncidentBodiesTable;
  alerts: AlertsTable;
  incidents: IncidentsTable;
  incident_facts: IncidentFactsTable;
  incident_timers: IncidentTimersTable;
  deliveries: DeliveriesTable;
  silences: SilencesTable;
  handoffs: HandoffsTable;
  ops_outbox: OpsOutboxTable;
}
