// RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
// Sizes and indexes are plain numbers up to 2^53-1: no 32-bit bitwise operators touch them anywhere here.
import { bytesEqual, sha256, type Hash } from './bytes.js';
import { LedgerError } from './errors.js';

export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

const leafScratch = { buf: new Uint8Array(1 + 1024) };
const nodeScratch = new Uint8Array(65);
nodeScratch[0] = 0x01;

export function leafHash(entry: Uint8Array): Hash {
  // Reuse one scratch buffer: the verifier hashes every entry, allocation shows up in profiles.
  if (leafScratch.buf.length < entry.byteLength + 1) leafScratch.buf = new Uint8Array(entry.byteLength * 2 + 1);
  const b = leafScratch.buf;
  b[0] = 0x00;
  b.set(entry, 1);
  return sha256(b.subarray(0, entry.byteLength + 1));
}

export function nodeHash(left: Hash, right: Hash): Hash {
  // Anything but 32 + 32 bytes would hash stale scratch bytes (or overwrite them) instead of failing.
  if (left.byteLength !== 32 || right.byteLength !== 32) throw new LedgerError('PROOF_MALFORMED', 'a tree node hashes two 32-byte hashes');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return sha256(nodeScratch);
}

export const MAX_SIZE = Number.MAX_SAFE_INTEGER;

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new LedgerError('PROOF_RANGE', `${what} ${n} is not an integer in [0, 2^53-1]`);
}

/** Largest power of two strictly below n (n >= 2). */
export function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A complete, aligned subtree: covers leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * Splits [a, b) into maximal aligned complete subtrees, left to right. The root of any range that
 * RFC 6962's recursion produces is the right fold of these nodes.
 */
export function rangeNodeIds(a: number, b: number): NodeId[] {
  const ids: NodeId[] = [];
  while (a < b) {
    let size = 1;
    let level = 0;
    while (a % (size * 2) === 0 && a + size * 2 <= b) {
      size *= 2;
      level++;
    }
    ids.push({ level, index: a / size });
    a += size;
  }
  return ids;
}

/** Root of the range from its decomposition (rangeNodeIds order). */
export function foldRange(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let r = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i]!, r);
  return r;
}

/** Ranges whose roots form the inclusion proof (RFC 6962 PATH), leaf side first. */
export function inclusionRanges(index: number, size: number): Array<[number, number]> {
  checkSize(index, 'index');
  checkSize(size, 'size');
  if (index >= size) throw new LedgerError('PROOF_RANGE', `index ${index} is not below tree size ${size}`);
  const out: Array<[number, number]> = [];
  let lo = 0;
  let n = size;
  let m = index;
  const stack: Array<[number, number]> = [];
  while (n > 1) {
    const k = largestPow2Below(n);
    if (m < k) {
      stack.push([lo + k, lo + n]);
      n = k;
    } else {
      stack.push([lo, lo + k]);
      lo += k;
      m -= k;
      n -= k;
    }
  }
  // Recursion appends after descending, so the deepest sibling comes first.
  for (let i = stack.length - 1; i >= 0; i--) out.push(stack[i]!);
  return out;
}

/** Ranges whose roots form the consistency proof from size m to size n (RFC 6962 PROOF). */
export function consistencyRanges(m: number, n: number): Array<[number, number]> {
  checkSize(m, 'old size');
  checkSize(n, 'new size');
  if (m > n) throw new LedgerError('PROOF_RANGE', `old size ${m} is larger than new size ${n}`);
  if (m === 0 || m === n) return [];
  const stack: Array<[number, number]> = [];
  let lo = 0;
  let size = n;
  let mm = m;
  let complete = true;
  for (;;) {
    if (mm === size) {
      if (!complete) stack.push([lo, lo + size]);
      break;
    }
    const k = largestPow2Below(size);
    if (mm <= k) {
      stack.push([lo + k, lo + size]);
      size = k;
    } else {
      stack.push([lo, lo + k]);
      lo += k;
      mm -= k;
      size -= k;
      complete = false;
    }
  }
  const out: Array<[number, number]> = [];
  for (let i = stack.length - 1; i >= 0; i--) out.push(stack[i]!);
  return out;
}

export interface ProofPlan {
  /** Stored nodes to fetch, without duplicates. */
  readonly nodeIds: readonly NodeId[];
  /** Builds the proof from fetched nodes; `get` must return the hash of each id in nodeIds. */
  assemble(get: (id: NodeId) => Hash): Hash[];
}

export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** Turns proof ranges into the stored nodes to read, so storage can fetch them in one query. */
export function planProof(ranges: ReadonlyArray<readonly [number, number]>): ProofPlan {
  const perRange = ranges.map(([a, b]) => rangeNodeIds(a, b));
  const seen = new Map<string, NodeId>();
  for (const ids of perRange) for (const id of ids) seen.set(nodeKey(id), id);
  return {
    nodeIds: [...seen.values()],
    assemble: (get) => perRange.map((ids) => foldRange(ids.map(get))),
  };
}

/** Stored nodes that make up the root of a tree of the given size (its peaks, largest first). */
export function peakIds(size: number): NodeId[] {
  checkSize(size, 'size');
  return rangeNodeIds(0, size);
}

/** A new complete subtree created by an append; storage keeps these (about two per entry). */
export interface NodeWrite extends NodeId {
  readonly hash: Hash;
}

/**
 * The right edge of a growing tree (a compact range from 0): enough to append and to compute roots.
 */
export class TreeState {
  private constructor(
    private _size: number,
    private readonly peaks: Hash[],
    private readonly levels: number[],
  ) {}

  static empty(): TreeState {
    return new TreeState(0, [], []);
  }

  /** Rebuilds the state from the stored peaks of a tree of `size` (in peakIds order). */
  static fromPeaks(size: number, peaks: readonly Hash[]): TreeState {
    const ids = peakIds(size);
    if (ids.length !== peaks.length) {
      throw new LedgerError('PROOF_MALFORMED', `a tree of size ${size} has ${ids.length} peaks, got ${peaks.length}`);
    }
    return new TreeState(
      size,
      [...peaks],
      ids.map((id) => id.level),
    );
  }

  get size(): number {
    return this._size;
  }

  clone(): TreeState {
    return new TreeState(this._size, [...this.peaks], [...this.levels]);
  }

  /** Appends a leaf hash; returns every complete subtree this append created, the leaf first. */
  append(leaf: Hash): NodeWrite[] {
    const index = this._size;
    if (index >= MAX_SIZE) throw new LedgerError('PROOF_RANGE', 'the tree is full at 2^53-1 entries');
    const writes: NodeWrite[] = [{ level: 0, index, hash: leaf }];
    let h = leaf;
    let level = 0;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      const left = this.peaks.pop()!;
      this.levels.pop();
      h = nodeHash(left, h);
      level++;
      writes.push({ level, index: Math.floor(index / 2 ** level), hash: h });
    }
    this.peaks.push(h);
    this.levels.push(level);
    this._size++;
    return writes;
  }

  /** Appends without reporting created nodes (the verifier's hot path). */
  appendLeaf(leaf: Hash): void {
    let h = leaf;
    let level = 0;
    const levels = this.levels;
    const peaks = this.peaks;
    while (levels.length > 0 && levels[levels.length - 1] === level) {
      h = nodeHash(peaks.pop()!, h);
      levels.pop();
      level++;
    }
    peaks.push(h);
    levels.push(level);
    this._size++;
  }

  root(): Hash {
    return foldRange(this.peaks);
  }

  peakHashes(): Hash[] {
    return [...this.peaks];
  }
}

/** Root of a list of leaf hashes (iterative; for tests and small trees). */
export function rootOfLeaves(leaves: readonly Hash[]): Hash {
  const t = TreeState.empty();
  for (const l of leaves) t.appendLeaf(l);
  return t.root();
}

/** Recomputes the root from an inclusion proof (RFC 9162 §2.1.3.2); undefined when the proof cannot fit. */
export function rootFromInclusionProof(index: number, size: number, leaf: Hash, proof: readonly Hash[]): Hash | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  if (leaf.byteLength !== 32) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.byteLength !== 32) return undefined;
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return undefined;
  return r;
}

export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  const r = rootFromInclusionProof(index, size, leaf, proof);
  return r !== undefined && bytesEqual(r, root);
}

/** RFC 9162 §2.1.4.2, with the trivial cases (m = 0, m = n) accepted only with an empty proof. */
export function verifyConsistency(m: number, n: number, oldRoot: Hash, newRoot: Hash, proof: readonly Hash[]): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (oldRoot.byteLength !== 32 || newRoot.byteLength !== 32) return false;
  if (m === 0) return proof.length === 0 && bytesEqual(oldRoot, EMPTY_ROOT) && (n > 0 || bytesEqual(newRoot, EMPTY_ROOT));
  if (m === n) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0) return false;
  for (const p of proof) if (p.byteLength !== 32) return false;
  let path = [...proof];
  if (isPow2(m)) path = [oldRoot, ...path];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}

function isPow2(x: number): boolean {
  if (x < 1) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
