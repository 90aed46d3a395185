// Diagnostic codes of the runbook language. The table is the single list: docs/runbook-language.md
// documents each entry, and a test holds the two together.
import type { Diagnostic, Severity } from './types.js';

export const RUNBOOK_DIAGNOSTICS = {
  // Front matter
  RB_FRONTMATTER_MISSING: { severity: 'error', summary: 'the file does not start with YAML front matter' },
  RB_YAML_SYNTAX: { severity: 'error', summary: 'the front matter is not valid YAML' },
  RB_FRONTMATTER_TYPE: { severity: 'error', summary: 'the front matter is not a YAML mapping' },
  RB_FIELD_UNKNOWN: { severity: 'error', summary: 'a front-matter key the language does not define' },
  RB_FIELD_TYPE: { severity: 'error', summary: 'a front-matter value of the wrong type' },
  RB_FIELD_REQUIRED: { severity: 'error', summary: 'a required front-matter field is missing' },
  RB_FIELD_DUPLICATE: { severity: 'error', summary: 'an environment or approval rule is listed twice' },
  RB_ID_MISSING: { severity: 'error', summary: 'the front matter has no `id`' },
  RB_ID_INVALID: { severity: 'error', summary: 'the runbook id is not [a-z0-9][a-z0-9-]*' },
  RB_DURATION_INVALID: { severity: 'error', summary: 'a duration is not like 500ms, 30s, 5m, 1h' },
  RB_REGEX_INVALID: { severity: 'error', summary: 'a pattern is not a valid regular expression (RE2 syntax)' },
  RB_REGEX_UNSUPPORTED: { severity: 'error', summary: 'a pattern uses a backreference or lookaround, which RE2 (linear-time matching) does not have' },
  RB_INPUT_NAME_INVALID: { severity: 'error', summary: 'an input name is not [A-Za-z][A-Za-z0-9_-]*' },
  RB_INPUT_TYPE_UNKNOWN: { severity: 'error', summary: 'an input type other than string, integer, boolean, enum, secret' },
  RB_INPUT_FIELD_NOT_APPLICABLE: { severity: 'error', summary: 'an input field that its type does not take' },
  RB_INPUT_DEFAULT_INVALID: { severity: 'error', summary: "an input's default fails the input's own validation" },
  RB_INPUT_BOUNDS: { severity: 'error', summary: 'an integer input with min greater than max' },
  RB_INPUT_ENUM_VALUES: { severity: 'error', summary: 'an enum input without values, or with a value listed twice' },
  RB_SECRET_DEFAULT: { severity: 'error', summary: 'a secret input with a default value' },
  RB_ENV_NAME_COLLISION: { severity: 'error', summary: 'two inputs or captured steps map to the same RL_* variable' },
  RB_APPROVAL_ENV_UNKNOWN: { severity: 'error', summary: 'an approval rule for an environment not in `environments`' },
  RB_APPROVAL_COUNT: { severity: 'error', summary: 'an approval count that is not an integer of at least 1' },
  // Sections and steps
  RB_SECTION_DUPLICATE: { severity: 'warning', summary: 'a section kind appears more than once' },
  RB_NO_STEPS: { severity: 'warning', summary: 'the runbook has no executable step' },
  RB_FENCE_NOT_STEP: { severity: 'warning', summary: 'a code block without {…} in an executable section (it will not run)' },
  RB_STEP_IN_PROSE: { severity: 'error', summary: 'an executable step outside Preconditions, Procedure, Verify and Rollback' },
  RB_STEP_KIND_UNKNOWN: { severity: 'error', summary: 'a step kind other than sh, http, check, approve, wait' },
  RB_STEP_ID_MISSING: { severity: 'warning', summary: 'a step without an id (it gets <section>-<n>)' },
  RB_STEP_ID_INVALID: { severity: 'error', summary: 'a step id that is not [a-z0-9][a-z0-9_-]*' },
  RB_STEP_ID_DUPLICATE: { severity: 'error', summary: 'two steps with the same id' },
  RB_STEP_BODY_EMPTY: { severity: 'error', summary: 'a step with an empty body' },
  RB_ATTR_SYNTAX: { severity: 'error', summary: 'a malformed attribute block' },
  RB_ATTR_UNKNOWN: { severity: 'error', summary: 'an attribute the language does not define' },
  RB_ATTR_DUPLICATE: { severity: 'error', summary: 'an attribute given twice' },
  RB_ATTR_VALUE: { severity: 'error', summary: 'an attribute with a missing or invalid value' },
  RB_ATTR_NOT_APPLICABLE: { severity: 'error', summary: 'an attribute that this step kind does not take' },
  RB_HTTP_REQUEST_LINE: { severity: 'error', summary: 'an http step whose first line is not `METHOD URL`' },
  RB_HTTP_HEADER: { severity: 'error', summary: 'an http header line that is not `Name: value`' },
  RB_PROBE_YAML: { severity: 'error', summary: 'a check/wait body that is not valid YAML' },
  RB_PROBE_KIND: { severity: 'error', summary: 'a check/wait body without exactly one of http, tcp, postgres, redis, command' },
  RB_PROBE_FIELD: { severity: 'error', summary: 'a probe field that is missing, unknown or of the wrong type' },
  RB_WAIT_TIMEOUT_MISSING: { severity: 'warning', summary: 'a wait step without timeout= (it polls until the runbook timeout)' },
  RB_FORBIDDEN_IN_STEP: { severity: 'error', summary: "a step's text matches one of the runbook's own forbidden patterns" },
  // Templates
  RB_TEMPLATE_SYNTAX: { severity: 'error', summary: 'a malformed {{ … }} reference' },
  RB_TEMPLATE_UNKNOWN_REF: { severity: 'error', summary: 'a reference other than inputs.x, steps.id.output, env, run.id' },
  RB_TEMPLATE_UNKNOWN_INPUT: { severity: 'error', summary: 'a reference to an input that is not declared' },
  RB_TEMPLATE_UNKNOWN_STEP: { severity: 'error', summary: 'a reference to a step that does not exist' },
  RB_TEMPLATE_STEP_ORDER: { severity: 'error', summary: 'a reference to a step that does not run earlier' },
  RB_TEMPLATE_NOT_CAPTURED: { severity: 'error', summary: 'a reference to the output of a step without `capture`' },
  RB_TEMPLATE_NOT_ALLOWED: { severity: 'error', summary: 'a reference that this place does not allow (steps or secrets in `lock`)' },
  RB_TEMPLATE_IN_SINGLE_QUOTES: { severity: 'warning', summary: 'a reference inside single quotes in a shell script (the variable will not expand)' },
  // Inputs at run time (resolveInputs)
  RB_INPUT_UNKNOWN: { severity: 'error', summary: 'a value given for an input the runbook does not declare' },
  RB_INPUT_REQUIRED: { severity: 'error', summary: 'a required input without a value' },
  RB_INPUT_INVALID: { severity: 'error', summary: "a value that fails its input's type, pattern, bounds or values" },
  RB_INPUT_SECRET_ON_COMMAND_LINE: { severity: 'error', summary: 'a secret given as --input (secrets never travel on command lines)' },
  RB_SECRET_MISSING: { severity: 'error', summary: 'a required secret that none of its sources supplied' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type RunbookDiagnosticCode = keyof typeof RUNBOOK_DIAGNOSTICS;

/** `file:line:col: error RB_CODE: message`, the one-line form every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

export function diagnostic(code: RunbookDiagnosticCode, message: string, file: string, line: number, column: number): Diagnostic {
  return { severity: RUNBOOK_DIAGNOSTICS[code].severity, code, message, file, line, column };
}

/** Source order, errors before warnings at the same spot: stable output for tools and tests. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
