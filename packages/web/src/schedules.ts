// Job schedules, the pure part: what each outcome looks like, the strip of recent slots (oldest left,
// runs in flight at the right end), and a slot read in its schedule's time zone. Tested in
// test/helpers.test.ts; the view only draws.
import type { ScheduleHistoryItem, ScheduleView } from '@runledger/server/api-types';

export type Outcome = ScheduleHistoryItem['outcome'];

export const OUTCOMES: Record<Outcome, { readonly label: string; readonly glyph: string; readonly help: string }> = {
  fired: { label: 'ok', glyph: '✔', help: 'the job ran and succeeded' },
  failed: { label: 'failed', glyph: '✖', help: 'the job ran and failed, or could not start' },
  skipped: { label: 'skipped', glyph: '–', help: 'not started: the previous run was still going (overrun)' },
  missed: { label: 'missed', glyph: '○', help: 'not run: the server was down or woke too late' },
};

export interface StripMark {
  readonly key: string;
  readonly cls: Outcome | 'running' | 'queued';
  readonly slot: string;
  /** The tooltip: slot, outcome and what the entry says. */
  readonly title: string;
  readonly ref?: string;
  readonly index?: number;
}

/** The newest `n` slots, oldest first; runs going on now and queued starts come last. */
export function stripOf(s: Pick<ScheduleView, 'history' | 'running'>, n = 24): StripMark[] {
  const done = s.history.slice(0, n).reverse();
  const marks: StripMark[] = done.map((h) => ({
    key: `${h.index}`,
    cls: h.outcome,
    slot: h.slot,
    title: `${h.slot.slice(0, 16).replace('T', ' ')} UTC${h.until ? ` … ${h.until.slice(0, 16).replace('T', ' ')}` : ''}: ${OUTCOMES[h.outcome].label}${h.detail ? ` — ${h.detail}` : ''}`,
    ...(h.ref !== undefined ? { ref: h.ref } : {}),
    index: h.index,
  }));
  for (const r of s.running)
    marks.push({
      key: `r:${r.slot}`,
      cls: r.state,
      slot: r.slot,
      title: `${r.slot.slice(0, 16).replace('T', ' ')} UTC: ${r.state === 'running' ? `running${r.owner ? ` on ${r.owner}` : ''}` : 'queued behind the run going on'}`,
    });
  return marks;
}

/** Counts of the strip's finished slots by outcome. */
export function tally(s: Pick<ScheduleView, 'history'>): Record<Outcome, number> {
  const out: Record<Outcome, number> = { fired: 0, failed: 0, skipped: 0, missed: 0 };
  for (const h of s.history) out[h.outcome]++;
  return out;
}

/** `Tue 02:00 CET`: a slot as the schedule's own time zone reads it. */
export function zonedSlot(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
        .formatToParts(d)
        .map((x) => [x.type, x.value]),
    );
    return `${p['weekday']} ${p['hour']}:${p['minute']} ${p['timeZoneName']}`;
  } catch {
    return `${iso.slice(11, 16)} UTC`;
  }
}
