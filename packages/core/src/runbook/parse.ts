// Markdown runbook → frozen Runbook AST plus diagnostics. One pass over the Markdown tree finds the
// sections and the fenced steps; everything that can be wrong is reported with the exact file:line:col
// and a stable code, and parsing goes on so that one run of the linter shows every problem.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatter } from 'micromark-extension-frontmatter';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import type { Code, Heading, Nodes, Root, RootContent } from 'mdast';
import { sha256, toHex, utf8 } from '@runledger/ledger';
import type { Diagnostic, ForbidRule, ParseResult, Pos, Runbook, Section, SectionKind, Step, StepKind } from './types.js';
import { diagnostic, sortDiagnostics, type RunbookDiagnosticCode } from './diagnostics.js';
import { LineIndex } from './positions.js';
import { parseFrontMatter, type FrontMatter } from './frontmatter.js';
import { parseInfoString, type AttrToken } from './attributes.js';
import { parseDuration } from './duration.js';
import { parseHttpBody, parseProbeBody } from './bodies.js';
import { compileUserRegex } from '../regex/index.js';
import { scanTemplates, stepOutputEnvName, unexpandedShellOffsets, unknownRefMessage } from './template.js';

type ExecSection = 'preconditions' | 'procedure' | 'verify' | 'rollback';
const EXECUTABLE: readonly SectionKind[] = ['preconditions', 'procedure', 'verify', 'rollback'];
const STEP_KINDS: readonly StepKind[] = ['sh', 'http', 'check', 'approve', 'wait'];
const STEP_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

const SECTION_NAMES: Readonly<Record<string, SectionKind>> = {
  preconditions: 'preconditions',
  procedure: 'procedure',
  steps: 'procedure',
  verify: 'verify',
  verification: 'verify',
  rollback: 'rollback',
  'safe actions': 'rollback',
  'what not to do': 'what-not-to-do',
};

const ALL_KINDS = STEP_KINDS;
/** Which step kinds take which attribute. Anything not listed is RB_ATTR_UNKNOWN. */
const ATTR_KINDS: Readonly<Record<string, readonly StepKind[]>> = {
  id: ALL_KINDS,
  timeout: ALL_KINDS,
  'on-fail': ALL_KINDS,
  retries: ['sh', 'http', 'check'],
  backoff: ['sh', 'http', 'check'],
  capture: ['sh', 'http'],
  interval: ['wait'],
  expect: ['http'],
  'expect-body': ['http'],
  approvals: ['approve'],
  roles: ['approve'],
};

const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_INTERVAL_MS = 1000;

/** Heading text → section kind: case-insensitive, trimmed, inner whitespace collapsed, a trailing `:` ignored. */
export function sectionKindOf(title: string): SectionKind {
  const key = title.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*:$/, '');
  return SECTION_NAMES[key] ?? 'prose';
}

function textOf(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string' && node.type !== 'html') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(textOf).join('');
  return '';
}

interface SectionBuild {
  kind: SectionKind;
  title: string;
  depth: number;
  start: number;
  contentStart: number;
  end: number;
  steps: Step[];
}

/** Maps 0-based line/column inside a fence body to file positions, whatever prefixes (list indent, `> `) the lines carry. */
class BodyMap {
  readonly lines: string[];
  constructor(
    readonly li: LineIndex,
    readonly node: Code,
  ) {
    this.lines = node.value.split(/\r\n|\r|\n/);
  }
  get firstLine(): number {
    return (this.node.position?.start.line ?? 1) + 1;
  }
  pos(line0: number, col0: number): { line: number; column: number } {
    const line = this.firstLine + line0;
    const src = this.li.lineText(line);
    const text = this.lines[line0] ?? '';
    const base = src.endsWith(text) ? src.length - text.length : Math.max(0, (this.node.position?.start.column ?? 1) - 1);
    return { line, column: base + col0 + 1 };
  }
  posAtOffset(body: string, offset: number): { line: number; column: number } {
    let line0 = 0;
    let lineStart = 0;
    for (let i = 0; i < offset && i < body.length; i++) {
      if (body.charCodeAt(i) === 10) {
        line0++;
        lineStart = i + 1;
      }
    }
    return this.pos(line0, offset - lineStart);
  }
}

interface RawStep {
  node: Code;
  section: ExecSection;
  build: SectionBuild;
  kind: StepKind;
  body: string;
  map: BodyMap;
  id: string;
  idGiven: boolean;
  idPos: { line: number; column: number };
  capture: boolean;
  valid: boolean;
  step?: Step;
  order: number;
}

export function parseRunbook(source: string, file: string): ParseResult {
  const li = new LineIndex(source);
  const diags: Diagnostic[] = [];
  const report = (code: RunbookDiagnosticCode, message: string, line: number, column: number): void => {
    diags.push(diagnostic(code, message, file, line, column));
  };
  const reportAt = (code: RunbookDiagnosticCode, message: string, p: { line: number; column: number }): void => report(code, message, p.line, p.column);

  const tree: Root = fromMarkdown(source, { extensions: [frontmatter(['yaml'])], mdastExtensions: [frontmatterFromMarkdown(['yaml'])] });

  // Front matter.
  let fm: FrontMatter = { inputs: [], environments: [], approvals: [], forbid: [] };
  let bodyStart = 0;
  const first = tree.children[0];
  if (first?.type === 'yaml' && first.position) {
    const startLine = first.position.start.line + 1;
    const endLine = first.position.end.line;
    const yamlStart = li.offset(startLine, 1);
    const yamlEnd = endLine >= startLine ? li.offset(endLine, 1) : yamlStart;
    fm = parseFrontMatter(source.slice(yamlStart, Math.max(yamlStart, yamlEnd)), yamlStart, file, li, diags);
    bodyStart = first.position.end.offset ?? 0;
  } else {
    report('RB_FRONTMATTER_MISSING', 'a runbook starts with YAML front matter: a `---` line, at least `id: my-runbook`, and a closing `---` line', 1, 1);
  }

  // Sections: a heading named like a known section opens it; deeper headings with other names stay inside
  // the open section; any other heading at the same or a shallower depth opens a prose section.
  const sections: SectionBuild[] = [];
  let firstH1: string | undefined;
  const preamble: SectionBuild = { kind: 'prose', title: '', depth: 0, start: bodyStart, contentStart: bodyStart, end: source.length, steps: [] };
  sections.push(preamble);
  for (const child of tree.children) {
    if (child.type !== 'heading' || !child.position) continue;
    const h = child as Heading;
    const title = textOf(h).trim();
    if (h.depth === 1 && firstH1 === undefined) firstH1 = title;
    const kind = sectionKindOf(title);
    const open = sections[sections.length - 1] as SectionBuild;
    if (kind === 'prose' && open.depth > 0 && h.depth > open.depth) continue;
    const start = h.position?.start.offset ?? 0;
    open.end = start;
    sections.push({ kind, title, depth: h.depth, start, contentStart: h.position?.end.offset ?? start, end: source.length, steps: [] });
  }
  const sectionAt = (offset: number): SectionBuild => {
    let found = sections[0] as SectionBuild;
    for (const s of sections) if (s.start <= offset) found = s;
    return found;
  };
  const seenKinds = new Map<SectionKind, SectionBuild>();
  for (const s of sections) {
    if (s.kind === 'prose') continue;
    const prev = seenKinds.get(s.kind);
    if (prev) {
      const p = li.pos(s.start);
      report('RB_SECTION_DUPLICATE', `a second ${s.kind} section ("${s.title}"; the first is at line ${li.pos(prev.start).line}): its steps run after the first one's`, p.line, p.column);
    } else seenKinds.set(s.kind, s);
  }

  // Steps.
  const raws: RawStep[] = [];
  const codes: Code[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'code') codes.push(n);
    else if ('children' in n) for (const c of n.children as Nodes[]) walk(c);
  };
  for (const c of tree.children) if (c.type !== 'yaml') walk(c as RootContent);
  const perSection = new Map<ExecSection, number>();

  for (const node of codes) {
    const ps = node.position;
    if (!ps) continue;
    const build = sectionAt(ps.start.offset ?? 0);
    const lineText = li.lineText(ps.start.line);
    const fenceAt = ps.start.column - 1;
    const fenceChar = lineText[fenceAt];
    if (fenceChar !== '`' && fenceChar !== '~') continue; // indented code: documentation
    let infoAt = fenceAt;
    while (lineText[infoAt] === fenceChar) infoAt++;
    const info = parseInfoString(lineText.slice(infoAt));
    const col = (at: number): number => infoAt + at + 1;
    const executable = (EXECUTABLE as readonly SectionKind[]).includes(build.kind);
    if (info.attrs === undefined) {
      if (executable) {
        report('RB_FENCE_NOT_STEP', `this code block sits in the ${build.kind} section but has no {…} attribute block, so it is documentation and will not run; write \`${info.lang || 'sh'} {#step-id}\` to make it a step`, ps.start.line, ps.start.column);
      }
      continue;
    }
    if (!executable) {
      report('RB_STEP_IN_PROSE', `an executable step (a fence with {…}) in ${build.title ? `the section "${build.title}"` : 'the text before the first heading'}, which does not run: steps belong under Preconditions, Procedure (or Steps), Verify or Rollback (or Safe actions); drop the {…} to keep it as documentation`, ps.start.line, ps.start.column);
      continue;
    }
    const section = build.kind as ExecSection;
    const n = (perSection.get(section) ?? 0) + 1;
    perSection.set(section, n);
    if (info.error) {
      report('RB_ATTR_SYNTAX', info.error.message, ps.start.line, col(info.error.at));
      continue;
    }
    if (!(STEP_KINDS as readonly string[]).includes(info.lang)) {
      report('RB_STEP_KIND_UNKNOWN', info.lang === '' ? `a step needs its kind before the attribute block: one of ${STEP_KINDS.join(', ')}, as in \`sh {#restart}\`` : `unknown step kind \`${info.lang}\`: expected one of ${STEP_KINDS.join(', ')}${info.lang === 'bash' || info.lang === 'shell' ? ' (shell scripts are `sh`)' : ''}`, ps.start.line, col(info.lang === '' ? (info.blockAt ?? 0) : info.langAt));
      continue;
    }
    const kind = info.lang as StepKind;
    const body = node.value.replace(/\r\n?/g, '\n');
    const map = new BodyMap(li, node);
    let valid = true;
    const attrErr = (code: RunbookDiagnosticCode, message: string, at: number): void => {
      report(code, message, ps.start.line, col(at));
      valid = false;
    };

    // Attributes.
    const seen = new Map<string, AttrToken>();
    const attrs: Record<string, string> = {};
    let id: string | undefined;
    let idPos = { line: ps.start.line, column: col(info.blockAt ?? 0) };
    let timeoutMs: number | undefined;
    let retries = 0;
    let backoffMs = DEFAULT_BACKOFF_MS;
    let onFail: 'stop' | 'continue' = 'stop';
    let capture = false;
    let intervalMs = DEFAULT_INTERVAL_MS;
    let expectStatus: number[] | undefined;
    let expectBody: string | undefined;
    let approvalsCount: number | undefined;
    let roles: string[] | undefined;
    for (const a of info.attrs) {
      const kinds = ATTR_KINDS[a.key];
      if (!kinds) {
        attrErr('RB_ATTR_UNKNOWN', `unknown attribute \`${a.key}\`: expected ${Object.keys(ATTR_KINDS).filter((k) => ATTR_KINDS[k]?.includes(kind)).join(', ')} on a ${kind} step`, a.keyAt);
        continue;
      }
      if (seen.has(a.key)) {
        attrErr('RB_ATTR_DUPLICATE', `attribute \`${a.key}\` is given twice${a.key === 'id' ? ' (`#name` and `id=name` are the same attribute)' : ''}`, a.keyAt);
        continue;
      }
      seen.set(a.key, a);
      if (!kinds.includes(kind)) {
        attrErr('RB_ATTR_NOT_APPLICABLE', `a ${kind} step does not take \`${a.key}\` (it applies to ${kinds.join(', ')} steps)`, a.keyAt);
        continue;
      }
      attrs[a.key] = a.value ?? '';
      const v = a.value;
      if (a.key === 'capture') {
        if (v === undefined || v === 'true') capture = true;
        else if (v !== 'false') attrErr('RB_ATTR_VALUE', `capture is a flag: write \`capture\` (or capture=true / capture=false), not capture=${v}`, a.valueAt);
        continue;
      }
      if (v === undefined || v === '') {
        attrErr('RB_ATTR_VALUE', `\`${a.key}\` needs a value, as in ${attrExample(a.key)}`, a.keyAt);
        continue;
      }
      switch (a.key) {
        case 'id':
          idPos = { line: ps.start.line, column: col(a.valueAt) };
          if (!STEP_ID_RE.test(v)) attrErr('RB_STEP_ID_INVALID', `step id \`${v}\` must be lowercase letters, digits, \`_\` and \`-\`, starting with a letter or digit ([a-z0-9][a-z0-9_-]*)`, a.valueAt);
          else id = v;
          break;
        case 'timeout':
        case 'interval': {
          const ms = parseDuration(v);
          if (ms === undefined || ms <= 0) attrErr('RB_ATTR_VALUE', `${a.key}=${v} is not a positive duration: expected a number with a unit, such as 500ms, 30s, 5m or 1h`, a.valueAt);
          else if (a.key === 'timeout') timeoutMs = ms;
          else intervalMs = ms;
          break;
        }
        case 'backoff': {
          const ms = parseDuration(v);
          if (ms === undefined) attrErr('RB_ATTR_VALUE', `backoff=${v} is not a duration: expected a number with a unit, such as 500ms, 1s or 1m`, a.valueAt);
          else backoffMs = ms;
          break;
        }
        case 'retries':
          if (!/^\d+$/.test(v) || Number(v) > 100) attrErr('RB_ATTR_VALUE', `retries=${v}: expected a whole number from 0 to 100 (extra attempts after the first failure)`, a.valueAt);
          else retries = Number(v);
          break;
        case 'on-fail':
          if (v !== 'stop' && v !== 'continue') attrErr('RB_ATTR_VALUE', `on-fail=${v}: expected stop (the run fails and rollback runs) or continue (the failure is recorded and the run goes on)`, a.valueAt);
          else onFail = v;
          break;
        case 'expect': {
          const parts = v.split(',').map((s) => s.trim());
          if (parts.some((p) => !/^\d{3}$/.test(p) || Number(p) < 100 || Number(p) > 599)) attrErr('RB_ATTR_VALUE', `expect=${v}: expected HTTP status codes separated by commas, such as expect=200 or expect=200,204`, a.valueAt);
          else expectStatus = parts.map(Number);
          break;
        }
        case 'expect-body':
          expectBody = v;
          break;
        case 'approvals':
          if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100) attrErr('RB_ATTR_VALUE', `approvals=${v}: expected the number of distinct approvers, from 1 to 100`, a.valueAt);
          else approvalsCount = Number(v);
          break;
        case 'roles': {
          const list = v.split(',').map((s) => s.trim());
          if (list.some((r) => r === '')) attrErr('RB_ATTR_VALUE', `roles=${v}: expected role names separated by commas, such as roles=sre,release-manager`, a.valueAt);
          else roles = list;
          break;
        }
      }
    }

    if (body.trim() === '') {
      report('RB_STEP_BODY_EMPTY', emptyBodyMessage(kind), ps.start.line, ps.start.column);
      valid = false;
    }
    if (kind === 'wait' && timeoutMs === undefined) {
      report('RB_WAIT_TIMEOUT_MISSING', 'this wait step has no timeout=, so it polls until the runbook times out; give it a deadline such as timeout=60s', ps.start.line, col(info.blockAt ?? 0));
    }

    const raw: RawStep = { node, section, build, kind, body, map, id: id ?? `${section}-${n}`, idGiven: id !== undefined || seen.has('id'), idPos, capture, valid, order: 0 };
    raws.push(raw);
    if (!seen.has('id')) {
      report('RB_STEP_ID_MISSING', `this step has no id, so it is called ${raw.id}, which changes when steps are added; name it with {#name}`, ps.start.line, col(info.blockAt ?? 0));
    }
    if (!valid || body.trim() === '') continue;

    const bodyReport = (code: RunbookDiagnosticCode, message: string, line0: number, col0: number): void => {
      reportAt(code, message, map.pos(line0, col0));
      raw.valid = false;
    };
    const common = {
      id: raw.id,
      section,
      body,
      span: { start: toPos(ps.start), end: toPos(ps.end) },
      bodyLine: ps.start.line + 1,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      retries,
      backoffMs,
      onFail,
      capture,
      attrs,
    };
    switch (kind) {
      case 'sh':
        raw.step = { ...common, kind, script: body };
        break;
      case 'http': {
        const req = parseHttpBody(body, bodyReport);
        if (req) {
          raw.step = {
            ...common,
            kind,
            ...req,
            ...(expectStatus ? { expectStatus } : {}),
            ...(expectBody !== undefined ? { expectBodyContains: expectBody } : {}),
          };
        }
        break;
      }
      case 'check':
      case 'wait': {
        const probe = parseProbeBody(body, bodyReport);
        if (probe) raw.step = kind === 'check' ? { ...common, kind, probe } : { ...common, kind, probe, intervalMs };
        break;
      }
      case 'approve': {
        const approvals = approvalsCount !== undefined || roles !== undefined ? { count: approvalsCount ?? 1, roles: roles ?? [] } : undefined;
        raw.step = { ...common, kind, text: body.trim(), ...(approvals ? { approvals } : {}) };
        break;
      }
    }
    if (!raw.valid) delete raw.step;
  }

  // Run order: preconditions, procedure, verify; then rollback. Generated ids follow the section and position.
  const order: ExecSection[] = ['preconditions', 'procedure', 'verify', 'rollback'];
  const ordered = order.flatMap((s) => raws.filter((r) => r.section === s));
  ordered.forEach((r, i) => (r.order = i));
  const mainCount = ordered.filter((r) => r.section !== 'rollback').length;
  const byId = new Map<string, RawStep>();
  for (const r of raws) {
    const prev = byId.get(r.id);
    if (prev) {
      reportAt('RB_STEP_ID_DUPLICATE', `step id ${r.id} is already used by the step at line ${prev.node.position?.start.line ?? 0}: step ids must be unique in a runbook`, r.idPos);
      r.valid = false;
      delete r.step;
    } else byId.set(r.id, r);
  }
  const captured = new Map<string, string>();
  for (const r of ordered) {
    if (!r.capture) continue;
    const env = stepOutputEnvName(r.id);
    const clash = captured.get(env);
    if (clash !== undefined) reportAt('RB_ENV_NAME_COLLISION', `captured steps ${clash} and ${r.id} both become the variable ${env}: rename one`, r.idPos);
    else captured.set(env, r.id);
  }

  // References inside step bodies.
  // A reference is unknown only when the input is not written at all and the inputs could be read.
  const inputNames = fm.declaredInputs ?? new Set<string>();
  const undeclared = (name: string): boolean => fm.declaredInputs !== undefined && !inputNames.has(name);
  for (const r of ordered) {
    const { refs, problems } = scanTemplates(r.body);
    for (const p of problems) reportAt('RB_TEMPLATE_SYNTAX', p.message, r.map.posAtOffset(r.body, p.offset));
    const quoted = r.kind === 'sh' ? unexpandedShellOffsets(r.body, refs.filter((x) => x.kind !== 'unknown').map((x) => x.offset)) : new Set<number>();
    for (const ref of refs) {
      const where = r.map.posAtOffset(r.body, ref.offset);
      const name = ref.name ?? '';
      if (ref.kind === 'unknown') reportAt('RB_TEMPLATE_UNKNOWN_REF', unknownRefMessage(ref.expr), where);
      else if (ref.kind === 'input' && undeclared(name)) {
        reportAt('RB_TEMPLATE_UNKNOWN_INPUT', `\`{{ ${ref.expr} }}\`: this runbook declares no input ${name} (${inputNames.size > 0 ? `its inputs: ${[...inputNames].join(', ')}` : 'it declares no inputs'}); declare it under \`inputs:\` in the front matter`, where);
      } else if (ref.kind === 'step-output') {
        const target = byId.get(name);
        const earlier = target !== undefined && target.order < r.order && (r.order < mainCount ? target.order < mainCount : true);
        if (!target) reportAt('RB_TEMPLATE_UNKNOWN_STEP', `\`{{ ${ref.expr} }}\`: there is no step ${name}`, where);
        else if (!earlier) reportAt('RB_TEMPLATE_STEP_ORDER', `\`{{ ${ref.expr} }}\`: step ${name} runs ${target === r ? 'as this step' : 'after this one'}, so its output is not known yet; a step can use the output of steps that run before it`, where);
        else if (!target.capture) reportAt('RB_TEMPLATE_NOT_CAPTURED', `\`{{ ${ref.expr} }}\`: step ${name} does not keep its output; add \`capture\` to its attributes`, where);
      }
      if (quoted.has(ref.offset)) {
        reportAt('RB_TEMPLATE_IN_SINGLE_QUOTES', `\`{{ ${ref.expr} }}\` becomes a shell variable, which does not expand inside single quotes (or a quoted heredoc); use double quotes`, where);
      }
    }
  }

  // References in `lock`: inputs, env and run.id only, and never a secret (a lock name is recorded and shown).
  if (fm.lock) {
    const lock = fm.lock;
    const secretNames = new Set(fm.inputs.filter((i) => i.type === 'secret').map((i) => i.name));
    const { refs, problems } = scanTemplates(lock.value);
    const lockPos = (raw: string, fallback: number): Pos => {
      const k = lock.source.indexOf(raw);
      return li.pos(lock.at + (k >= 0 ? k : fallback));
    };
    for (const p of problems) reportAt('RB_TEMPLATE_SYNTAX', p.message, lockPos(lock.value.slice(p.offset, p.offset + 2), 0));
    for (const ref of refs) {
      const where = lockPos(lock.value.slice(ref.offset, ref.offset + ref.length), ref.offset);
      const name = ref.name ?? '';
      if (ref.kind === 'unknown') reportAt('RB_TEMPLATE_UNKNOWN_REF', unknownRefMessage(ref.expr), where);
      else if (ref.kind === 'step-output') reportAt('RB_TEMPLATE_NOT_ALLOWED', `lock: \`{{ ${ref.expr} }}\` cannot be used here: the lock is taken before any step runs (use inputs, env or run.id)`, where);
      else if (ref.kind === 'input' && undeclared(name)) reportAt('RB_TEMPLATE_UNKNOWN_INPUT', `lock: \`{{ ${ref.expr} }}\`: this runbook declares no input ${name}`, where);
      else if (ref.kind === 'input' && secretNames.has(name)) reportAt('RB_TEMPLATE_NOT_ALLOWED', `lock: \`{{ ${ref.expr} }}\` is a secret, and a lock name is recorded and shown; use a non-secret input`, where);
    }
  }

  // "What not to do": each code span in a list item is a forbidden literal, the item's text its reason.
  const forbid: ForbidRule[] = [...fm.forbid];
  for (const s of sections) {
    if (s.kind !== 'what-not-to-do') continue;
    for (const child of tree.children) {
      const o = child.position?.start.offset ?? -1;
      if (o < s.contentStart || o >= s.end) continue;
      collectForbidden(child, forbid, li);
    }
  }

  // The runbook's own forbidden patterns, checked against its steps before anything runs.
  for (const rule of forbid) {
    const c = compileUserRegex(rule.pattern);
    if (!c.ok) continue;
    for (const r of ordered) {
      if (r.kind === 'approve') continue;
      const m = c.regex.find(r.body);
      if (m) {
        reportAt('RB_FORBIDDEN_IN_STEP', `step ${r.id} contains \`${m.text}\`, which this runbook forbids (line ${rule.span.start.line}: ${rule.reason})`, r.map.posAtOffset(r.body, m.index));
        r.valid = false;
        delete r.step;
      }
    }
  }

  for (const r of raws) if (r.step) r.build.steps.push(r.step);
  const steps = ordered.filter((r) => r.section !== 'rollback' && r.step).map((r) => r.step as Step);
  const rollback = ordered.filter((r) => r.section === 'rollback' && r.step).map((r) => r.step as Step);
  if (raws.filter((r) => r.section !== 'rollback').length === 0) {
    const p = first?.type === 'yaml' && first.position ? { line: Math.min(first.position.end.line + 1, li.lineCount), column: 1 } : { line: 1, column: 1 };
    report('RB_NO_STEPS', 'this runbook has no executable step: add a fence such as ```sh {#step-id}``` under a Procedure heading', p.line, p.column);
  }

  const outSections: Section[] = sections
    .filter((s) => s !== preamble || source.slice(s.contentStart, s.end).trim() !== '')
    .map((s) => {
      let end = s.end;
      while (end > s.start && /\s/.test(source[end - 1] ?? '')) end--;
      return {
        kind: s.kind,
        title: s.title,
        depth: s.depth,
        span: li.span(s.start, end),
        markdown: source.slice(s.contentStart, s.end).replace(/^(?:[ \t]*(?:\r\n|\r|\n))+/, '').replace(/\s+$/, ''),
        steps: s.steps,
      };
    });

  const sorted = sortDiagnostics(diags);
  if (sorted.some((d) => d.severity === 'error') || fm.id === undefined) return deepFreeze({ ok: false, diagnostics: sorted });
  const runbook: Runbook = {
    id: fm.id,
    title: fm.title ?? firstH1 ?? fm.id,
    ...(fm.description !== undefined ? { description: fm.description } : {}),
    file,
    contentHash: toHex(sha256(utf8(source))),
    inputs: fm.inputs,
    environments: fm.environments,
    approvals: fm.approvals,
    forbid,
    ...(fm.lock ? { lock: fm.lock.value } : {}),
    ...(fm.timeoutMs !== undefined ? { timeoutMs: fm.timeoutMs } : {}),
    sections: outSections,
    steps,
    rollback,
  };
  return deepFreeze({ ok: true, runbook, diagnostics: sorted });
}

/** Every diagnostic of a runbook, errors and warnings, in source order. */
export function lintRunbook(source: string, file: string): Diagnostic[] {
  return [...parseRunbook(source, file).diagnostics];
}

function toPos(p: { line: number; column: number; offset?: number | undefined }): Pos {
  return { line: p.line, column: p.column, offset: p.offset ?? 0 };
}

function attrExample(key: string): string {
  const examples: Record<string, string> = {
    id: 'id=restart (or #restart)',
    timeout: 'timeout=30s',
    interval: 'interval=2s',
    backoff: 'backoff=1s',
    retries: 'retries=2',
    'on-fail': 'on-fail=continue',
    expect: 'expect=200,204',
    'expect-body': 'expect-body="ok"',
    approvals: 'approvals=2',
    roles: 'roles=sre,release-manager',
  };
  return examples[key] ?? `${key}=…`;
}

function emptyBodyMessage(kind: StepKind): string {
  switch (kind) {
    case 'sh':
      return 'this sh step has no script';
    case 'http':
      return 'this http step is empty: write `METHOD URL`, then optional `Header: value` lines, a blank line and a body';
    case 'check':
    case 'wait':
      return `this ${kind} step is empty: write a probe in YAML, such as \`http: {url: http://127.0.0.1:7390/health}\``;
    case 'approve':
      return 'this approve step is empty: say what the approvers are approving';
  }
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

export function escapeRegExp(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&');
}

function collectForbidden(node: Nodes, out: ForbidRule[], li: LineIndex): void {
  if (node.type === 'listItem') {
    const own = node.children.filter((c) => c.type !== 'list');
    const reason = own.map((c) => textOf(c)).join(' ').replace(/\s+/g, ' ').trim();
    const spans: Nodes[] = [];
    const find = (n: Nodes): void => {
      if (n.type === 'inlineCode') spans.push(n);
      else if (n.type !== 'list' && 'children' in n) for (const c of n.children as Nodes[]) find(c);
    };
    for (const c of own) find(c);
    for (const s of spans) {
      const code = (s as { value: string }).value;
      if (code.trim() === '' || !s.position) continue;
      out.push({ pattern: escapeRegExp(code), reason, source: 'what-not-to-do', span: li.span(s.position.start.offset ?? 0, s.position.end.offset ?? 0) });
    }
  }
  if ('children' in node) for (const c of node.children as Nodes[]) collectForbidden(c, out, li);
}

/** Freezes a plain data tree in place (the parser's output is shared by planner, engine and displays). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
