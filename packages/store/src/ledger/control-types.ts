// The reserved (control) entry types, as the partial index and the queries that use it spell them.
import { RESERVED_TYPES } from '@runledger/ledger';

/** Entry types the writer must find quickly at startup (keys come from genesis and rotations). */
export const CONTROL_TYPES: readonly string[] = RESERVED_TYPES;

/** `type IN (...)` over the reserved types, identical in the index and in the queries that use it. */
export function controlTypePredicate(): string {
  return `type IN (${CONTROL_TYPES.map((t) => `'${t}'`).join(', ')})`;
}
