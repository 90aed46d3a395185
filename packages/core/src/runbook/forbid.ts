// Phase 5: forbidden patterns. The front matter's `forbid` plus every code span in a list item of
// "What not to do" (a literal, its item's text the reason); the runbook's own steps are checked
// against all of them before anything runs. Patterns run on RE2 (bounded time).
import type { Nodes } from 'mdast';
import type { ForbidRule } from './types.js';
import type { FrontMatter } from './frontmatter.js';
import type { LineIndex } from './positions.js';
import type { ParseContext } from './parse-context.js';
import type { SectionBuild } from './sections.js';
import type { RawStep } from './steps.js';
import { textOf } from './sections.js';
import { compileUserRegex } from '../regex/index.js';

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

export function escapeRegExp(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&');
}

export function forbidRules(ctx: ParseContext, fm: FrontMatter, sections: readonly SectionBuild[]): ForbidRule[] {
  const forbid: ForbidRule[] = [...fm.forbid];
  for (const s of sections) {
    if (s.kind !== 'what-not-to-do') continue;
    for (const child of ctx.tree.children) {
      const o = child.position?.start.offset ?? -1;
      if (o < s.contentStart || o >= s.end) continue;
      collectForbidden(child, forbid, ctx.li);
    }
  }
  return forbid;
}

function collectForbidden(node: Nodes, out: ForbidRule[], li: LineIndex): void {
  if (node.type === 'listItem') {
    const own = node.children.filter((c) => c.type !== 'list');
    const reason = own
      .map((c) => textOf(c))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
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

/** A step whose text matches a forbidden pattern is an error and is dropped (approve steps hold no command). */
export function checkForbidden(ctx: ParseContext, forbid: readonly ForbidRule[], ordered: readonly RawStep[]): void {
  for (const rule of forbid) {
    const c = compileUserRegex(rule.pattern);
    if (!c.ok) continue;
    for (const r of ordered) {
      if (r.kind === 'approve') continue;
      const m = c.regex.find(r.body);
      if (m) {
        const what = m.text !== '' ? `contains \`${m.text}\`` : `matches /${rule.pattern}/`;
        ctx.reportAt(
          'RB_FORBIDDEN_IN_STEP',
          `step ${r.id} ${what}, which this runbook forbids (line ${rule.span.start.line}: ${rule.reason})`,
          r.map.posAtOffset(r.body, m.index),
        );
        r.valid = false;
        delete r.step;
      }
    }
  }
}
