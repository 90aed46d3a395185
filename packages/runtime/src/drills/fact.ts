// The `drill: {kind}` checklist item's fact: the newest finished drill of a kind, from the ledger, and
// how long ago it finished (core's checklist judges it against the item's `within`).
import { isDrillKind, type DrillFact } from '@runledger/core';
import type { LedgerReader } from '@runledger/store';
import { listDrills } from './history.js';

export async function drillFact(reader: LedgerReader, kind: string, now: Date): Promise<DrillFact> {
  if (!isDrillKind(kind)) return { kind, last: null, ageSeconds: null };
  const d = (await listDrills(reader, { kind, limit: 1 })).drills[0];
  if (!d) return { kind, last: null, ageSeconds: null };
  const ageSeconds = Math.max(0, (now.getTime() - Date.parse(d.finishedAt)) / 1000);
  return {
    kind,
    last: { id: d.id, passed: d.passed, finishedAt: d.finishedAt, reasons: d.reasons, measured: { ...d.measured }, index: d.evidence.index },
    ageSeconds,
  };
}
