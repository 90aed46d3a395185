// YAML configuration files → plain data plus a way to point at any JSON path in the source, so a
// validator that knows only paths can report file:line:col (the policy and operations files share it).
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';

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

/** `$.a.b[2].c` → ['a', 'b', 2, 'c']. */
export function pathKeys(path: string): Array<string | number> {
  const keys: Array<string | number> = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) keys.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return keys;
}

export type ParsedYaml =
  | { readonly ok: true; readonly data: unknown; readonly locate: (path: string, message: string) => FileProblem }
  | { readonly ok: false; readonly problems: FileProblem[] };

/** Parses YAML; syntax errors come back located. `locate` points at the deepest existing node of a path. */
export function parseYamlFile(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '$', message: e.message.split('\n')[0]! };
      }),
    };
  }
  const locate = (path: string, message: string): FileProblem => {
    const keys = pathKeys(path);
    let node: unknown;
    for (let n = keys.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    const pos = lc.linePos(isNode(node) && node.range ? node.range[0] : 0);
    return { file, line: pos.line, column: pos.col, path, message };
  };
  return { ok: true, data: doc.toJS(), locate };
}
