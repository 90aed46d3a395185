// The store's side of the key rules (packages/ledger/src/keyrules.ts): replays stored genesis and
// rotation entries into a KeyRing, turning a refused entry into a StoreError.
import type { Entry, KeyRing } from '@runledger/ledger';
import { StoreError, type StoreErrorCode } from '../errors.js';

/** Applies stored control entries in order; a refused one is `code`, naming the entry and the rule. */
export function replayKeys(ring: KeyRing, entries: Iterable<{ readonly seq: number; readonly entry: Entry }>, code: StoreErrorCode): void {
  for (const { seq, entry } of entries) {
    const r = ring.apply(seq, entry.type, entry.data);
    if (!r.ok) throw new StoreError(code, `entry ${seq} (${entry.type}): ${r.reason}: ${r.detail}`);
  }
}
