// Phase 2: sections. A heading named like a known section opens it; deeper headings with other names
// stay inside the open section; any other heading at the same or a shallower depth opens a prose section.
import type { Heading, Nodes } from 'mdast';
import type { Section, SectionKind, Step } from './types.js';
import type { ParseContext } from './parse-context.js';

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

/** Heading text → section kind: case-insensitive, trimmed, inner whitespace collapsed, a trailing `:` ignored. */
export function sectionKindOf(title: string): SectionKind {
  const key = title.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*:$/, '');
  return SECTION_NAMES[key] ?? 'prose';
}

export function textOf(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string' && node.type !== 'html') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(textOf).join('');
  return '';
}

export interface SectionBuild {
  kind: SectionKind;
  title: string;
  depth: number;
  start: number;
  contentStart: number;
  end: number;
  steps: Step[];
}

export interface SectionsPart {
  /** In document order; the first is the preamble (the text before the first heading). */
  readonly sections: SectionBuild[];
  readonly preamble: SectionBuild;
  readonly firstH1: string | undefined;
  /** The section holding a file offset. */
  sectionAt(offset: number): SectionBuild;
}

export function readSections(ctx: ParseContext, bodyStart: number): SectionsPart {
  const { li, source, tree } = ctx;
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
      ctx.report(
        'RB_SECTION_DUPLICATE',
        `a second ${s.kind} section ("${s.title}"; the first is at line ${li.pos(prev.start).line}): its steps run after the first one's`,
        p.line,
        p.column,
      );
    } else seenKinds.set(s.kind, s);
  }
  return { sections, preamble, firstH1, sectionAt };
}

/** The sections as the AST shows them: an empty preamble is left out, trailing blank space trimmed. */
export function outputSections(ctx: ParseContext, part: SectionsPart): Section[] {
  const { li, source } = ctx;
  return part.sections
    .filter((s) => s !== part.preamble || source.slice(s.contentStart, s.end).trim() !== '')
    .map((s) => {
      let end = s.end;
      while (end > s.start && /\s/.test(source[end - 1] ?? '')) end--;
      return {
        kind: s.kind,
        title: s.title,
        depth: s.depth,
        span: li.span(s.start, end),
        markdown: source
          .slice(s.contentStart, s.end)
          .replace(/^(?:[ \t]*(?:\r\n|\r|\n))+/, '')
          .replace(/\s+$/, ''),
        steps: s.steps,
      };
    });
}
