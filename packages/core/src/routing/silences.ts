// Silences and maintenance windows: label matchers over a time range, with who made them and why.
// What they hold back is recorded as a `skipped` delivery naming them, never dropped; and they never
// hold back a resolve (people who heard of the trigger hear it is over).
import { matchesAll, type Matcher } from './matchers.js';

export interface Silence {
  readonly id: string;
  readonly kind: 'silence' | 'maintenance';
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** The silences in force at `at` that match these labels (oldest first). */
export function silencing(silences: readonly Silence[], labels: Readonly<Record<string, string>>, at: number): Silence[] {
  return silences.filter((s) => s.startsAt <= at && at < s.endsAt && matchesAll(s.matchers, labels));
}

/** Whether a notification is held back: resolves never are. */
export function heldBack(silences: readonly Silence[], labels: Readonly<Record<string, string>>, at: number, event: string): Silence | undefined {
  if (event === 'resolved') return undefined;
  return silencing(silences, labels, at)[0];
}
