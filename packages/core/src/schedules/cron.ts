// Cron expressions in a time zone, through croner: parsing, and the slot after an instant. Only its
// pure date arithmetic is used (no callback, so croner arms no timer); the runtime owns the one timer,
// which makes fake-clock tests and missed-run detection exact.
//
// Daylight saving time, as croner does it: a fixed-time job (single values for second, minute and hour,
// `30 2 * * *`) whose local time falls in a spring-forward gap runs at the first valid time after it,
// and runs once when a fall-back hour repeats its time; an interval job (`*/30 * * * *`) skips the
// times in a gap and runs on both occurrences of a repeated time (it keeps its real-time spacing).
import { Cron } from 'croner';

export interface CronClock {
  readonly expression: string;
  readonly timezone: string;
  /** The first slot strictly after `afterMs` (whole seconds), or undefined when there is none. */
  next(afterMs: number): number | undefined;
  /** The newest slot at or before `atMs`, or undefined. */
  previous(atMs: number): number | undefined;
}

export type CompiledCron = { readonly ok: true; readonly clock: CronClock } | { readonly ok: false; readonly message: string };

/** Whether the runtime knows the IANA time zone (Intl refuses unknown names). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * 5 fields (minute, hour, day of month, month, day of week) or 6 (seconds first); names (MON, JAN),
 * ranges, steps, lists, L, W, # and the `@hourly`-style nicknames. Day of month and day of week
 * combine with OR, as in Vixie cron. An expression that never matches (`0 0 31 2 *`) is refused.
 */
export function compileCron(expression: string, timezone = 'UTC', fromMs = 0): CompiledCron {
  const expr = expression.trim();
  if (expr === '') return { ok: false, message: 'an empty cron expression' };
  if (!isTimeZone(timezone)) return { ok: false, message: `unknown time zone ${JSON.stringify(timezone)} (an IANA name such as Europe/Berlin, or UTC)` };
  // A bare date would make croner schedule a single run at that instant: a schedule repeats.
  if (!expr.startsWith('@') && expr.split(/\s+/).length < 5)
    return { ok: false, message: `${JSON.stringify(expr)} is not a cron expression: 5 fields (minute hour day month weekday) or 6 (seconds first)` };
  let cron: Cron;
  try {
    cron = new Cron(expr, { timezone, mode: '5-or-6-parts', paused: true });
  } catch (e) {
    return { ok: false, message: (e as Error).message.replace(/^CronPattern: /, '') };
  }
  if (cron.getPattern() === undefined) return { ok: false, message: `${JSON.stringify(expr)} is not a cron expression` };
  const clock: CronClock = {
    expression: expr,
    timezone,
    next(afterMs) {
      const d = cron.nextRun(new Date(afterMs));
      return d ? d.getTime() : undefined;
    },
    previous(atMs) {
      // previousRuns looks strictly before its reference, counting a run earlier in the same second.
      const d = cron.previousRuns(1, new Date(atMs + 1))[0];
      return d ? d.getTime() : undefined;
    },
  };
  if (clock.next(fromMs) === undefined) return { ok: false, message: `${JSON.stringify(expr)} never matches a date` };
  return { ok: true, clock };
}
