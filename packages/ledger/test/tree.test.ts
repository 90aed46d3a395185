// RFC 6962 Merkle tree hashing and proofs.
// Known answers (test/vectors/rfc6962.json): transparency-dev/merkle testonly/constants.go (leaf inputs,
// every complete-subtree hash and the roots of the 0..8-leaf trees, compact-range peaks) and
// proof/verify_test.go (inclusion and consistency proofs); leafHash("hello world") from Go's
// golang.org/x/mod/sumdb/tlog note_test.go. Everything else is checked against a naive recursive
// reference written in this file straight from RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF) that hashes
// with node:crypto directly and never calls the code under test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  LedgerError,
  TreeState,
  consistencyRanges,
  foldRange,
  inclusionRanges,
  largestPow2Below,
  leafHash,
  nodeHash,
  nodeKey,
  peakIds,
  planProof,
  rangeNodeIds,
  rootFromInclusionProof,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type NodeId,
} from '@runledger/ledger';

// ---------------------------------------------------------------------------------------------------
// Reference implementation (RFC 6962 §2.1), independent of the code under test.

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const refLeaf = (d: Uint8Array): Uint8Array => sha(Uint8Array.of(0x00), d);
const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(Uint8Array.of(0x01), l, r);
const REF_EMPTY = sha(new Uint8Array(0));

/** k: the largest power of two smaller than n (n > 1), by repeated doubling (no bit operators). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

type Range = readonly [number, number];

/** RFC 6962 PATH(m, D[lo:hi]) as ranges [a, b) whose MTH are the proof hashes, in RFC order. */
function refPathRanges(m: number, lo: number, hi: number): Range[] {
  const n = hi - lo;
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...refPathRanges(m, lo, lo + k), [lo + k, hi]];
  return [...refPathRanges(m - k, lo + k, hi), [lo, lo + k]];
}

/** RFC 6962 SUBPROOF(m, D[lo:hi], b) as ranges. */
function refSubproofRanges(m: number, lo: number, hi: number, b: boolean): Range[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [[lo, hi]];
  const k = split(n);
  if (m <= k) return [...refSubproofRanges(m, lo, lo + k, b), [lo + k, hi]];
  return [...refSubproofRanges(m - k, lo + k, hi, false), [lo, lo + k]];
}

/** RFC 6962 PROOF(m, D[n]); empty for the trivial cases. */
function refProofRanges(m: number, n: number): Range[] {
  if (m === 0 || m === n) return [];
  return refSubproofRanges(m, 0, n, true);
}

/** A tree given by a leaf-hash function; MTH is memoised by range. */
class RefTree {
  private readonly memo = new Map<string, Uint8Array>();
  constructor(readonly leaf: (i: number) => Uint8Array) {}

  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return REF_EMPTY;
    if (n === 1) return this.leaf(lo);
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (!h) {
      const k = split(n);
      h = refNode(this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.memo.set(key, h);
    }
    return h;
  }

  path(m: number, n: number): Uint8Array[] {
    return refPathRanges(m, 0, n).map(([a, b]) => this.mth(a, b));
  }

  proof(m: number, n: number): Uint8Array[] {
    return refProofRanges(m, n).map(([a, b]) => this.mth(a, b));
  }

  /** Hash of a stored node, computed from its range. */
  node = (id: NodeId): Uint8Array => this.mth(id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level);
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Recomputes the root by undoing the PATH recursion; the reference verifier for inclusion. */
function refVerifyInclusion(m: number, n: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m >= n) return false;
  if (leaf.byteLength !== 32 || root.byteLength !== 32 || proof.some((p) => p.byteLength !== 32)) return false;
  let i = proof.length;
  const rec = (m: number, n: number): Uint8Array | undefined => {
    if (n === 1) return leaf;
    const k = split(n);
    if (i === 0) return undefined;
    const h = proof[--i]!; // the top of the recursion owns the last hash
    const r = m < k ? rec(m, k) : rec(m - k, n - k);
    if (!r) return undefined;
    return m < k ? refNode(r, h) : refNode(h, r);
  };
  const r = rec(m, n);
  return r !== undefined && i === 0 && eq(r, root);
}

/** Recomputes both roots by undoing the SUBPROOF recursion; the reference verifier for consistency. */
function refVerifyConsistency(m: number, n: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (oldRoot.byteLength !== 32 || newRoot.byteLength !== 32 || proof.some((p) => p.byteLength !== 32)) return false;
  // Trivial cases: the empty tree (root SHA-256("")) precedes every tree; equal sizes need equal roots.
  if (m === 0) return proof.length === 0 && eq(oldRoot, REF_EMPTY) && (n > 0 || eq(newRoot, REF_EMPTY));
  if (m === n) return proof.length === 0 && eq(oldRoot, newRoot);
  let i = proof.length;
  const rec = (m: number, n: number, b: boolean): { o: Uint8Array; n: Uint8Array } | undefined => {
    if (m === n) {
      if (b) return { o: oldRoot, n: oldRoot };
      if (i === 0) return undefined;
      const h = proof[--i]!;
      return { o: h, n: h };
    }
    const k = split(n);
    if (i === 0) return undefined;
    const h = proof[--i]!;
    if (m <= k) {
      const r = rec(m, k, b);
      return r && { o: r.o, n: refNode(r.n, h) };
    }
    const r = rec(m - k, n - k, false);
    return r && { o: refNode(h, r.o), n: refNode(h, r.n) };
  };
  const r = rec(m, n, true);
  return r !== undefined && i === 0 && eq(r.o, oldRoot) && eq(r.n, newRoot);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

const hx = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHexList = (hs: readonly Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));
const SOME_HASH = hx('abacaba000000000000000000000000000000000000000000060061e00123456');

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(h);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

function isLedgerError(code: string) {
  return (e: unknown): boolean => e instanceof LedgerError && e.code === code;
}

/** Proof built the way storage builds it: ranges → stored node ids → fetched hashes → folded. */
function plannedProof(ranges: ReadonlyArray<readonly [number, number]>, get: (id: NodeId) => Uint8Array): Hash[] {
  const plan = planProof(ranges);
  const wanted = new Set(plan.nodeIds.map(nodeKey));
  assert.equal(wanted.size, plan.nodeIds.length, 'planProof lists each node once');
  return plan.assemble((id) => {
    assert.ok(wanted.has(nodeKey(id)), `assemble asked for ${nodeKey(id)}, which is not in nodeIds`);
    return get(id);
  });
}

interface InclusionCase {
  index: number;
  size: number;
  leaf: Uint8Array;
  proof: Uint8Array[];
  root: Uint8Array;
}

/** Probes that must never verify. */
function brokenInclusions(c: InclusionCase, opts: { allBits: boolean; otherLeaf?: Uint8Array; otherRoots?: Uint8Array[] }): Array<[string, InclusionCase]> {
  const out: Array<[string, InclusionCase]> = [];
  const p = c.proof;
  const add = (desc: string, change: Partial<InclusionCase>): void => {
    out.push([desc, { ...c, ...change }]);
  };
  add('index - 1', { index: c.index - 1 });
  add('index + 1', { index: c.index + 1 });
  add('wrong leaf (hash of other data)', { leaf: refLeaf(Buffer.from('WrongLeaf')) });
  add('wrong leaf (raw "WrongLeaf")', { leaf: new Uint8Array(Buffer.from('WrongLeaf')) });
  add('wrong leaf (empty)', { leaf: new Uint8Array(0) });
  add('wrong leaf (truncated to 31 bytes)', { leaf: c.leaf.subarray(0, 31) });
  add('wrong leaf (33 bytes)', { leaf: Uint8Array.from([...c.leaf, 0]) });
  add('wrong leaf (bit flip)', { leaf: flipBit(c.leaf, 0) });
  if (opts.otherLeaf && !eq(opts.otherLeaf, c.leaf)) add('wrong leaf (another leaf of the tree)', { leaf: opts.otherLeaf });
  add('wrong root (empty tree)', { root: REF_EMPTY });
  add('wrong root (some hash)', { root: SOME_HASH });
  add('wrong root (bit flip)', { root: flipBit(c.root, 255) });
  add('wrong root (the leaf)', c.size === 1 ? { root: flipBit(c.leaf, 7) } : { root: c.leaf });
  for (const r of opts.otherRoots ?? []) if (!eq(r, c.root)) add('wrong root (another tree size)', { root: r });
  for (let j = 0; j < p.length; j++) {
    const bits = opts.allBits ? Array.from({ length: 256 }, (_, b) => b) : [(j * 37 + 3) % 256];
    for (const bit of bits) add(`proof[${j}] bit ${bit} flipped`, { proof: p.map((h, k) => (k === j ? flipBit(h, bit) : h)) });
  }
  if (p.length > 0) {
    add('proof too short (last removed)', { proof: p.slice(0, -1) });
    add('proof too short (first removed)', { proof: p.slice(1) });
    add('proof empty', { proof: [] });
  }
  add('proof too long (root appended)', { proof: [...p, c.root] });
  add('proof too long (leaf appended)', { proof: [...p, c.leaf] });
  add('proof too long (zero hash appended)', { proof: [...p, new Uint8Array(32)] });
  add('proof too long (empty element appended)', { proof: [...p, new Uint8Array(0)] });
  add('proof too long (root prepended)', { proof: [c.root, ...p] });
  add('proof too long (empty element prepended)', { proof: [new Uint8Array(0), ...p] });
  if (p.length > 1) add('proof too long (hash inserted)', { proof: [p[0]!, SOME_HASH, ...p.slice(1)] });
  for (let j = 0; j + 1 < p.length; j++) {
    if (eq(p[j]!, p[j + 1]!)) continue;
    const s = [...p];
    [s[j], s[j + 1]] = [s[j + 1]!, s[j]!];
    add(`proof[${j}] and proof[${j + 1}] swapped`, { proof: s });
  }
  if (p.length > 2 && !eq(p[0]!, p[p.length - 1]!)) add('proof reversed', { proof: [...p].reverse() });
  return out;
}

/** Probes that move the sizes: whether they verify is decided by the reference (a root does not commit to its size). */
function shiftedInclusions(c: InclusionCase): Array<[string, InclusionCase]> {
  return [
    ['size - 1', { ...c, size: c.size - 1 }],
    ['size + 1', { ...c, size: c.size + 1 }],
    ['size * 2', { ...c, size: c.size * 2 }],
    ['size / 2', { ...c, size: Math.floor(c.size / 2) }],
    ['index ^ 2', { ...c, index: c.index % 4 >= 2 ? c.index - 2 : c.index + 2 }],
    ['index - 2', { ...c, index: c.index - 2 }],
  ];
}

function checkInclusion(c: InclusionCase, opts: { allBits?: boolean; otherLeaf?: Uint8Array; otherRoots?: Uint8Array[] } = {}): { shiftedPasses: string[] } {
  assert.ok(verifyInclusion(c.index, c.size, c.leaf, c.proof, c.root), `inclusion ${c.index}/${c.size} must verify`);
  assert.ok(refVerifyInclusion(c.index, c.size, c.leaf, c.proof, c.root), `reference: inclusion ${c.index}/${c.size} must verify`);
  const r = rootFromInclusionProof(c.index, c.size, c.leaf, c.proof);
  assert.ok(r && eq(r, c.root), 'rootFromInclusionProof returns the root');
  for (const [desc, b] of brokenInclusions(c, { allBits: opts.allBits ?? false, otherLeaf: opts.otherLeaf, otherRoots: opts.otherRoots })) {
    if (verifyInclusion(b.index, b.size, b.leaf, b.proof, b.root)) assert.fail(`inclusion ${c.index}/${c.size}: "${desc}" verified`);
  }
  const shiftedPasses: string[] = [];
  for (const [desc, b] of shiftedInclusions(c)) {
    const got = verifyInclusion(b.index, b.size, b.leaf, b.proof, b.root);
    const want = refVerifyInclusion(b.index, b.size, b.leaf, b.proof, b.root);
    assert.equal(got, want, `inclusion ${c.index}/${c.size}: "${desc}" (index ${b.index}, size ${b.size}) disagrees with the reference`);
    if (got) shiftedPasses.push(`${c.index}/${c.size}:${desc}`);
  }
  return { shiftedPasses };
}

interface ConsistencyCase {
  m: number;
  n: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: Uint8Array[];
}

function brokenConsistencies(c: ConsistencyCase, allBits: boolean): Array<[string, ConsistencyCase]> {
  const out: Array<[string, ConsistencyCase]> = [];
  const p = c.proof;
  const add = (desc: string, change: Partial<ConsistencyCase>): void => {
    out.push([desc, { ...c, ...change }]);
  };
  add('wrong old root (bit flip)', { oldRoot: flipBit(c.oldRoot, 9) });
  add('wrong old root (some hash)', { oldRoot: SOME_HASH });
  // The empty tree is consistent with every tree: from size 0 the new root cannot be checked.
  if (c.m > 0 || c.n === 0) {
    add('wrong new root (bit flip)', { newRoot: flipBit(c.newRoot, 200) });
    add('wrong new root (some hash)', { newRoot: SOME_HASH });
  }
  add('wrong old root (31 bytes)', { oldRoot: c.oldRoot.subarray(0, 31) });
  add('wrong old root (33 bytes)', { oldRoot: Uint8Array.from([...c.oldRoot, 1]) });
  add('wrong new root (31 bytes)', { newRoot: c.newRoot.subarray(0, 31) });
  if (!eq(c.oldRoot, c.newRoot)) add('swapped roots', { oldRoot: c.newRoot, newRoot: c.oldRoot });
  if (p.length === 0) return out;
  add('empty proof', { proof: [] });
  for (let j = 0; j < p.length; j++) {
    const bits = allBits ? Array.from({ length: 256 }, (_, b) => b) : [(j * 53 + 4) % 256];
    for (const bit of bits) add(`proof[${j}] bit ${bit} flipped`, { proof: p.map((h, k) => (k === j ? flipBit(h, bit) : h)) });
  }
  add('proof too short (last removed)', { proof: p.slice(0, -1) });
  add('proof too short (first removed)', { proof: p.slice(1) });
  add('proof too long (old root appended)', { proof: [...p, c.oldRoot] });
  add('proof too long (new root appended)', { proof: [...p, c.newRoot] });
  add('proof too long (zero hash appended)', { proof: [...p, new Uint8Array(32)] });
  add('proof too long (empty element appended)', { proof: [...p, new Uint8Array(0)] });
  add('proof too long (old root prepended)', { proof: [c.oldRoot, ...p] });
  add('proof too long (new root prepended)', { proof: [c.newRoot, ...p] });
  add('proof too long (proof[0] prepended)', { proof: [p[0]!, ...p] });
  add('proof too long (empty element prepended)', { proof: [new Uint8Array(0), ...p] });
  for (let j = 0; j + 1 < p.length; j++) {
    if (eq(p[j]!, p[j + 1]!)) continue;
    const s = [...p];
    [s[j], s[j + 1]] = [s[j + 1]!, s[j]!];
    add(`proof[${j}] and proof[${j + 1}] swapped`, { proof: s });
  }
  return out;
}

function shiftedConsistencies(c: ConsistencyCase): Array<[string, ConsistencyCase]> {
  return [
    ['m - 1', { ...c, m: c.m - 1 }],
    ['m + 1', { ...c, m: c.m + 1 }],
    ['n - 1', { ...c, n: c.n - 1 }],
    ['n + 1', { ...c, n: c.n + 1 }],
    ['m ^ 2', { ...c, m: c.m % 4 >= 2 ? c.m - 2 : c.m + 2 }],
    ['n * 2', { ...c, n: c.n * 2 }],
    ['n / 2', { ...c, n: Math.floor(c.n / 2) }],
  ];
}

function checkConsistency(c: ConsistencyCase, allBits = false): { shiftedPasses: string[] } {
  assert.ok(verifyConsistency(c.m, c.n, c.oldRoot, c.newRoot, c.proof), `consistency ${c.m}->${c.n} must verify`);
  assert.ok(refVerifyConsistency(c.m, c.n, c.oldRoot, c.newRoot, c.proof), `reference: consistency ${c.m}->${c.n} must verify`);
  for (const [desc, b] of brokenConsistencies(c, allBits)) {
    if (verifyConsistency(b.m, b.n, b.oldRoot, b.newRoot, b.proof)) assert.fail(`consistency ${c.m}->${c.n}: "${desc}" verified`);
  }
  const shiftedPasses: string[] = [];
  for (const [desc, b] of shiftedConsistencies(c)) {
    const got = verifyConsistency(b.m, b.n, b.oldRoot, b.newRoot, b.proof);
    const want = refVerifyConsistency(b.m, b.n, b.oldRoot, b.newRoot, b.proof);
    assert.equal(got, want, `consistency ${c.m}->${c.n}: "${desc}" (m ${b.m}, n ${b.n}) disagrees with the reference`);
    if (got) shiftedPasses.push(`${c.m}->${c.n}:${desc}`);
  }
  return { shiftedPasses };
}

/** Asserts that ids tile [a, b) left to right with complete aligned subtrees in canonical (maximal) form. */
function assertTiles(ids: readonly NodeId[], a: number, b: number, what: string): void {
  let pos = a;
  for (const id of ids) {
    assert.ok(Number.isSafeInteger(id.level) && id.level >= 0 && id.level <= 53, `${what}: level ${id.level}`);
    assert.ok(Number.isSafeInteger(id.index) && id.index >= 0, `${what}: index ${id.index}`);
    const size = 2 ** id.level;
    assert.equal(id.index * size, pos, `${what}: node ${nodeKey(id)} starts at ${id.index * size}, expected ${pos}`);
    pos += size;
    assert.ok(Number.isSafeInteger(pos), `${what}: end ${pos} is not safe`);
  }
  assert.equal(pos, b, `${what}: covers up to ${pos}, expected ${b}`);
  // Maximal: no node's parent fits inside [a, b) (with the tiling, this pins the decomposition down).
  for (const id of ids) {
    const parentSize = 2 ** (id.level + 1);
    const parentStart = Math.floor(id.index / 2) * parentSize;
    assert.ok(parentStart < a || parentStart + parentSize > b, `${what}: node ${nodeKey(id)} could be replaced by its parent`);
  }
}

/** Asserts that ranges are disjoint, skip [skip, skip+1), and together with it cover [0, n). */
function assertCoverWithout(ranges: ReadonlyArray<readonly [number, number]>, skip: number, n: number, what: string): void {
  const all = [...ranges.map(([a, b]) => [a, b] as const), [skip, skip + 1] as const].sort((x, y) => x[0] - y[0]);
  let pos = 0;
  for (const [a, b] of all) {
    assert.ok(a < b, `${what}: empty range [${a}, ${b})`);
    assert.equal(a, pos, `${what}: gap or overlap at ${pos} (next range starts at ${a})`);
    pos = b;
  }
  assert.equal(pos, n, `${what}: covers [0, ${pos}), expected [0, ${n})`);
}

// ---------------------------------------------------------------------------------------------------
// Known answers

interface Vectors {
  leafInputsHex: string[];
  nodeHashes: string[][];
  rootHashes: string[];
  compactTrees: Array<Array<[number, number]>>;
  inclusionProofs: Array<{ index: number; size: number; proof: string[] }>;
  consistencyProofs: Array<{ m: number; n: number; proof: string[] }>;
}
const V = JSON.parse(readFileSync(new URL('./vectors/rfc6962.json', import.meta.url), 'utf8')) as Vectors;
const vLeaves = V.leafInputsHex.map(hx);
const vLeafHashes = vLeaves.map((d) => leafHash(d));
const vRoot = (n: number): Uint8Array => hx(V.rootHashes[n]!);
const vNode = (id: NodeId): Uint8Array => {
  const h = V.nodeHashes[id.level]?.[id.index];
  assert.ok(h, `no vector hash for node ${nodeKey(id)}`);
  return hx(h);
};

describe('known answers (transparency-dev/merkle, RFC 6962)', () => {
  test('empty root, leaf hashes and Go tlog RecordHash', () => {
    assert.equal(Buffer.from(EMPTY_ROOT).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(Buffer.from(rootOfLeaves([])).toString('hex'), V.rootHashes[0]);
    assert.deepEqual(toHexList(vLeafHashes), V.nodeHashes[0]);
    assert.equal(Buffer.from(leafHash(Buffer.from('hello world'))).toString('base64'), 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    // Interior nodes of the vector tree.
    for (let level = 1; level < V.nodeHashes.length; level++) {
      V.nodeHashes[level]!.forEach((h, i) => {
        assert.equal(Buffer.from(nodeHash(vNode({ level: level - 1, index: 2 * i }), vNode({ level: level - 1, index: 2 * i + 1 }))).toString('hex'), h);
      });
    }
  });

  test('roots of the 0..8-leaf trees: rootOfLeaves, TreeState, and the naive reference', () => {
    const ref = new RefTree((i) => refLeaf(vLeaves[i]!));
    const t = TreeState.empty();
    assert.equal(Buffer.from(t.root()).toString('hex'), V.rootHashes[0]);
    for (let n = 0; n <= 8; n++) {
      assert.equal(Buffer.from(rootOfLeaves(vLeafHashes.slice(0, n))).toString('hex'), V.rootHashes[n], `rootOfLeaves ${n}`);
      assert.equal(Buffer.from(ref.mth(0, n)).toString('hex'), V.rootHashes[n], `reference MTH ${n}`);
      if (n > 0) {
        t.append(vLeafHashes[n - 1]!);
        assert.equal(Buffer.from(t.root()).toString('hex'), V.rootHashes[n], `TreeState ${n}`);
      }
    }
  });

  test('peaks of the 0..8-leaf trees (compact ranges)', () => {
    const t = TreeState.empty();
    for (let n = 0; n <= 8; n++) {
      if (n > 0) t.appendLeaf(vLeafHashes[n - 1]!);
      const want = V.compactTrees[n]!;
      assert.deepEqual(
        peakIds(n).map((id) => [id.level, id.index]),
        want,
        `peakIds(${n})`,
      );
      assert.deepEqual(
        toHexList(t.peakHashes()),
        want.map(([level, index]) => V.nodeHashes[level]![index]!),
        `peaks of ${n}`,
      );
    }
  });

  test('transparency-dev inclusion proofs, with every corruption probe', () => {
    for (const v of V.inclusionProofs) {
      const proof = plannedProof(inclusionRanges(v.index, v.size), vNode);
      assert.deepEqual(toHexList(proof), v.proof, `planned proof ${v.index}/${v.size}`);
      checkInclusion(
        { index: v.index, size: v.size, leaf: vLeafHashes[v.index]!, proof: v.proof.map(hx), root: vRoot(v.size) },
        { allBits: true, otherRoots: V.rootHashes.map(hx) },
      );
    }
  });

  test('inclusion of every leaf in every tree of 1..8 leaves, from the published node hashes', () => {
    const ref = new RefTree((i) => refLeaf(vLeaves[i]!));
    for (let n = 1; n <= 8; n++) {
      for (let i = 0; i < n; i++) {
        const proof = plannedProof(inclusionRanges(i, n), vNode);
        assert.deepEqual(toHexList(proof), toHexList(ref.path(i, n)), `PATH(${i}, D[${n}])`);
        checkInclusion(
          { index: i, size: n, leaf: vLeafHashes[i]!, proof, root: vRoot(n) },
          { allBits: n === 8, otherLeaf: vLeafHashes[(i + 1) % n], otherRoots: V.rootHashes.map(hx) },
        );
      }
    }
    // In the full 8-leaf tree the path is the three siblings on the way up.
    for (let i = 0; i < 8; i++) {
      const want = [V.nodeHashes[0]![i ^ 1], V.nodeHashes[1]![(i >> 1) ^ 1], V.nodeHashes[2]![(i >> 2) ^ 1]];
      assert.deepEqual(toHexList(plannedProof(inclusionRanges(i, 8), vNode)), want, `leaf ${i} of 8`);
    }
  });

  test('transparency-dev consistency proofs (1→1, 1→8, 6→8, 2→5, 6→7), with every corruption probe', () => {
    for (const v of V.consistencyProofs) {
      const proof = plannedProof(consistencyRanges(v.m, v.n), vNode);
      assert.deepEqual(toHexList(proof), v.proof, `planned proof ${v.m}->${v.n}`);
      checkConsistency({ m: v.m, n: v.n, oldRoot: vRoot(v.m), newRoot: vRoot(v.n), proof: v.proof.map(hx) }, true);
    }
  });

  test('consistency between every pair of the 0..8-leaf trees', () => {
    const ref = new RefTree((i) => refLeaf(vLeaves[i]!));
    for (let n = 0; n <= 8; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = plannedProof(consistencyRanges(m, n), vNode);
        assert.deepEqual(toHexList(proof), toHexList(ref.proof(m, n)), `PROOF(${m}, D[${n}])`);
        checkConsistency({ m, n, oldRoot: vRoot(m), newRoot: vRoot(n), proof });
      }
    }
  });

  test('trivial consistency cases (RFC 9162: only an empty proof, and matching roots)', () => {
    const r1 = vRoot(1);
    const r3 = vRoot(3);
    assert.ok(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []));
    assert.ok(verifyConsistency(0, 5, EMPTY_ROOT, vRoot(5), []));
    assert.ok(verifyConsistency(3, 3, r3, r3, []));
    assert.equal(verifyConsistency(0, 5, r1, vRoot(5), []), false, 'size 0 has the empty root');
    assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, r1, []), false, 'size 0 to size 0: the new root is the empty root too');
    assert.equal(verifyConsistency(0, 0, r1, r1, []), false, 'size 0 to size 0 with equal but non-empty roots');
    assert.equal(verifyConsistency(0, 5, EMPTY_ROOT, vRoot(5), [EMPTY_ROOT]), false, 'a trivial proof is empty');
    assert.equal(verifyConsistency(3, 3, r3, r1, []), false, 'equal sizes need equal roots');
    assert.equal(verifyConsistency(3, 3, r3, r3, [r3]), false, 'a trivial proof is empty');
    assert.equal(verifyConsistency(1, 2, r1, vRoot(2), []), false, 'a non-trivial proof is not empty');
    assert.equal(verifyConsistency(2, 1, vRoot(2), r1, []), false, 'time travel');
    assert.equal(verifyConsistency(1, 0, r1, EMPTY_ROOT, []), false, 'time travel to empty');
  });

  test('inclusion in empty or too-small trees never verifies', () => {
    for (const [i, n] of [
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 1],
      [8, 8],
    ] as const) {
      assert.equal(verifyInclusion(i, n, SOME_HASH, [], EMPTY_ROOT), false, `${i}/${n}`);
      assert.equal(verifyInclusion(i, n, SOME_HASH, [], SOME_HASH), false, `${i}/${n} (root = leaf)`);
      assert.equal(rootFromInclusionProof(i, n, SOME_HASH, []), undefined, `${i}/${n}`);
    }
    // Size 1: the root is the leaf hash and the proof is empty.
    const h = leafHash(Buffer.from('data'));
    assert.ok(verifyInclusion(0, 1, h, [], h));
    assert.equal(verifyInclusion(0, 1, h, [], new Uint8Array(0)), false);
    assert.equal(verifyInclusion(0, 1, new Uint8Array(0), [], h), false);
    assert.equal(verifyInclusion(0, 1, new Uint8Array(0), [], new Uint8Array(0)), false);
  });
});

// ---------------------------------------------------------------------------------------------------
// Exhaustive small trees and property tests against the reference

function randomTree(seed: number): RefTree {
  const cache = new Map<number, Uint8Array>();
  return new RefTree((i) => {
    let h = cache.get(i);
    if (!h) {
      h = refLeaf(Buffer.from(`seed ${seed} entry ${i}`));
      cache.set(i, h);
    }
    return h;
  });
}

describe('against the RFC 6962 reference', () => {
  test('every inclusion proof in trees of 1..40 leaves: planned proof = PATH, verifies, probes fail', () => {
    const ref = randomTree(1);
    const shifted: string[] = [];
    for (let n = 1; n <= 40; n++) {
      const root = ref.mth(0, n);
      const others = [ref.mth(0, n - 1), ref.mth(0, n + 1)];
      for (let i = 0; i < n; i++) {
        const ranges = inclusionRanges(i, n);
        assert.deepEqual(ranges, refPathRanges(i, 0, n), `inclusionRanges(${i}, ${n})`);
        assertCoverWithout(ranges, i, n, `inclusionRanges(${i}, ${n})`);
        const proof = plannedProof(ranges, ref.node);
        assert.deepEqual(toHexList(proof), toHexList(ref.path(i, n)), `PATH(${i}, D[${n}])`);
        shifted.push(
          ...checkInclusion({ index: i, size: n, leaf: ref.leaf(i), proof, root }, { otherLeaf: ref.leaf((i + 1) % n), otherRoots: others }).shiftedPasses,
        );
      }
    }
    // The spec's pitfall: a root does not commit to its size. It happens, so the test sees it.
    assert.ok(
      shifted.some((s) => s.endsWith('size + 1') || s.endsWith('size - 1')),
      'expected some size ±1 probes to verify',
    );
    assert.ok(
      !shifted.some((s) => s.endsWith('index - 2') || s.endsWith('index ^ 2')),
      `index shifts verified: ${shifted.filter((s) => s.includes('index')).join(', ')}`,
    );
  });

  test('every consistency proof between trees of 0..40 leaves: planned proof = PROOF, verifies, probes fail', () => {
    const ref = randomTree(2);
    for (let n = 0; n <= 40; n++) {
      for (let m = 0; m <= n; m++) {
        const ranges = consistencyRanges(m, n);
        assert.deepEqual(ranges, refProofRanges(m, n), `consistencyRanges(${m}, ${n})`);
        const proof = plannedProof(ranges, ref.node);
        assert.deepEqual(toHexList(proof), toHexList(ref.proof(m, n)), `PROOF(${m}, D[${n}])`);
        checkConsistency({ m, n, oldRoot: ref.mth(0, m), newRoot: ref.mth(0, n), proof });
      }
    }
  });

  test('property: roots, proofs and probes for random sizes 1..300', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n }))),
        (seed, [n, i, m]) => {
          const ref = randomTree(seed);
          const leaves = Array.from({ length: n }, (_, k) => ref.leaf(k));
          const root = ref.mth(0, n);
          assert.ok(eq(rootOfLeaves(leaves), root), 'rootOfLeaves');
          const proof = plannedProof(inclusionRanges(i, n), ref.node);
          assert.deepEqual(toHexList(proof), toHexList(ref.path(i, n)));
          checkInclusion({ index: i, size: n, leaf: ref.leaf(i), proof, root }, { otherLeaf: ref.leaf((i + 1) % n), otherRoots: [ref.mth(0, m)] });
          const cproof = plannedProof(consistencyRanges(m, n), ref.node);
          assert.deepEqual(toHexList(cproof), toHexList(ref.proof(m, n)));
          checkConsistency({ m, n, oldRoot: ref.mth(0, m), newRoot: root, proof: cproof });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: TreeState incremental roots and the nodes each append creates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 300 }), (seed, n) => {
        const ref = randomTree(seed);
        const t = TreeState.empty();
        const u = TreeState.empty();
        for (let i = 0; i < n; i++) {
          const writes = t.append(ref.leaf(i));
          u.appendLeaf(ref.leaf(i));
          // Exactly the complete aligned subtrees whose last leaf is i, smallest first.
          const expected: Array<[number, number]> = [];
          for (let level = 0; (i + 1) % 2 ** level === 0; level++) expected.push([level, Math.floor(i / 2 ** level)]);
          assert.deepEqual(
            writes.map((w) => [w.level, w.index]),
            expected,
            `writes of append #${i}`,
          );
          for (const w of writes) assert.ok(eq(w.hash, ref.node(w)), `hash of ${nodeKey(w)}`);
          assert.equal(t.size, i + 1);
          assert.equal(u.size, i + 1);
          const root = ref.mth(0, i + 1);
          assert.ok(eq(t.root(), root), `root after ${i + 1}`);
          assert.ok(eq(u.root(), root), `appendLeaf root after ${i + 1}`);
          assert.deepEqual(toHexList(t.peakHashes()), toHexList(peakIds(i + 1).map(ref.node)), `peaks after ${i + 1}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('property: TreeState.fromPeaks(size, peakHashes) round-trips and keeps growing correctly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 }), (seed, size, more) => {
        const ref = randomTree(seed);
        const t = TreeState.empty();
        for (let i = 0; i < size; i++) t.appendLeaf(ref.leaf(i));
        const r = TreeState.fromPeaks(size, t.peakHashes());
        assert.equal(r.size, size);
        assert.ok(eq(r.root(), t.root()));
        assert.deepEqual(toHexList(r.peakHashes()), toHexList(t.peakHashes()));
        // Peaks fetched from storage by id give the same state.
        const s = TreeState.fromPeaks(size, peakIds(size).map(ref.node));
        const c = s.clone();
        for (let i = size; i < size + more; i++) {
          const w1 = r.append(ref.leaf(i));
          const w2 = s.append(ref.leaf(i));
          t.appendLeaf(ref.leaf(i));
          assert.deepEqual(
            w1.map((w) => nodeKey(w)),
            w2.map((w) => nodeKey(w)),
          );
          for (const w of w1) assert.ok(eq(w.hash, ref.node(w)));
          assert.ok(eq(r.root(), ref.mth(0, i + 1)));
          assert.ok(eq(s.root(), ref.mth(0, i + 1)));
          assert.ok(eq(t.root(), ref.mth(0, i + 1)));
        }
        // clone() is independent of the original.
        assert.equal(c.size, size);
        assert.ok(eq(c.root(), ref.mth(0, size)));
      }),
      { numRuns: 100 },
    );
  });

  test('TreeState.fromPeaks rejects a peak list of the wrong length', () => {
    assert.throws(() => TreeState.fromPeaks(3, [SOME_HASH]), isLedgerError('PROOF_MALFORMED'));
    assert.throws(() => TreeState.fromPeaks(4, [SOME_HASH, SOME_HASH]), isLedgerError('PROOF_MALFORMED'));
    assert.throws(() => TreeState.fromPeaks(0, [SOME_HASH]), isLedgerError('PROOF_MALFORMED'));
    assert.equal(TreeState.fromPeaks(0, []).size, 0);
    assert.ok(eq(TreeState.fromPeaks(0, []).root(), REF_EMPTY));
  });

  test('leafHash and nodeHash return independent buffers and handle large entries and views', () => {
    const big = new Uint8Array(70_000).map((_, i) => i % 251);
    const a = leafHash(Buffer.from('a'));
    const b = leafHash(big);
    const c = leafHash(Buffer.from('a'));
    assert.ok(eq(a, refLeaf(Buffer.from('a'))));
    assert.ok(eq(b, refLeaf(big)));
    assert.ok(eq(a, c));
    const view = big.subarray(1000, 3000);
    assert.ok(eq(leafHash(view), refLeaf(view)));
    const n1 = nodeHash(a, b);
    const n2 = nodeHash(b, a);
    assert.ok(eq(n1, refNode(a, b)));
    assert.ok(eq(n2, refNode(b, a)));
    assert.ok(!eq(n1, n2));
    assert.ok(eq(foldRange([]), REF_EMPTY));
    assert.ok(eq(foldRange([a]), a));
    assert.ok(eq(foldRange([a, b, c]), refNode(a, refNode(b, c))));
  });

  test('hashes of the wrong length never verify and never leak bytes from earlier calls', () => {
    const l0 = leafHash(Buffer.from('a'));
    const l1 = leafHash(Buffer.from('b'));
    const root = refNode(l0, l1);
    assert.ok(verifyInclusion(0, 2, l0, [l1], root));
    // Leave l0's last byte in any scratch buffer, then offer l0 without it.
    nodeHash(l0, l0);
    assert.equal(verifyInclusion(0, 2, l0.subarray(0, 31), [l1], root), false, '31-byte prefix of the right leaf');
    nodeHash(l1, l1);
    assert.equal(verifyInclusion(1, 2, l1.subarray(0, 31), [l0], root), false, '31-byte prefix of the right leaf (right side)');
    assert.equal(verifyInclusion(1, 2, Uint8Array.from([...l1, 0]), [l0], root), false, '33-byte leaf');
    assert.equal(rootFromInclusionProof(0, 2, l0.subarray(0, 31), [l1]), undefined);
    const r1 = l0;
    const r2 = root;
    assert.ok(verifyConsistency(1, 2, r1, r2, [l1]));
    assert.equal(verifyConsistency(1, 2, Uint8Array.from([...r1, 0]), r2, [l1]), false, '33-byte old root');
    assert.equal(verifyConsistency(1, 2, r1.subarray(0, 31), r2, [l1]), false, '31-byte old root');
    assert.equal(verifyConsistency(1, 2, r1, r2.subarray(0, 31), [l1]), false, '31-byte new root');
    assert.equal(verifyConsistency(1, 2, r1, r2, [l1.subarray(0, 31)]), false, '31-byte proof hash');
    // nodeHash itself refuses anything but two 32-byte hashes.
    assert.throws(() => nodeHash(l0.subarray(0, 31), l1), isLedgerError('PROOF_MALFORMED'));
    assert.throws(() => nodeHash(l0, Uint8Array.from([...l1, 0])), isLedgerError('PROOF_MALFORMED'));
  });
});

// ---------------------------------------------------------------------------------------------------
// Sizes and indexes up to 2^53 - 1

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const P31 = 2 ** 31;
const P32 = 2 ** 32;

/**
 * A huge tree whose leaves are all X except the leaf at `target`, which is Y. Any range without the
 * target has a hash that depends only on its length, so every MTH costs O(log n) hashes.
 */
class SyntheticTree {
  static readonly X = refLeaf(Buffer.from('the same entry, again'));
  static readonly Y = refLeaf(Buffer.from('the one different entry'));
  private readonly uniform = new Map<number, Uint8Array>();
  private readonly memo = new Map<string, Uint8Array>();
  constructor(readonly target: number) {}

  /** MTH of n identical X leaves. */
  u(n: number): Uint8Array {
    if (n === 1) return SyntheticTree.X;
    let h = this.uniform.get(n);
    if (!h) {
      const k = split(n);
      h = refNode(this.u(k), this.u(n - k));
      this.uniform.set(n, h);
    }
    return h;
  }

  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return REF_EMPTY;
    if (this.target < lo || this.target >= hi) return this.u(n);
    if (n === 1) return SyntheticTree.Y;
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (!h) {
      const k = split(n);
      h = refNode(this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.memo.set(key, h);
    }
    return h;
  }

  leaf(i: number): Uint8Array {
    return i === this.target ? SyntheticTree.Y : SyntheticTree.X;
  }

  node = (id: NodeId): Uint8Array => {
    const start = id.index * 2 ** id.level;
    const end = (id.index + 1) * 2 ** id.level;
    assert.ok(Number.isSafeInteger(start) && Number.isSafeInteger(end) && end <= MAX, `node ${nodeKey(id)} is outside [0, 2^53-1)`);
    return this.mth(start, end);
  };
}

describe('sizes and indexes beyond 2^32, up to 2^53 - 1', () => {
  test('largestPow2Below at the boundaries', () => {
    const cases: Array<[number, number]> = [
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 4],
      [P31, 2 ** 30],
      [P31 + 1, P31],
      [P32, P31],
      [P32 + 1, P32],
      [P32 + 5, P32],
      [2 ** 52, 2 ** 51],
      [2 ** 52 + 1, 2 ** 52],
      [MAX, 2 ** 52],
    ];
    for (const [n, k] of cases) assert.equal(largestPow2Below(n), k, `largestPow2Below(${n})`);
  });

  test('peakIds around 2^31, 2^32 and 2^53 - 1 tile [0, n) with maximal subtrees', () => {
    const full = peakIds(MAX);
    assert.equal(full.length, 53);
    assert.deepEqual(
      full.map((id) => id.level),
      Array.from({ length: 53 }, (_, i) => 52 - i),
    );
    assertTiles(full, 0, MAX, 'peakIds(2^53-1)');
    assert.deepEqual(peakIds(P32), [{ level: 32, index: 0 }]);
    assert.deepEqual(peakIds(P32 + 5), [
      { level: 32, index: 0 },
      { level: 2, index: 2 ** 30 },
      { level: 0, index: P32 + 4 },
    ]);
    assert.deepEqual(peakIds(2 ** 53 - 2).at(-1), { level: 1, index: 2 ** 52 - 2 }); // covers [2^53 - 4, 2^53 - 2)
    for (const base of [P31, P32, 2 ** 52, MAX - 64]) {
      for (let d = -3; d <= 3; d++) {
        const n = base + d;
        if (n < 0 || n > MAX) continue;
        const ids = peakIds(n);
        assertTiles(ids, 0, n, `peakIds(${n})`);
        assert.equal(ids.length, popcount(n), `peakIds(${n}) has one peak per set bit`);
      }
    }
  });

  test('property: rangeNodeIds tiles any [a, b) within [0, 2^53 - 1) with maximal aligned subtrees', () => {
    const edge = fc.oneof(
      fc.integer({ min: 0, max: MAX }),
      fc.tuple(fc.integer({ min: 0, max: 53 }), fc.integer({ min: -5, max: 5 })).map(([k, d]) => Math.min(MAX, Math.max(0, 2 ** k + d))),
    );
    fc.assert(
      fc.property(edge, edge, (x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        const ids = rangeNodeIds(a, b);
        assertTiles(ids, a, b, `rangeNodeIds(${a}, ${b})`);
        assert.ok(ids.length <= 2 * 53);
      }),
      { numRuns: 3000 },
    );
  });

  test('property: inclusionRanges and consistencyRanges for sizes up to 2^53 - 1 equal the RFC recursion', () => {
    const size = fc.oneof(
      fc.integer({ min: 1, max: MAX }),
      fc.tuple(fc.integer({ min: 0, max: 53 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => Math.min(MAX, Math.max(1, 2 ** k + d))),
    );
    fc.assert(
      fc.property(size, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, fi, fm) => {
        const i = Math.min(n - 1, Math.floor(fi * n));
        const m = Math.min(n, Math.floor(fm * (n + 1)));
        const ranges = inclusionRanges(i, n);
        assert.deepEqual(ranges, refPathRanges(i, 0, n), `inclusionRanges(${i}, ${n})`);
        assertCoverWithout(ranges, i, n, `inclusionRanges(${i}, ${n})`);
        assert.ok(ranges.length <= 53);
        const cr = consistencyRanges(m, n);
        assert.deepEqual(cr, refProofRanges(m, n), `consistencyRanges(${m}, ${n})`);
        for (const [a, b] of cr) assert.ok(0 <= a && a < b && b <= n && Number.isSafeInteger(b));
        for (const [a, b] of [...ranges, ...cr]) assertTiles(rangeNodeIds(a, b), a, b, `rangeNodeIds(${a}, ${b})`);
      }),
      { numRuns: 2000 },
    );
  });

  test('inclusionRanges for the last leaf of 2^53 - 1 and neighbours of 2^32', () => {
    const cases: Array<[number, number]> = [
      [MAX - 1, MAX],
      [0, MAX],
      [2 ** 52, MAX],
      [2 ** 52 - 1, MAX],
      [P32 + 3, P32 + 5],
      [P32 - 1, P32],
      [P32, P32 + 1],
      [P31 - 1, P31 + 1],
      [P31, P32],
    ];
    for (const [i, n] of cases) {
      const ranges = inclusionRanges(i, n);
      assertCoverWithout(ranges, i, n, `inclusionRanges(${i}, ${n})`);
      assert.deepEqual(ranges, refPathRanges(i, 0, n));
    }
    // The last leaf of 2^53 - 1: its even index has no right sibling, so the path is the 52 left peaks.
    const last = inclusionRanges(MAX - 1, MAX);
    assert.equal(last.length, 52);
    assert.deepEqual(last.at(-1), [0, 2 ** 52]);
    assert.deepEqual(last[0], [MAX - 3, MAX - 1]);
  });

  for (const [index, size] of [
    [P32 + 3, P32 + 5],
    [MAX - 1, MAX],
    [0, MAX],
    [2 ** 52 + 12345, MAX],
    [P32 - 1, P32],
    [P32, P32 + 1],
    [P31 - 1, P31 + 1],
  ] as const) {
    test(`synthetic tree: inclusion of ${index} in ${size} builds, verifies and resists probes`, () => {
      const tree = new SyntheticTree(index);
      const root = tree.mth(0, size);
      // The root through the storage path: peaks by id, then TreeState.
      assert.ok(eq(TreeState.fromPeaks(size, peakIds(size).map(tree.node)).root(), root), 'fromPeaks root');
      const proof = plannedProof(inclusionRanges(index, size), tree.node);
      assert.deepEqual(toHexList(proof), toHexList(refPathRanges(index, 0, size).map(([a, b]) => tree.mth(a, b))), 'planned proof = PATH');
      const { shiftedPasses } = checkInclusion({ index, size, leaf: SyntheticTree.Y, proof, root }, { otherLeaf: SyntheticTree.X });
      // All other leaves are X: the leaf X at the same index must not verify either.
      assert.equal(verifyInclusion(index, size, SyntheticTree.X, proof, root), false);
      assert.ok(
        shiftedPasses.every((s) => s.includes('size')),
        `unexpected shifted passes: ${shiftedPasses.join(', ')}`,
      );
    });
  }

  for (const [m, n, target] of [
    [P32 + 3, MAX, P31 + 7],
    [P32, P32 + 5, 17],
    [MAX - 1, MAX, MAX - 2],
    [1, MAX, 0],
    [P31 + 1, P32 + 1, P31],
    [2 ** 52, MAX, 2 ** 52 - 1],
    [P32 + 5, P32 + 9, P32 + 7],
  ] as const) {
    test(`synthetic tree: consistency ${m} -> ${n} builds, verifies and resists probes`, () => {
      const tree = new SyntheticTree(target);
      const proof = plannedProof(consistencyRanges(m, n), tree.node);
      assert.deepEqual(toHexList(proof), toHexList(refProofRanges(m, n).map(([a, b]) => tree.mth(a, b))), 'planned proof = PROOF');
      checkConsistency({ m, n, oldRoot: tree.mth(0, m), newRoot: tree.mth(0, n), proof });
    });
  }

  test('TreeState appends at 2^32 + 3 and at 2^53 - 2 create the right nodes', () => {
    for (const [size, expectLevels] of [
      [P32 + 3, [0, 1, 2]],
      [MAX - 1, [0]],
      [MAX - 2, [0, 1]],
      [P32 - 1, Array.from({ length: 33 }, (_, i) => i)],
    ] as const) {
      const tree = new SyntheticTree(size); // the appended leaf is the different one
      const t = TreeState.fromPeaks(size, peakIds(size).map(tree.node));
      assert.ok(eq(t.root(), tree.mth(0, size)));
      const writes = t.append(SyntheticTree.Y);
      assert.deepEqual(
        writes.map((w) => w.level),
        [...expectLevels],
        `levels created by append at ${size}`,
      );
      for (const w of writes) {
        assert.equal(w.index, Math.floor(size / 2 ** w.level), `index of ${nodeKey(w)}`);
        assert.ok(eq(w.hash, tree.node(w)), `hash of ${nodeKey(w)}`);
      }
      assert.equal(t.size, size + 1);
      assert.ok(eq(t.root(), tree.mth(0, size + 1)), `root at ${size + 1}`);
    }
  });

  test('sizes above 2^53 - 1, negative or fractional are rejected', () => {
    const bad = [2 ** 53, 2 ** 53 + 2, 2 ** 64, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
    for (const n of bad) {
      assert.throws(() => peakIds(n), isLedgerError('PROOF_RANGE'), `peakIds(${n})`);
      assert.throws(() => inclusionRanges(0, n), isLedgerError('PROOF_RANGE'), `inclusionRanges(0, ${n})`);
      assert.throws(() => inclusionRanges(n, MAX), isLedgerError('PROOF_RANGE'), `inclusionRanges(${n}, MAX)`);
      assert.throws(() => consistencyRanges(1, n), isLedgerError('PROOF_RANGE'), `consistencyRanges(1, ${n})`);
      assert.throws(() => consistencyRanges(n, MAX), isLedgerError('PROOF_RANGE'), `consistencyRanges(${n}, MAX)`);
      assert.throws(() => TreeState.fromPeaks(n, []), isLedgerError('PROOF_RANGE'), `fromPeaks(${n})`);
      assert.equal(verifyInclusion(0, n, SOME_HASH, [], SOME_HASH), false, `verifyInclusion(0, ${n})`);
      assert.equal(verifyInclusion(n, MAX, SOME_HASH, [], SOME_HASH), false, `verifyInclusion(${n}, MAX)`);
      assert.equal(verifyConsistency(1, n, SOME_HASH, SOME_HASH, [SOME_HASH]), false, `verifyConsistency(1, ${n})`);
      assert.equal(verifyConsistency(n, MAX, SOME_HASH, SOME_HASH, [SOME_HASH]), false, `verifyConsistency(${n}, MAX)`);
    }
    assert.throws(() => inclusionRanges(5, 5), isLedgerError('PROOF_RANGE'), 'index = size');
    assert.throws(() => inclusionRanges(MAX, MAX), isLedgerError('PROOF_RANGE'), 'index = size = 2^53-1');
    assert.throws(() => consistencyRanges(4, 3), isLedgerError('PROOF_RANGE'), 'm > n');
    // The last valid values are accepted.
    assert.equal(peakIds(MAX).length, 53);
    assert.equal(inclusionRanges(MAX - 1, MAX).length, 52);
    assert.deepEqual(consistencyRanges(MAX, MAX), []);
  });
});

function popcount(n: number): number {
  let c = 0;
  while (n > 0) {
    if (n % 2 === 1) c++;
    n = Math.floor(n / 2);
  }
  return c;
}
