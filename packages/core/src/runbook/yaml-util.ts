// Small helpers over the `yaml` package's node tree, keeping each value's source offset so that
// diagnostics point at the value itself.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';

export type YNode = Node;

export function nodeStart(node: unknown, fallback: number): number {
  const r = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
  return r ? r[0] : fallback;
}

export function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

export interface Entry {
  readonly key: string;
  readonly keyAt: number;
  readonly value: unknown;
  readonly valueAt: number;
}

/** The entries of a mapping node with their key and value offsets. */
export function mapEntries(doc: Document, node: unknown, fallbackAt: number): Entry[] | undefined {
  const n = deref(doc, node);
  if (!isMap(n)) return undefined;
  return n.items.map((p: Pair) => {
    const keyNode = deref(doc, p.key);
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const keyAt = nodeStart(keyNode, fallbackAt);
    const value = deref(doc, p.value);
    return { key, keyAt, value, valueAt: nodeStart(value, keyAt) };
  });
}

export function seqItems(doc: Document, node: unknown, fallbackAt: number): { value: unknown; at: number }[] | undefined {
  const n = deref(doc, node);
  if (!isSeq(n)) return undefined;
  return n.items.map((it) => {
    const v = deref(doc, it);
    return { value: v, at: nodeStart(v, fallbackAt) };
  });
}

/** A scalar's JavaScript value, or undefined for collections. */
export function scalarValue(node: unknown): { value: unknown; source: string | undefined } | undefined {
  if (!isScalar(node)) return node === null || node === undefined ? { value: null, source: undefined } : undefined;
  return { value: node.value, source: node.source };
}

/** A string value; numbers and booleans written plainly count as their source text when `lenient`. */
export function stringOf(node: unknown, lenient = false): string | undefined {
  const s = scalarValue(node);
  if (!s) return undefined;
  if (typeof s.value === 'string') return s.value;
  if (lenient && (typeof s.value === 'number' || typeof s.value === 'boolean')) return s.source ?? String(s.value);
  return undefined;
}

export function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  const s = scalarValue(node);
  if (!s || s.value === null) return 'nothing';
  if (typeof s.value === 'string') return `the string "${s.value.length > 40 ? `${s.value.slice(0, 40)}…` : s.value}"`;
  return `${typeof s.value} ${String(s.value)}`;
}

export { isMap, isSeq, isScalar };
