// Input values: typed, validated against the runbook's declarations, defaults applied. Secrets are
// taken only from `secrets` (which the runtime fills from each secret's `from.env`, `from.file` or a
// prompt), never from `given`: a value on a command line shows up in `ps` and in shell history.
import type { Diagnostic, InputSpec, Runbook } from './types.js';
import { diagnostic, type RunbookDiagnosticCode } from './diagnostics.js';
import { compileUserRegex } from '../regex/index.js';

export type InputValue = string | number | boolean;

export type ResolveInputsResult =
  | { readonly ok: true; readonly values: Record<string, InputValue>; readonly secretNames: string[] }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);
const INTEGER_RE = /^[+-]?\d+$/;

/** What is wrong with a typed value for this input ("must be at most 10"), or undefined when it is acceptable. */
export function inputValueProblem(spec: InputSpec, value: InputValue): string | undefined {
  switch (spec.type) {
    case 'string':
    case 'secret':
      if (typeof value !== 'string') return 'must be a string';
      if (spec.pattern !== undefined) {
        // Anchored: a pattern must match the whole value, never a substring. RE2: linear in the value.
        const c = compileUserRegex(spec.pattern);
        if (!c.ok) return `has an unusable pattern ${spec.pattern} (${c.problem.message})`;
        if (!c.regex.testWhole(value)) return `must match ${spec.pattern}`;
      }
      return undefined;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be an integer';
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value) ? undefined : `must be one of ${(spec.values ?? []).join(', ')}`;
  }
}

/** A command-line string converted to the input's type, or the problem with it. */
export function parseInputValue(spec: InputSpec, raw: string): { value: InputValue } | { problem: string } {
  let value: InputValue = raw;
  if (spec.type === 'integer') {
    const n = INTEGER_RE.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isSafeInteger(n)) return { problem: 'must be an integer' };
    value = n;
  } else if (spec.type === 'boolean') {
    const w = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) value = true;
    else if (FALSE_WORDS.has(w)) value = false;
    else return { problem: 'must be true or false' };
  }
  const problem = inputValueProblem(spec, value);
  return problem === undefined ? { value } : { problem };
}

function secretSources(spec: InputSpec): string {
  const ways: string[] = [];
  if (spec.from?.env !== undefined) ways.push(`the environment variable ${spec.from.env}`);
  if (spec.from?.file !== undefined) ways.push(`the file ${spec.from.file}`);
  if (spec.from?.prompt === true || spec.from === undefined || ways.length === 0) ways.push('a prompt on a terminal');
  return ways.length === 1 ? (ways[0] ?? '') : `${ways.slice(0, -1).join(', ')} or ${ways[ways.length - 1] ?? ''}`;
}

function typeHint(spec: InputSpec): string {
  return spec.type === 'enum' ? (spec.values ?? []).join('|') : spec.type;
}

/**
 * Validates `given` (command-line `--input k=v`, strings) and `secrets` (already read by the runtime)
 * against the declarations. Every problem is reported, each naming its input; a value is never echoed
 * for a secret or for an input the runbook does not declare (it may be a misspelt secret).
 */
export function resolveInputs(
  runbook: Runbook,
  given: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string | undefined>>,
): ResolveInputsResult {
  const diagnostics: Diagnostic[] = [];
  const at = (spec: InputSpec | undefined, code: RunbookDiagnosticCode, message: string, input = spec?.name): void => {
    const d = diagnostic(code, message, runbook.file, spec?.span.start.line ?? 1, spec?.span.start.column ?? 1);
    diagnostics.push(input === undefined ? d : { ...d, input });
  };
  const specs = new Map(runbook.inputs.map((s) => [s.name, s]));
  const values: Record<string, InputValue> = {};
  const secretNames: string[] = [];

  for (const name of Object.keys(given)) {
    if (!specs.has(name)) {
      const known = runbook.inputs.map((s) => s.name);
      at(
        undefined,
        'RB_INPUT_UNKNOWN',
        `--input ${name}=…: this runbook has no input named ${name} (${known.length > 0 ? `its inputs: ${known.join(', ')}` : 'it takes no inputs'})`,
        name,
      );
    }
  }

  for (const spec of runbook.inputs) {
    if (spec.type === 'secret') {
      if (Object.prototype.hasOwnProperty.call(given, spec.name)) {
        at(
          spec,
          'RB_INPUT_SECRET_ON_COMMAND_LINE',
          `--input ${spec.name}=…: ${spec.name} is a secret and is never taken on a command line (it would show in ps and shell history); supply it through ${secretSources(spec)}`,
        );
        continue;
      }
      const v = Object.prototype.hasOwnProperty.call(secrets, spec.name) ? secrets[spec.name] : undefined;
      if (v === undefined) {
        if (spec.required) at(spec, 'RB_SECRET_MISSING', `${spec.name} is a required secret and has no value: supply it through ${secretSources(spec)}`);
        continue;
      }
      values[spec.name] = v;
      secretNames.push(spec.name);
      continue;
    }
    const raw = Object.prototype.hasOwnProperty.call(given, spec.name) ? given[spec.name] : undefined;
    if (raw === undefined) {
      if (spec.default !== undefined) values[spec.name] = spec.default;
      else if (spec.required) at(spec, 'RB_INPUT_REQUIRED', `${spec.name} is required: pass --input ${spec.name}=<${typeHint(spec)}>`);
      continue;
    }
    const parsed = parseInputValue(spec, raw);
    if ('problem' in parsed) at(spec, 'RB_INPUT_INVALID', `--input ${spec.name}=${raw}: ${spec.name} ${parsed.problem}`);
    else values[spec.name] = parsed.value;
  }

  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, values, secretNames };
}

/** Names of the runbook's secret inputs, in declaration order: redact these values everywhere. */
export function secretInputNames(runbook: Runbook): string[] {
  return runbook.inputs.filter((s) => s.type === 'secret').map((s) => s.name);
}
