// A policy file (YAML) → Policy, with every problem named by file:line:col and JSON path.
import { isNode, LineCounter, parseDocument } from 'yaml';
import { validatePolicy, type Policy } from './policy.js';

export interface PolicyFileProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

export function formatPolicyProblem(p: PolicyFileProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`;
}

function pathKeys(path: string): Array<string | number> {
  const keys: Array<string | number> = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) keys.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return keys;
}

export function parsePolicyText(text: string, file: string): { ok: true; policy: Policy } | { ok: false; problems: PolicyFileProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '$', message: e.message.split('\n')[0]! };
      }),
    };
  }
  const r = validatePolicy(doc.toJS());
  if (r.ok) return r;
  return {
    ok: false,
    problems: r.problems.map((p) => {
      // Point at the deepest node of the path that exists in the document.
      const keys = pathKeys(p.path);
      let node: unknown;
      for (let n = keys.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      const offset = isNode(node) && node.range ? node.range[0] : 0;
      const pos = lc.linePos(offset);
      return { file, line: pos.line, column: pos.col, path: p.path, message: p.message };
    }),
  };
}
