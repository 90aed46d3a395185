// A drill kind's options as given (CLI flags, the API body): each kind names the ones it takes, and a
// bad value is DRILL_INVALID naming the option, before anything is recorded.
import { RuntimeError } from '../errors.js';
import type { DrillOptions } from './kind.js';

/** Refuses options the kind does not take (a typo would otherwise be ignored silently). */
export function onlyOptions(kind: string, options: DrillOptions | undefined, known: readonly string[]): void {
  const unknown = Object.keys(options ?? {}).filter((k) => options![k] !== undefined && !known.includes(k));
  if (unknown.length > 0)
    throw new RuntimeError(
      'DRILL_INVALID',
      `the ${kind} drill has no option ${unknown.map((k) => JSON.stringify(k)).join(', ')}${known.length ? ` (it takes ${known.join(', ')})` : ' (it takes none)'}`,
    );
}

export function stringOption(options: DrillOptions | undefined, name: string): string | undefined {
  const v = options?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new RuntimeError('DRILL_INVALID', `option ${name}: expected a non-empty string`);
  return v;
}

export function flagOption(options: DrillOptions | undefined, name: string): boolean {
  const v = options?.[name];
  if (v === undefined || v === false || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw new RuntimeError('DRILL_INVALID', `option ${name}: expected true or false, got ${JSON.stringify(v)}`);
}

/** A number of seconds within [min, max]; strings are parsed (CLI flags arrive as text). */
export function secondsOption(options: DrillOptions | undefined, name: string, fallback: number, min: number, max: number): number {
  const v = options?.[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new RuntimeError('DRILL_INVALID', `option ${name}: expected seconds from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}
