// Flag value parsing with errors that name the flag.
import { RuntimeError } from '@runledger/runtime';

export function nonNegativeInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new RuntimeError('INPUT_INVALID', `${flag} ${JSON.stringify(v)}: expected a non-negative integer`);
  return Number(v);
}

export function positiveInt(flag: string, v: string | undefined): number | undefined {
  const n = nonNegativeInt(flag, v);
  if (n === 0) throw new RuntimeError('INPUT_INVALID', `${flag} 0: expected a positive integer`);
  return n;
}

/** `kind:id` */
export function subjectArg(v: string | undefined): { kind: string; id: string } | undefined {
  if (v === undefined) return undefined;
  const i = v.indexOf(':');
  if (i <= 0 || i === v.length - 1) throw new RuntimeError('INPUT_INVALID', `--subject ${JSON.stringify(v)}: expected kind:id, e.g. run:42`);
  return { kind: v.slice(0, i), id: v.slice(i + 1) };
}

/** A JSON object; the error names the position JSON.parse reports. */
export function jsonObjectArg(flag: string, v: string | undefined): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (e) {
    throw new RuntimeError('INPUT_INVALID', `${flag}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new RuntimeError('INPUT_INVALID', `${flag}: expected a JSON object, e.g. '{"reason":"drill"}'`);
  return o as Record<string, unknown>;
}
