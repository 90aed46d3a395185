// Phase 1: the YAML front matter at the top of the file (or RB_FRONTMATTER_MISSING).
import type { Yaml } from 'mdast';
import type { ParseContext } from './parse-context.js';
import { parseFrontMatter, type FrontMatter } from './frontmatter.js';

export interface FrontPart {
  readonly fm: FrontMatter;
  /** Offset where the Markdown body starts (after the closing `---`). */
  readonly bodyStart: number;
  /** The front-matter node, when there is one. */
  readonly node?: Yaml;
}

export function readFront(ctx: ParseContext): FrontPart {
  const { li, source, tree } = ctx;
  const first = tree.children[0];
  if (first?.type === 'yaml' && first.position) {
    const startLine = first.position.start.line + 1;
    const endLine = first.position.end.line;
    const yamlStart = li.offset(startLine, 1);
    const yamlEnd = endLine >= startLine ? li.offset(endLine, 1) : yamlStart;
    const fm = parseFrontMatter(source.slice(yamlStart, Math.max(yamlStart, yamlEnd)), yamlStart, ctx.file, li, ctx.diags);
    return { fm, bodyStart: first.position.end.offset ?? 0, node: first };
  }
  ctx.report('RB_FRONTMATTER_MISSING', 'a runbook starts with YAML front matter: a `---` line, at least `id: my-runbook`, and a closing `---` line', 1, 1);
  return { fm: { inputs: [], environments: [], approvals: [], forbid: [] }, bodyStart: 0 };
}
