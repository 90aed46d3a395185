// Watching a drill incident's pages: its delivery records (the real worker's outcomes) beside what the
// mailbox received, matched by the X-Runledger-Delivery header. A failed or held-back record ends the
// wait at once with its reason; otherwise it ends when every sent record's message has arrived, or at
// the time limit with what was seen.
import type { DeliveryRecord } from '@runledger/store';
import type { DrillOperations } from '../kind.js';
import type { DrillMailbox, SeenMail } from './mailbox.js';

export interface PageWatch {
  readonly ops: DrillOperations;
  readonly mailbox: DrillMailbox;
  readonly incidentId: string;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

export interface PageResult {
  readonly ok: boolean;
  readonly detail: string;
  /** The records of this event that were sent (not held back). */
  readonly records: readonly DeliveryRecord[];
  /** Their messages as received, in record order (when ok). */
  readonly mails: readonly SeenMail[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Plain words for the network errors a mail path fails with most. */
const CAUSES: readonly [RegExp, string][] = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ETIMEDOUT|timeout/i, 'timed out'],
  [/ENOTFOUND|EAI_AGAIN/, 'host not found'],
  [/ECONNRESET/, 'connection reset'],
  [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
];

function failure(d: DeliveryRecord): string {
  const reason = d.reason ?? 'failed';
  const cause = CAUSES.find(([re]) => re.test(reason))?.[1];
  return `${d.receiver}: ${cause ? `${cause} (${reason})` : reason}`;
}

function describeRecords(rs: readonly DeliveryRecord[]): string {
  return rs.map((d) => `${d.receiver} ${d.state}${d.reason ? ` (${d.reason})` : ''}`).join(', ') || 'no delivery record';
}

/** Every record of this incident (drills make a few dozen at most). */
export function incidentDeliveries(ops: DrillOperations, incidentId: string): Promise<DeliveryRecord[]> {
  return ops.service.deliveries.list({ incidentId, limit: 1000 });
}

/** Waits for the pages of one notify event (`triggered`: level 1, `escalated`: level 2) until `untilMs`. */
export async function waitForPage(w: PageWatch, event: string, untilMs: number): Promise<PageResult> {
  let mailboxError: string | undefined;
  for (;;) {
    const records = (await incidentDeliveries(w.ops, w.incidentId)).filter((d) => d.event === event);
    const sent = records.filter((d) => d.state !== 'skipped');
    const failed = sent.filter((d) => d.state === 'failed');
    if (failed.length > 0) return { ok: false, detail: `delivery failed: ${failed.map(failure).join('; ')}`, records: sent, mails: [] };
    if (records.length > 0 && sent.length === 0) return { ok: false, detail: `nobody was paged: ${describeRecords(records)}`, records: sent, mails: [] };
    let mails: readonly SeenMail[] = [];
    try {
      mails = await w.mailbox.messages();
      mailboxError = undefined;
    } catch (e) {
      mailboxError = e instanceof Error ? e.message : String(e);
    }
    const matched = sent.map((d) => mails.find((m) => m.headers['x-runledger-delivery'] === d.id));
    if (sent.length > 0 && matched.every((m) => m !== undefined)) return { ok: true, detail: '', records: sent, mails: matched as SeenMail[] };
    const now = w.now().getTime();
    if (now >= untilMs || w.signal?.aborted) {
      const why = w.signal?.aborted ? 'the drill was stopped' : 'no message in the mail sink in time';
      const seen = `${matched.filter(Boolean).length} of ${sent.length} seen in ${w.mailbox.describe}`;
      return {
        ok: false,
        detail: `${why}: ${describeRecords(records)}; ${seen}${mailboxError ? `; reading it failed: ${mailboxError}` : ''}`,
        records: sent,
        mails: [],
      };
    }
    await sleep(Math.min(w.pollMs ?? 100, Math.max(1, untilMs - now)));
  }
}

/** Waits until no record of the incident is pending or being retried (bounded); returns the records. */
export async function waitSettled(w: PageWatch, untilMs: number): Promise<{ settled: boolean; records: DeliveryRecord[] }> {
  for (;;) {
    const records = await incidentDeliveries(w.ops, w.incidentId);
    const open = records.filter((d) => d.state === 'pending' || d.state === 'attempted');
    if (open.length === 0) return { settled: true, records };
    if (w.now().getTime() >= untilMs) return { settled: false, records };
    w.ops.wake();
    await sleep(w.pollMs ?? 100);
  }
}
