// Run-form values: defaults, the checks the server makes (so mistakes show before a request), and
// the values as the API takes them. Pure, so the unit test can use it without a browser.
import type { InputSchema } from '@runledger/server/api-types';
import { RE2JS } from 're2js';

export type Raw = string | boolean;

/** The field's starting value: the runbook's default, else empty (a checkbox: unchecked). */
export function initial(i: InputSchema): Raw {
  if (i.type === 'boolean') return i.default === true;
  return i.default !== undefined ? String(i.default) : '';
}

/**
 * The field's value taken from an earlier run's recorded input. Secrets never (the run holds only a
 * keyed hash of them); a value of the wrong type (the runbook changed) falls back to the default.
 */
export function prefilled(i: InputSchema, recorded: unknown): Raw {
  if (i.secret || recorded === undefined || recorded === null) return initial(i);
  if (i.type === 'boolean') return typeof recorded === 'boolean' ? recorded : initial(i);
  if (typeof recorded !== 'string' && typeof recorded !== 'number') return initial(i);
  return String(recorded);
}

/** What is wrong with the field's value, as the server would say it; undefined when acceptable. */
export function problemOf(i: InputSchema, raw: Raw): string | undefined {
  if (i.secret || i.type === 'boolean') return undefined;
  const v = String(raw);
  if (v === '') return i.required && i.default === undefined ? 'required' : undefined;
  if (i.type === 'integer') {
    if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) return 'must be an integer';
    const n = Number(v);
    if (i.min !== undefined && n < i.min) return `must be at least ${i.min}`;
    if (i.max !== undefined && n > i.max) return `must be at most ${i.max}`;
    return undefined;
  }
  if (i.type === 'enum') return (i.values ?? []).includes(v) ? undefined : `must be one of ${(i.values ?? []).join(', ')}`;
  if (i.pattern !== undefined) {
    const re = compiled(i.pattern);
    if (re && !re.testExact(v)) return `must match ${i.pattern}`; // anchored, as the server checks it
  }
  return undefined;
}

// RE2, as on the server: the same syntax, and linear time, so a pattern cannot freeze the tab while
// someone types. Compiled once per pattern; null when it does not compile (the server reports it).
const patterns = new Map<string, RE2JS | null>();
function compiled(pattern: string): RE2JS | null {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (patterns.size > 64) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

/** The value as the API takes it, or undefined to leave it to the runbook's default. */
export function toValue(i: InputSchema, raw: Raw): string | number | boolean | undefined {
  if (i.type === 'boolean') return raw === true;
  const v = String(raw);
  if (v === '') return undefined;
  return i.type === 'integer' ? Number(v) : v;
}
