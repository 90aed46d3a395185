// Markdown runbook → frozen Runbook AST plus diagnostics, in phases: front matter, sections, steps
// (with their attributes and bodies), run order, references, forbidden patterns, then assembly.
// Everything that can be wrong is reported with the exact file:line:col and a stable code, and
// parsing goes on so that one run of the linter shows every problem.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatter } from 'micromark-extension-frontmatter';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { sha256, toHex, utf8 } from '@runledger/ledger';
import type { Diagnostic, ParseResult, Runbook, Step } from './types.js';
import { sortDiagnostics } from './diagnostics.js';
import { LineIndex } from './positions.js';
import { parseContext, type ParseContext } from './parse-context.js';
import { readFront, type FrontPart } from './front.js';
import { outputSections, readSections } from './sections.js';
import { orderSteps, readSteps, type RawStep } from './steps.js';
import { checkLockReferences, checkStepReferences } from './references.js';
import { checkForbidden, forbidRules } from './forbid.js';

export { sectionKindOf } from './sections.js';
export { escapeRegExp } from './forbid.js';

export function parseRunbook(source: string, file: string): ParseResult {
  const li = new LineIndex(source);
  const tree = fromMarkdown(source, { extensions: [frontmatter(['yaml'])], mdastExtensions: [frontmatterFromMarkdown(['yaml'])] });
  const ctx = parseContext(source, file, li, tree);

  const front = readFront(ctx);
  const sections = readSections(ctx, front.bodyStart);
  const raws = readSteps(ctx, sections);
  const run = orderSteps(ctx, raws);
  checkStepReferences(ctx, front.fm, run);
  checkLockReferences(ctx, front.fm);
  const forbid = forbidRules(ctx, front.fm, sections.sections);
  checkForbidden(ctx, forbid, run.ordered);

  for (const r of raws) if (r.step) r.build.steps.push(r.step);
  checkHasSteps(ctx, front, raws);

  const sorted = sortDiagnostics(ctx.diags);
  const fm = front.fm;
  if (sorted.some((d) => d.severity === 'error') || fm.id === undefined) return deepFreeze({ ok: false, diagnostics: sorted });
  const runbook: Runbook = {
    id: fm.id,
    title: fm.title ?? sections.firstH1 ?? fm.id,
    ...(fm.description !== undefined ? { description: fm.description } : {}),
    file,
    contentHash: toHex(sha256(utf8(source))),
    inputs: fm.inputs,
    environments: fm.environments,
    approvals: fm.approvals,
    forbid,
    ...(fm.lock ? { lock: fm.lock.value } : {}),
    ...(fm.timeoutMs !== undefined ? { timeoutMs: fm.timeoutMs } : {}),
    sections: outputSections(ctx, sections),
    steps: stepsOf(run.ordered, false),
    rollback: stepsOf(run.ordered, true),
  };
  return deepFreeze({ ok: true, runbook, diagnostics: sorted });
}

/** Every diagnostic of a runbook, errors and warnings, in source order. */
export function lintRunbook(source: string, file: string): Diagnostic[] {
  return [...parseRunbook(source, file).diagnostics];
}

function stepsOf(ordered: readonly RawStep[], rollback: boolean): Step[] {
  return ordered.filter((r) => (r.section === 'rollback') === rollback && r.step).map((r) => r.step as Step);
}

/** RB_NO_STEPS (a warning) right after the front matter when nothing outside Rollback would run. */
function checkHasSteps(ctx: ParseContext, front: FrontPart, raws: readonly RawStep[]): void {
  if (raws.some((r) => r.section !== 'rollback')) return;
  const end = front.node?.position?.end.line;
  const p = end !== undefined ? { line: Math.min(end + 1, ctx.li.lineCount), column: 1 } : { line: 1, column: 1 };
  ctx.report('RB_NO_STEPS', 'this runbook has no executable step: add a fence such as ```sh {#step-id}``` under a Procedure heading', p.line, p.column);
}

/** Freezes a plain data tree in place (the parser's output is shared by planner, engine and displays). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
