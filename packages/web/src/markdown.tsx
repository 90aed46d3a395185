/** @jsxRuntime automatic */
// (The pragma lets the Node unit test run this file through tsx, which has no tsconfig for it.)
// A small, safe Markdown renderer for runbook sections: it builds React elements (never HTML
// strings), so nothing in a runbook can inject markup or script. Covers what runbooks use:
// headings, paragraphs, ordered/unordered lists (with nested blocks), fenced code with its info
// string, block quotes, rules, and inline code, bold, italic and http(s) links. Raw HTML is shown
// as text.
import { Fragment, type ReactNode } from 'react';

type Block =
  | { readonly t: 'heading'; readonly level: number; readonly text: string }
  | { readonly t: 'para'; readonly text: string }
  | { readonly t: 'code'; readonly info: string; readonly text: string }
  | { readonly t: 'list'; readonly ordered: boolean; readonly start: number; readonly items: Block[][] }
  | { readonly t: 'quote'; readonly children: Block[] }
  | { readonly t: 'hr' };

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const HR = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(?:( {1,4})(.*)|\s*)$/;

const isBlank = (l: string): boolean => l.trim() === '';
const indentOf = (l: string): number => l.length - l.trimStart().length;

function startsBlock(l: string): boolean {
  return FENCE.test(l) || HEADING.test(l) || HR.test(l) || QUOTE.test(l) || ITEM.test(l);
}

/** Removes up to `n` leading spaces (tabs count as 4). */
function dedent(l: string, n: number): string {
  let i = 0;
  let col = 0;
  while (i < l.length && col < n && (l[i] === ' ' || l[i] === '\t')) {
    col += l[i] === '\t' ? 4 : 1;
    i++;
  }
  return l.slice(i);
}

export function parseBlocks(lines: readonly string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && !(fence[2]?.startsWith('`') && (fence[3] ?? '').includes('`'))) {
      const indent = fence[1]?.length ?? 0;
      const mark = fence[2] ?? '```';
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const l = lines[i] ?? '';
        const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(l);
        if (close && close[1]?.[0] === mark[0] && (close[1]?.length ?? 0) >= mark.length) break;
        body.push(dedent(l, indent));
        i++;
      }
      i++; // the closing fence (or the end of the text)
      out.push({ t: 'code', info: (fence[3] ?? '').trim(), text: body.join('\n') });
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      out.push({ t: 'heading', level: h[1]?.length ?? 1, text: h[2] ?? '' });
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? '')) inner.push(QUOTE.exec(lines[i++] ?? '')?.[1] ?? '');
      out.push({ t: 'quote', children: parseBlocks(inner) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const r = parseList(lines, i);
      out.push(r.block);
      i = r.next;
      continue;
    }
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !isBlank(lines[i] ?? '') && !startsBlock(lines[i] ?? '')) para.push((lines[i++] ?? '').trim());
    out.push({ t: 'para', text: para.join('\n') });
  }
  return out;
}

/** A list from line `at`: items of the same kind; each item's lines (dedented) parsed as blocks. */
function parseList(lines: readonly string[], at: number): { block: Block; next: number } {
  const first = ITEM.exec(lines[at] ?? '');
  const ordered = /\d/.test(first?.[2] ?? '');
  const start = ordered ? Number.parseInt(first?.[2] ?? '1', 10) : 1;
  const items: Block[][] = [];
  let i = at;
  while (i < lines.length) {
    const m = ITEM.exec(lines[i] ?? '');
    if (!m || /\d/.test(m[2] ?? '') !== ordered) break;
    const contentIndent = (m[1]?.length ?? 0) + (m[2]?.length ?? 0) + (m[3]?.length ?? 1);
    const body: string[] = [m[4] ?? ''];
    i++;
    while (i < lines.length) {
      const l = lines[i] ?? '';
      if (isBlank(l)) {
        // A blank line continues the item only if the next text is indented into it.
        let j = i;
        while (j < lines.length && isBlank(lines[j] ?? '')) j++;
        if (j < lines.length && indentOf(lines[j] ?? '') >= contentIndent) {
          for (; i < j; i++) body.push('');
          continue;
        }
        break;
      }
      if (indentOf(l) >= contentIndent) body.push(dedent(l, contentIndent));
      else if (!startsBlock(l) && !isBlank(body[body.length - 1] ?? ''))
        body.push(l.trim()); // lazy continuation
      else break;
      i++;
    }
    items.push(parseBlocks(body));
    // Blank lines between items of the same list.
    let j = i;
    while (j < lines.length && isBlank(lines[j] ?? '')) j++;
    const nextItem = ITEM.exec(lines[j] ?? '');
    if (nextItem && /\d/.test(nextItem[2] ?? '') === ordered) i = j;
    else break;
  }
  return { block: { t: 'list', ordered, start, items }, next: i };
}

// ---------------------------------------------------------------- inline

interface InlineRule {
  readonly re: RegExp;
  readonly render: (m: RegExpExecArray, key: string) => ReactNode;
}

/** http and https only: a runbook must not be able to plant a javascript: or data: link. */
export function safeHref(href: string): string | null {
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const RULES: readonly InlineRule[] = [
  { re: /\\([!-/:-@[-`{-~])/, render: (m) => m[1] },
  { re: /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/, render: (m, k) => <code key={k}>{(m[2] ?? '').replace(/^ (.*) $/, '$1')}</code> },
  {
    re: /\[([^\]]*)\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/,
    render: (m, k) => {
      const href = safeHref(m[2] ?? '');
      const text = inline(m[1] ?? '', k);
      return href ? (
        <a key={k} href={href} target="_blank" rel="noopener noreferrer">
          {text}
        </a>
      ) : (
        <span key={k} title={`link not followed (only http and https): ${m[2] ?? ''}`}>
          {text}
        </span>
      );
    },
  },
  {
    re: /<(https?:\/\/[^\s<>]+)>/,
    render: (m, k) => {
      const href = safeHref(m[1] ?? '');
      return href ? (
        <a key={k} href={href} target="_blank" rel="noopener noreferrer">
          {m[1]}
        </a>
      ) : (
        m[0]
      );
    },
  },
  { re: /\*\*(?=\S)([\s\S]*?\S)\*\*|(?<![\w])__(?=\S)([\s\S]*?\S)__(?![\w])/, render: (m, k) => <strong key={k}>{inline(m[1] ?? m[2] ?? '', k)}</strong> },
  { re: /\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])/, render: (m, k) => <em key={k}>{inline(m[1] ?? m[2] ?? '', k)}</em> },
  { re: / {2,}\n|\\\n/, render: (_m, k) => <br key={k} /> },
];

/** Inline Markdown to React nodes: the earliest match wins, earlier rules win ties. */
export function inline(text: string, key = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  while (rest.length > 0) {
    let best: { m: RegExpExecArray; rule: InlineRule } | null = null;
    for (const rule of RULES) {
      const m = rule.re.exec(rest);
      if (m && (best === null || m.index < best.m.index)) best = { m, rule };
    }
    if (!best) {
      out.push(rest);
      break;
    }
    if (best.m.index > 0) out.push(rest.slice(0, best.m.index));
    out.push(best.rule.render(best.m, `${key}.${n++}`));
    rest = rest.slice(best.m.index + best.m[0].length);
  }
  return out;
}

// ---------------------------------------------------------------- blocks → elements

function renderBlocks(blocks: readonly Block[], key: string, headingOffset: number, tight = false): ReactNode[] {
  return blocks.map((b, i) => {
    const k = `${key}.${i}`;
    switch (b.t) {
      case 'heading': {
        const level = Math.min(6, b.level + headingOffset);
        const H = `h${level}` as 'h1';
        return <H key={k}>{inline(b.text, k)}</H>;
      }
      case 'para':
        return tight ? <Fragment key={k}>{inline(b.text, k)}</Fragment> : <p key={k}>{inline(b.text, k)}</p>;
      case 'code':
        return <CodeBlock key={k} info={b.info} text={b.text} />;
      case 'list': {
        // A list whose items are single paragraphs renders without <p> (compact, like CommonMark's tight lists).
        const isTight = b.items.every((it) => it.length <= 1);
        const items = b.items.map((it, j) => <li key={`${k}.${j}`}>{renderBlocks(it, `${k}.${j}`, headingOffset, isTight)}</li>);
        return b.ordered ? (
          <ol key={k} start={b.start === 1 ? undefined : b.start}>
            {items}
          </ol>
        ) : (
          <ul key={k}>{items}</ul>
        );
      }
      case 'quote':
        return <blockquote key={k}>{renderBlocks(b.children, k, headingOffset)}</blockquote>;
      case 'hr':
        return <hr key={k} />;
    }
    return null;
  });
}

/** A fenced block with its info string shown; runbook steps (`{#id …}`) are marked as such. */
function CodeBlock({ info, text }: { info: string; text: string }) {
  const step = /\{#([A-Za-z0-9_.-]+)/.exec(info)?.[1];
  const lang = info.split(/\s/)[0] ?? '';
  return (
    <figure className={`md-code${step ? ' md-step' : ''}`} data-step={step}>
      {info && (
        <figcaption>
          <span className="md-lang">{lang}</span> <span className="md-info">{info.slice(lang.length).trim()}</span>
        </figcaption>
      )}
      <pre>
        <code>{text}</code>
      </pre>
    </figure>
  );
}

/** Renders Markdown text; `headingOffset` shifts heading levels (a section under the page's own title). */
export function Markdown({ text, headingOffset = 0 }: { text: string; headingOffset?: number }) {
  const blocks = parseBlocks(text.replace(/\r\n?/g, '\n').split('\n'));
  return <div className="md">{renderBlocks(blocks, 'b', headingOffset)}</div>;
}
