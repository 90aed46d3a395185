// The operations configuration (`$RUNLEDGER_HOME/operations.yaml`): integrations, receivers, the
// routing tree, people, schedules, escalation policies and the incident rules. Secrets in it are
// references (`env:NAME` or `file:/path`), never values: the file can be reviewed and committed.
import type { IncidentRules } from '../incidents/rules.js';
import type { Schedule } from '../oncall/schedule.js';
import type { RouteSpec } from '../routing/tree.js';

/** Where a secret comes from; resolved by the runtime, never stored in the config. */
export type SecretRef = { readonly env: string } | { readonly file: string };

export interface Integration {
  readonly name: string;
  readonly type: 'alertmanager' | 'events' | 'internal';
  /** Bearer token (alertmanager) or routing key (events); none for internal. */
  readonly secret?: SecretRef;
}

export interface EmailReceiver {
  readonly to: readonly string[];
  readonly from: string;
  readonly smtp: { readonly host: string; readonly port: number; readonly secure: boolean; readonly username?: string; readonly password?: SecretRef };
}

export interface Receiver {
  readonly name: string;
  readonly email?: EmailReceiver;
  readonly webhook?: { readonly url: string; readonly secrets: readonly SecretRef[] };
  readonly chat?: { readonly url: string };
  readonly sendResolved: boolean;
}

export interface Person {
  readonly name: string;
  readonly email?: string;
  /** Receivers that reach this person (email is implied by `email`). */
  readonly receivers: readonly string[];
}

export interface OperationsConfig {
  readonly integrations: readonly Integration[];
  readonly receivers: readonly Receiver[];
  readonly route: RouteSpec;
  readonly people: readonly Person[];
  readonly schedules: readonly Schedule[];
  readonly escalationPolicies: NonNullable<IncidentRules['escalation']>[];
  readonly rules: IncidentRules;
}

export interface ConfigProblem {
  /** JSONPath-like location: `$.receivers[0].email.to`. */
  readonly path: string;
  readonly message: string;
}
