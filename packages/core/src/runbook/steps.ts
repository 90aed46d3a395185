// Phase 3: steps. Every fenced code block with an attribute block `{…}` in an executable section is a
// step; its attributes and body are checked and it becomes a typed Step (or stays invalid, reported).
import type { Code, Nodes, RootContent } from 'mdast';
import type { Pos, SectionKind, Step, StepKind } from './types.js';
import type { RunbookDiagnosticCode } from './diagnostics.js';
import type { LineIndex } from './positions.js';
import type { ParseContext } from './parse-context.js';
import type { SectionBuild, SectionsPart } from './sections.js';
import { parseInfoString } from './attributes.js';
import { parseHttpBody, parseProbeBody } from './bodies.js';
import { readStepAttributes, type StepAttributes } from './step-attrs.js';
import { stepOutputEnvName } from './template.js';

export type ExecSection = 'preconditions' | 'procedure' | 'verify' | 'rollback';
const EXECUTABLE: readonly SectionKind[] = ['preconditions', 'procedure', 'verify', 'rollback'];
const STEP_KINDS: readonly StepKind[] = ['sh', 'http', 'check', 'approve', 'wait'];

/** Maps 0-based line/column inside a fence body to file positions, whatever prefixes (list indent, `> `) the lines carry. */
export class BodyMap {
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

export interface RawStep {
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

/** Every fenced code block of the body (not the front matter), in document order. */
function codeBlocks(ctx: ParseContext): Code[] {
  const codes: Code[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'code') codes.push(n);
    else if ('children' in n) for (const c of n.children as Nodes[]) walk(c);
  };
  for (const c of ctx.tree.children) if (c.type !== 'yaml') walk(c as RootContent);
  return codes;
}

export function readSteps(ctx: ParseContext, sections: SectionsPart): RawStep[] {
  const { li } = ctx;
  const raws: RawStep[] = [];
  const perSection = new Map<ExecSection, number>();

  for (const node of codeBlocks(ctx)) {
    const ps = node.position;
    if (!ps) continue;
    const build = sections.sectionAt(ps.start.offset ?? 0);
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
        ctx.report(
          'RB_FENCE_NOT_STEP',
          `this code block sits in the ${build.kind} section but has no {…} attribute block, so it is documentation and will not run; write \`${info.lang || 'sh'} {#step-id}\` to make it a step`,
          ps.start.line,
          ps.start.column,
        );
      }
      continue;
    }
    if (!executable) {
      ctx.report(
        'RB_STEP_IN_PROSE',
        `an executable step (a fence with {…}) in ${build.title ? `the section "${build.title}"` : 'the text before the first heading'}, which does not run: steps belong under Preconditions, Procedure (or Steps), Verify or Rollback (or Safe actions); drop the {…} to keep it as documentation`,
        ps.start.line,
        ps.start.column,
      );
      continue;
    }
    const section = build.kind as ExecSection;
    const n = (perSection.get(section) ?? 0) + 1;
    perSection.set(section, n);
    if (info.error) {
      ctx.report('RB_ATTR_SYNTAX', info.error.message, ps.start.line, col(info.error.at));
      continue;
    }
    if (!(STEP_KINDS as readonly string[]).includes(info.lang)) {
      ctx.report(
        'RB_STEP_KIND_UNKNOWN',
        info.lang === ''
          ? `a step needs its kind before the attribute block: one of ${STEP_KINDS.join(', ')}, as in \`sh {#restart}\``
          : `unknown step kind \`${info.lang}\`: expected one of ${STEP_KINDS.join(', ')}${info.lang === 'bash' || info.lang === 'shell' ? ' (shell scripts are `sh`)' : ''}`,
        ps.start.line,
        col(info.lang === '' ? (info.blockAt ?? 0) : info.langAt),
      );
      continue;
    }
    const kind = info.lang as StepKind;
    const body = node.value.replace(/\r\n?/g, '\n');
    const map = new BodyMap(li, node);
    let valid = true;
    const a = readStepAttributes(info.attrs, kind, (code, message, at) => {
      ctx.report(code, message, ps.start.line, col(at));
      valid = false;
    });
    const idPos = { line: ps.start.line, column: col(a.idAt ?? info.blockAt ?? 0) };

    if (body.trim() === '') {
      ctx.report('RB_STEP_BODY_EMPTY', emptyBodyMessage(kind), ps.start.line, ps.start.column);
      valid = false;
    }
    if (kind === 'wait' && a.timeoutMs === undefined) {
      ctx.report(
        'RB_WAIT_TIMEOUT_MISSING',
        'this wait step has no timeout=, so it polls until the runbook times out; give it a deadline such as timeout=60s',
        ps.start.line,
        col(info.blockAt ?? 0),
      );
    }

    const raw: RawStep = {
      node,
      section,
      build,
      kind,
      body,
      map,
      id: a.id ?? `${section}-${n}`,
      idGiven: a.id !== undefined || a.seen.has('id'),
      idPos,
      capture: a.capture,
      valid,
      order: 0,
    };
    raws.push(raw);
    if (!a.seen.has('id')) {
      ctx.report(
        'RB_STEP_ID_MISSING',
        `this step has no id, so it is called ${raw.id}, which changes when steps are added; name it with {#name}`,
        ps.start.line,
        col(info.blockAt ?? 0),
      );
    }
    if (!valid || body.trim() === '') continue;
    buildStep(ctx, raw, a, { start: toPos(ps.start), end: toPos(ps.end) }, ps.start.line + 1);
  }
  return raws;
}

/** The typed step of a raw step whose attributes are valid; a body problem leaves it without one. */
function buildStep(ctx: ParseContext, raw: RawStep, a: StepAttributes, span: { start: Pos; end: Pos }, bodyLine: number): void {
  const { body, kind, section } = raw;
  const bodyReport = (code: RunbookDiagnosticCode, message: string, line0: number, col0: number): void => {
    ctx.reportAt(code, message, raw.map.pos(line0, col0));
    raw.valid = false;
  };
  const common = {
    id: raw.id,
    section,
    body,
    span,
    bodyLine,
    ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
    retries: a.retries,
    backoffMs: a.backoffMs,
    onFail: a.onFail,
    capture: a.capture,
    attrs: a.attrs,
  };
  switch (kind) {
    case 'sh':
      raw.step = { ...common, kind, script: body, ...(a.keepChildren ? { keepChildren: true } : {}) };
      break;
    case 'http': {
      const req = parseHttpBody(body, bodyReport);
      if (req) {
        raw.step = {
          ...common,
          kind,
          ...req,
          ...(a.expectStatus ? { expectStatus: a.expectStatus } : {}),
          ...(a.expectBody !== undefined ? { expectBodyContains: a.expectBody } : {}),
        };
      }
      break;
    }
    case 'check':
    case 'wait': {
      const probe = parseProbeBody(body, bodyReport);
      if (probe) raw.step = kind === 'check' ? { ...common, kind, probe } : { ...common, kind, probe, intervalMs: a.intervalMs };
      break;
    }
    case 'approve': {
      const approvals = a.approvalsCount !== undefined || a.roles !== undefined ? { count: a.approvalsCount ?? 1, roles: a.roles ?? [] } : undefined;
      raw.step = { ...common, kind, text: body.trim(), ...(approvals ? { approvals } : {}) };
      break;
    }
  }
  if (!raw.valid) delete raw.step;
}

function toPos(p: { line: number; column: number; offset?: number | undefined }): Pos {
  return { line: p.line, column: p.column, offset: p.offset ?? 0 };
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

/** Run order: preconditions, procedure, verify; then rollback. Step ids must be unique; captured outputs must map to distinct variables. */
export function orderSteps(ctx: ParseContext, raws: RawStep[]): { ordered: RawStep[]; mainCount: number; byId: Map<string, RawStep> } {
  const order: ExecSection[] = ['preconditions', 'procedure', 'verify', 'rollback'];
  const ordered = order.flatMap((s) => raws.filter((r) => r.section === s));
  ordered.forEach((r, i) => (r.order = i));
  const mainCount = ordered.filter((r) => r.section !== 'rollback').length;
  const byId = new Map<string, RawStep>();
  for (const r of raws) {
    const prev = byId.get(r.id);
    if (prev) {
      ctx.reportAt(
        'RB_STEP_ID_DUPLICATE',
        `step id ${r.id} is already used by the step at line ${prev.node.position?.start.line ?? 0}: step ids must be unique in a runbook`,
        r.idPos,
      );
      r.valid = false;
      delete r.step;
    } else byId.set(r.id, r);
  }
  const captured = new Map<string, string>();
  for (const r of ordered) {
    if (!r.capture) continue;
    const env = stepOutputEnvName(r.id);
    const clash = captured.get(env);
    if (clash !== undefined) ctx.reportAt('RB_ENV_NAME_COLLISION', `captured steps ${clash} and ${r.id} both become the variable ${env}: rename one`, r.idPos);
    else captured.set(env, r.id);
  }
  return { ordered, mainCount, byId };
}
