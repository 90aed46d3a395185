// The drill incident's timeline as the ledger holds it: one entry per fact (`incident:<id>:<seq>`), one
// per final delivery record (`delivery:<id>:…`), one per alert body. The outbox is pumped here too
// (idempotency keys make that safe beside the host's own pump), then read back until complete.
import type { StoredEntry } from '@runledger/store';
import { pumpOutbox } from '../../incidents/pump.js';
import type { LedgerContext } from '../../ledger/service.js';
import type { DrillOperations } from '../kind.js';

export interface TimelineEntries {
  readonly complete: boolean;
  readonly facts: readonly StoredEntry[];
  readonly deliveries: readonly StoredEntry[];
  readonly bodies: readonly StoredEntry[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function timelineEntries(p: {
  ops: DrillOperations;
  ledger: LedgerContext;
  incidentId: string;
  bodyIds: readonly string[];
  /** How many of each the store holds: what the ledger must hold too. */
  want: { readonly facts: number; readonly deliveries: number };
  untilMs: number;
  now: () => Date;
}): Promise<TimelineEntries> {
  const writer = p.ledger.writer;
  for (;;) {
    if (writer) await pumpOutbox(p.ops.service.outbox, (d) => writer.append(d));
    else p.ops.wake();
    const facts = await p.ledger.reader.entriesByIdemPrefix(`incident:${p.incidentId}:`);
    const deliveries = await p.ledger.reader.entriesByIdemPrefix(`delivery:${p.incidentId}:`);
    const bodies: StoredEntry[] = [];
    for (const id of p.bodyIds) {
      const e = await p.ledger.reader.entryByIdem(`alert-body:${id}`);
      if (e) bodies.push(e);
    }
    const complete = facts.length >= p.want.facts && deliveries.length >= p.want.deliveries && bodies.length === p.bodyIds.length;
    if (complete || p.now().getTime() >= p.untilMs) return { complete, facts, deliveries, bodies };
    await sleep(100);
  }
}
