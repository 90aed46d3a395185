// YAML configuration files → plain data plus a way to point at any JSON path in the source, so a
// validator that knows only paths can report file:line:col (the policy and operations files share it).
import { isNode, LineCounter, parseAllDocuments, parseDocument, type Document, type ParsedNode } from 'yaml';

export interface FileProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON path, `$` for the document. */
  readonly path: string;
  readonly message: string;
}

export function formatFileProblem(p: FileProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`;
}

/** `$.a.b[2].c` → ['a', 'b', 2, 'c']; a key no dotted step can hold is written `["runledger.io/x"]` (JSON string). */
export function pathKeys(path: string): Array<string | number> {
  const keys: Array<string | number> = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) keys.push(m[1] !== undefined ? m[1] : m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string));
  return keys;
}

export type ParsedYaml =
  | { readonly ok: true; readonly data: unknown; readonly locate: (path: string, message: string) => FileProblem }
  | { readonly ok: false; readonly problems: FileProblem[] };

/** Parses YAML; syntax errors come back located. `locate` points at the deepest existing node of a path. */
export function parseYamlFile(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) return { ok: false, problems: syntaxProblems(doc, lc, file) };
  return { ok: true, data: doc.toJS(), locate: locator(doc, lc, file) };
}

/** A multi-document stream (`---` between documents, as Backstage's catalog-info.yaml): one locator per document. */
export function parseYamlDocuments(
  text: string,
  file: string,
):
  | { readonly ok: true; readonly documents: ReadonlyArray<{ readonly data: unknown; readonly locate: (path: string, message: string) => FileProblem }> }
  | { readonly ok: false; readonly problems: FileProblem[] } {
  const lc = new LineCounter();
  // An empty or comment-only stream comes back as an empty array: no documents, no problems.
  const docs: Document[] = [...parseAllDocuments<ParsedNode>(text, { lineCounter: lc, prettyErrors: false })];
  const problems = docs.flatMap((d) => syntaxProblems(d, lc, file));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, documents: docs.map((d) => ({ data: d.toJS(), locate: locator(d, lc, file) })) };
}

function syntaxProblems(
  doc: { readonly errors: ReadonlyArray<{ readonly pos: [number, number]; readonly message: string }> },
  lc: LineCounter,
  file: string,
): FileProblem[] {
  return doc.errors.map((e) => {
    const pos = lc.linePos(e.pos[0]);
    return { file, line: pos.line, column: pos.col, path: '$', message: e.message.split('\n')[0]! };
  });
}

function locator(doc: Document, lc: LineCounter, file: string): (path: string, message: string) => FileProblem {
  return (path, message) => {
    const keys = pathKeys(path);
    let node: unknown;
    for (let n = keys.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    const pos = lc.linePos(isNode(node) && node.range ? node.range[0] : 0);
    return { file, line: pos.line, column: pos.col, path, message };
  };
}
