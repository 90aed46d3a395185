// `{{ … }}` references: inputs.x, steps.<id>.output, env, run.id.
//
// Shell scripts never receive values spliced into their text: in 'shell' mode every reference becomes
// an environment-variable reference (`${RL_INPUT_X}`) and the values travel in the process environment
// (envForStep). Text that is not a script (http requests, probes, lock names, approval text) takes the
// values themselves ('text' mode), with secrets masked where the text is only displayed.
//
// Only `{{ name.path }}` shapes are references; anything else between braces (Go templates such as
// `{{.State.Status}}`, `{{ json . }}`) is left alone, so `docker inspect -f '{{.Config.Image}}'` works.
import { lineColIn } from './positions.js';

export type TemplateRefKind = 'input' | 'step-output' | 'env' | 'run-id' | 'unknown';

export interface TemplateRef {
  /** The reference as written between the braces, trimmed: `inputs.replicas`. */
  readonly expr: string;
  readonly kind: TemplateRefKind;
  /** Input name (kind input) or step id (kind step-output). */
  readonly name?: string;
  /** Offset of `{{` in the text, and the length of the whole `{{ … }}`. */
  readonly offset: number;
  readonly length: number;
  /** 1-based line and column of `{{` within the text. */
  readonly line: number;
  readonly column: number;
}

export interface TemplateSyntaxProblem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface TemplateContext {
  /** Resolved input values (resolveInputs' `values`), secrets included. */
  readonly inputs: Readonly<Record<string, string | number | boolean>>;
  /** Names of secret inputs: masked in 'text' mode when `mask` is set. */
  readonly secretNames?: readonly string[];
  /** Captured stdout of earlier steps, by step id. */
  readonly steps?: Readonly<Record<string, string>>;
  /** The environment the run targets (`{{ env }}`). */
  readonly env?: string;
  readonly runId?: string;
}

/**
 * 'shell': references become `${RL_…}` variables; 'text': the values themselves; 'url': the values,
 * percent-encoded (encodeURIComponent) wherever they fall after the URL's origin, so a value can never
 * add a path segment, a query parameter or a fragment of its own.
 */
export type RenderMode = 'shell' | 'text' | 'url';

/** Rendered text so far that is still the URL's origin: empty, or `scheme://authority` with no path yet. */
const URL_ORIGIN_SO_FAR_RE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)?$/;

function placeValue(value: string, mode: RenderMode, renderedSoFar: string): string {
  if (mode !== 'url' || URL_ORIGIN_SO_FAR_RE.test(renderedSoFar)) return value;
  return encodeURIComponent(value);
}

export interface RenderOptions {
  /** 'text' mode only: show secret values as SECRET_MASK (for plans and displays). */
  readonly mask?: boolean;
}

export const SECRET_MASK = '••••••';

export class TemplateError extends Error {
  constructor(
    readonly code: 'RB_TEMPLATE_UNKNOWN_REF',
    message: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const SEG = '[A-Za-z0-9_][A-Za-z0-9_-]*';
const REF_RE = new RegExp(`\\{\\{[ \\t]*(${SEG}(?:\\.${SEG})*)[ \\t]*\\}\\}`, 'y');
/** Starts like one of ours but is not a well-formed reference: a typo, not someone else's template. */
const LOOKS_LIKE_REF_RE = /\{\{[ \t]*(?:inputs|steps|env|run)\b/y;

function classify(expr: string): { kind: TemplateRefKind; name?: string } {
  const parts = expr.split('.');
  if (parts[0] === 'inputs' && parts.length === 2 && parts[1] !== undefined) return { kind: 'input', name: parts[1] };
  if (parts[0] === 'steps' && parts.length === 3 && parts[2] === 'output' && parts[1] !== undefined) return { kind: 'step-output', name: parts[1] };
  if (expr === 'env') return { kind: 'env' };
  if (expr === 'run.id') return { kind: 'run-id' };
  return { kind: 'unknown' };
}

/** References and malformed references in one pass, in text order. */
export function scanTemplates(text: string): { refs: TemplateRef[]; problems: TemplateSyntaxProblem[] } {
  const refs: TemplateRef[] = [];
  const problems: TemplateSyntaxProblem[] = [];
  let i = 0;
  for (;;) {
    const p = text.indexOf('{{', i);
    if (p < 0) break;
    REF_RE.lastIndex = p;
    const m = REF_RE.exec(text);
    if (m && m[1] !== undefined) {
      const { line, column } = lineColIn(text, p);
      refs.push({ expr: m[1], ...classify(m[1]), offset: p, length: m[0].length, line, column });
      i = p + m[0].length;
      continue;
    }
    LOOKS_LIKE_REF_RE.lastIndex = p;
    if (LOOKS_LIKE_REF_RE.test(text)) {
      const { line, column } = lineColIn(text, p);
      const end = text.indexOf('\n', p);
      const shown = text.slice(p, end < 0 ? undefined : Math.min(end, p + 40));
      problems.push({
        offset: p,
        line,
        column,
        message: `malformed reference \`${shown}\`: expected \`{{ inputs.NAME }}\`, \`{{ steps.ID.output }}\`, \`{{ env }}\` or \`{{ run.id }}\`, closed by \`}}\` on the same line`,
      });
    }
    i = p + 1;
  }
  return { refs, problems };
}

/** The well-formed references in a text (malformed ones are reported by the linter, not here). */
export function templateRefs(text: string): TemplateRef[] {
  return scanTemplates(text).refs;
}

function envSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `RL_INPUT_<NAME>`: the input's name upper-cased, every other character than A-Z0-9 turned into `_`. */
export function inputEnvName(name: string): string {
  return `RL_INPUT_${envSuffix(name)}`;
}

/** `RL_STEP_<ID>_OUTPUT`. */
export function stepOutputEnvName(id: string): string {
  return `RL_STEP_${envSuffix(id)}_OUTPUT`;
}

/** A captured output as references see it: trailing newlines dropped, as `$(…)` does in a shell. */
export function stepOutputValue(raw: string): string {
  return raw.replace(/[\r\n]+$/, '');
}

function valueText(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

export function unknownRefMessage(expr: string): string {
  if (expr.startsWith('steps.')) return `unknown reference \`${expr}\`: a step's output is \`steps.ID.output\``;
  if (expr.startsWith('inputs.')) return `unknown reference \`${expr}\`: an input is \`inputs.NAME\``;
  return `unknown reference \`${expr}\`: expected \`inputs.NAME\`, \`steps.ID.output\`, \`env\` or \`run.id\``;
}

/**
 * Renders the references of one text. 'shell': each becomes `${RL_…}` (values go in the environment,
 * see envForStep). 'text': each becomes its value (missing values render empty); 'url': the same,
 * percent-encoded after the origin; with `mask`, secret inputs render as SECRET_MASK. Throws TemplateError on a reference of no known kind.
 */
export function renderTemplate(text: string, ctx: TemplateContext, mode: RenderMode, options: RenderOptions = {}): string {
  const refs = templateRefs(text);
  if (refs.length === 0) return text;
  const secrets = new Set(ctx.secretNames ?? []);
  let out = '';
  let last = 0;
  for (const r of refs) {
    out += text.slice(last, r.offset);
    last = r.offset + r.length;
    const name = r.name ?? '';
    switch (r.kind) {
      case 'input':
        if (mode === 'shell') out += `\${${inputEnvName(name)}}`;
        else if (options.mask === true && secrets.has(name)) out += SECRET_MASK;
        else {
          const v = ctx.inputs[name];
          out += placeValue(v === undefined ? '' : valueText(v), mode, out);
        }
        break;
      case 'step-output':
        if (mode === 'shell') out += `\${${stepOutputEnvName(name)}}`;
        else out += placeValue(stepOutputValue(ctx.steps?.[name] ?? ''), mode, out);
        break;
      case 'env':
        out += mode === 'shell' ? '${RL_ENV}' : placeValue(ctx.env ?? '', mode, out);
        break;
      case 'run-id':
        out += mode === 'shell' ? '${RL_RUN_ID}' : placeValue(ctx.runId ?? '', mode, out);
        break;
      case 'unknown':
        throw new TemplateError('RB_TEMPLATE_UNKNOWN_REF', unknownRefMessage(r.expr));
    }
  }
  return out + text.slice(last);
}

/** The RL_* variables a step's process (or a command probe) receives: every input, every captured output, the environment name and the run id. */
export function envForStep(ctx: TemplateContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(ctx.inputs)) env[inputEnvName(name)] = valueText(v);
  for (const [id, raw] of Object.entries(ctx.steps ?? {})) env[stepOutputEnvName(id)] = stepOutputValue(raw);
  env['RL_ENV'] = ctx.env ?? '';
  env['RL_RUN_ID'] = ctx.runId ?? '';
  return env;
}

/**
 * Offsets of a shell script that sit where `${VAR}` would not expand: inside single quotes, or in the
 * body of a heredoc whose delimiter is quoted. A heuristic for a lint warning, not a shell parser.
 */
export function unexpandedShellOffsets(script: string, offsets: readonly number[]): Set<number> {
  const wanted = new Set(offsets);
  const hits = new Set<number>();
  if (wanted.size === 0) return hits;
  type State = 'normal' | 'single' | 'double' | 'comment';
  let state: State = 'normal';
  const pendingHeredocs: { delim: string; quoted: boolean; strip: boolean }[] = [];
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i];
    if (wanted.has(i) && state === 'single') hits.add(i);
    if (c === '\n') {
      if (state === 'comment') state = 'normal';
      if (state === 'normal' && pendingHeredocs.length > 0) {
        // Heredoc bodies follow the line that opened them, one after another.
        i++;
        for (const h of pendingHeredocs) {
          for (;;) {
            if (i >= n) break;
            const e = script.indexOf('\n', i);
            const lineEnd = e < 0 ? n : e;
            const line = script.slice(i, lineEnd);
            if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) {
              i = lineEnd + 1;
              break;
            }
            if (h.quoted) for (const o of wanted) if (o >= i && o < lineEnd) hits.add(o);
            i = lineEnd + 1;
          }
        }
        pendingHeredocs.length = 0;
        continue;
      }
      i++;
      continue;
    }
    switch (state) {
      case 'comment':
        break;
      case 'single':
        if (c === "'") state = 'normal';
        break;
      case 'double':
        if (c === '\\') i++;
        else if (c === '"') state = 'normal';
        break;
      case 'normal':
        if (c === '\\') i++;
        else if (c === "'") state = 'single';
        else if (c === '"') state = 'double';
        else if (c === '#' && (i === 0 || /[\s;&|(]/.test(script[i - 1] ?? ' '))) state = 'comment';
        else if (c === '<' && script[i + 1] === '<' && script[i + 2] !== '<') {
          const m = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([A-Za-z0-9_]+))/.exec(script.slice(i));
          if (m) {
            const quoted = m[2] !== undefined || m[3] !== undefined || m[0].includes('\\');
            pendingHeredocs.push({ delim: m[2] ?? m[3] ?? m[4] ?? '', quoted, strip: m[1] === '-' });
            i += m[0].length;
            continue;
          }
        }
        break;
    }
    i++;
  }
  return hits;
}
