// FastTree: TreeState's appendLeaf/root (tree.ts) with every node hash done in WebAssembly.
//
// Node's crypto.hash costs about a microsecond per 65-byte node hash, almost all of it the JS/C++
// crossing; the verifier needs popcount(i) + 1 node hashes per entry. Here the peaks of the compact
// range live in WASM linear memory and sha256.wat hashes them there: one JS->WASM call per append and
// one per root, whatever the number of hashes.
//
// The tree size stays a JS number (exact up to 2^53-1); WASM only learns how many peaks an append
// merges (the trailing one bits of the size; a batch passes the size as two 32-bit halves that WASM
// joins into an i64), so no 32-bit arithmetic ever touches a size.
//
// Batches: the verifier needs the root after every append. appendLeavesAndRoots and stageEntry +
// flushEntries do up to 256 appends in a handful of WASM calls, and, where the engine has WebAssembly
// SIMD, sha256x4.wat computes four roots (and four leaf hashes) at a time, one per i32x4 lane.
import { LedgerError } from '../errors.js';
import { leafHash, TreeState } from '../tree.js';
import { WASM_BASE64, WASM_X4_BASE64 } from './wasm.js';

// Offsets into the module's memory (see the layout in sha256.wat).
const IN_A = 0x140;
const IN_B = 0x160;
const OUT = 0x180;
const KW2 = 0x2000;
const KW2_END = 0x12000;
const PEAKSIN = 0x12000;
// The batch area (sha256.wat's layout); a tree grows its memory to BATCH_PAGES on its first batch.
const DESC = 0x21800;
const ROOTS = 0x2b800;
const LEAF = 0x22800;
const LEAFIN = 0x3e000;
const EXPECT = 0x40000;
const LINES = 0x48000;
const BATCH_PAGES = 24;
const LINES_END = BATCH_PAGES * 65536;
/** Most entries in one batch. */
const BATCH_MAX = 256;

// The few WebAssembly JS API members used here, typed locally: the package compiles against ES2022 and
// @types/node, neither of which declares the WebAssembly namespace.
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  readonly validate: (bytes: Uint8Array) => boolean;
}

interface FoldExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /** Appends the leaf at IN_A, merging it with `merges` peaks. */
  readonly append: (merges: number) => void;
  /** Writes the root to OUT; returns the number of peaks (0: empty tree, OUT untouched). */
  readonly root: () => number;
  /** OUT = SHA-256(0x01 || IN_A || IN_B). */
  readonly node: () => void;
  /** x = IN_B; n times x = node(IN_A, x); OUT = x. */
  readonly nodeChain: (n: number) => void;
  /** Computes the block-2 schedule table (KW2); must run (or be copied in) before any hashing. */
  readonly initSchedules: () => void;
  /** Replaces the peaks with the n big-endian peaks at PEAKSIN. */
  readonly setPeaks: (n: number) => void;
  // Batches (memory grown to BATCH_PAGES first); see sha256.wat.
  /** ROOTS[0] = the current root. */
  readonly begin: () => void;
  /** LEAF[j] = words of the leaf hash bytes LEAFIN[j], j < k. */
  readonly leafWords: (k: number) => void;
  /** Writes the leaf prefix and SHA-256 padding of the staged lines DESC[0..k). */
  readonly pad: (k: number) => void;
  /** LEAF[j] = SHA-256 of staged message j, for j in [from, end). */
  readonly leaves: (from: number, end: number) => void;
  /** Appends LEAF[0..k) to the tree of size hi * 2^32 + lo, recording each size's fold program and the merges. */
  readonly plan: (k: number, lo: number, hi: number) => void;
  /** Hashes the merges plan recorded. */
  readonly merges: () => void;
  /** For the x4 module: a node hash, a midstate. */
  readonly node3: (l: number, r: number, d: number) => void;
  readonly midstateAt: (p: number) => void;
  /** ROOTS[j + 1] = root after append j, for j in [from, end). */
  readonly fold: (from: number, end: number) => void;
  /** The first j < k whose EXPECT[j] is not the base64 of ROOTS[j], or -1. */
  readonly compare: (k: number) => number;
  /** Makes the batch's peaks the tree's; ROOTS[k] is the current root from then on. */
  readonly commit: (k: number) => void;
}

/** sha256x4.wat: leaves and fold for groups of four, from `from` while a group fits; return the first index left. */
interface X4Exports {
  readonly leaves4: (from: number, end: number) => number;
  readonly fold4: (from: number, end: number) => number;
  /** All of merges, four at a time. */
  readonly merges4: () => void;
}

/** SHA-256 of the empty string: the root of the empty tree (RFC 6962 MTH({})). */
const EMPTY_ROOT = Uint8Array.from(Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

const TWO_32 = 4294967296;

/**
 * Number of trailing one bits of n (0 <= n <= 2^53-1): how many peaks appending leaf n merges.
 * Works on the low and high 32-bit halves separately, so it is exact for every safe integer.
 */
export function trailingOnes(n: number): number {
  let count = 0;
  for (;;) {
    const lo = n >>> 0; // n mod 2^32, exact for safe integers
    if (lo !== 0xffffffff) {
      const z = ~lo; // lowest set bit of z = lowest zero bit of lo
      return count + 31 - Math.clz32(z & -z);
    }
    count += 32;
    n = Math.floor(n / TWO_32);
  }
}

/** globalThis.WebAssembly, or undefined where it is missing (e.g. node --jitless). */
function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: Partial<WasmApi> }).WebAssembly;
  return typeof api?.Module === 'function' && typeof api.Instance === 'function' && typeof api.validate === 'function' ? (api as WasmApi) : undefined;
}

let compiled: object | null | undefined;

/** The compiled module, compiled synchronously on first use; null when WebAssembly is missing or refuses it. */
function foldModule(api: WasmApi): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    compiled = new api.Module(Buffer.from(WASM_BASE64, 'base64'));
  } catch {
    compiled = null;
  }
  return compiled;
}

let compiledX4: object | null | undefined;

/** The SIMD module, or null where the engine lacks WebAssembly SIMD (WebAssembly.validate says no). */
function x4Module(api: WasmApi): object | null {
  if (compiledX4 !== undefined) return compiledX4;
  compiledX4 = null;
  try {
    const bytes = Buffer.from(WASM_X4_BASE64, 'base64');
    if (api.validate(bytes)) compiledX4 = new api.Module(bytes);
  } catch {
    compiledX4 = null;
  }
  return compiledX4;
}

/** KW2 as computed by the first instance; later instances copy it instead of recomputing it. */
let schedules: Uint8Array | undefined;

function instantiate(): FoldExports | undefined {
  const api = wasmApi();
  if (api === undefined) return undefined;
  const mod = foldModule(api);
  if (mod === null) return undefined;
  let ex: FoldExports;
  try {
    ex = new api.Instance(mod, {}).exports as FoldExports;
  } catch {
    return undefined;
  }
  const mem = new Uint8Array(ex.memory.buffer);
  if (schedules === undefined) {
    ex.initSchedules();
    schedules = mem.slice(KW2, KW2_END);
  } else {
    mem.set(schedules, KW2);
  }
  return ex;
}

/**
 * The right edge of a growing RFC 6962 tree, like TreeState but hashing in WebAssembly. Each tree
 * owns a WASM instance (128 KiB of memory, half of it a table of block-2 schedules); the compiled
 * module and the table are made once per process, on the first create() (a few milliseconds), and
 * later trees cost tens of microseconds.
 */
export class FastTree {
  /** Most leaves one batch (flushEntries, or a step of appendLeavesAndRoots) appends. */
  static readonly BATCH = BATCH_MAX;

  private _size = 0;
  private readonly ex: FoldExports;
  private readonly appendFn: (merges: number) => void;
  private readonly rootFn: () => number;
  private readonly wantSimd: boolean;
  private leafIn: Uint8Array;
  private rootOut: Uint8Array;
  // Batch state, set up on the first batch (which grows the memory: the views above are renewed).
  private batchReady = false;
  private x4: X4Exports | undefined;
  private mem = Buffer.alloc(0);
  private desc = new Int32Array(0);
  private nStaged = 0;
  private lineEnd = LINES;
  /** Number of appends of the last batch: batchRoot(j) is valid for j <= lastBatch. */
  private lastBatch = 0;

  private constructor(ex: FoldExports, simd: boolean) {
    this.ex = ex;
    this.leafIn = new Uint8Array(ex.memory.buffer, IN_A, 32);
    this.rootOut = new Uint8Array(ex.memory.buffer, OUT, 32);
    this.appendFn = ex.append;
    this.rootFn = ex.root;
    this.wantSimd = simd;
  }

  /**
   * An empty tree, or undefined when WebAssembly is unavailable (use TreeState then). Batches use
   * WebAssembly SIMD where the engine has it, unless `simd` is false (the scalar path, for tests).
   */
  static create(opts?: { readonly simd?: boolean }): FastTree | undefined {
    const ex = instantiate();
    return ex === undefined ? undefined : new FastTree(ex, opts?.simd ?? true);
  }

  /**
   * A tree of `size` leaves given its peaks (largest first, as TreeState.fromPeaks and
   * TreeState.peakHashes), or undefined without WebAssembly.
   */
  static fromPeaks(size: number, peaks: readonly Uint8Array[], opts?: { readonly simd?: boolean }): FastTree | undefined {
    if (!Number.isSafeInteger(size) || size < 0) throw new LedgerError('PROOF_RANGE', `tree size ${size} is not a safe integer`);
    let bits = 0;
    for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    if (peaks.length !== bits) throw new LedgerError('PROOF_MALFORMED', `a tree of size ${size} has ${bits} peaks, got ${peaks.length}`);
    for (const p of peaks) checkHash(p, 'a peak');
    const t = FastTree.create(opts);
    if (t === undefined) return undefined;
    const mem = new Uint8Array(t.ex.memory.buffer);
    peaks.forEach((p, i) => mem.set(p, PEAKSIN + 32 * i));
    t.ex.setPeaks(peaks.length);
    t._size = size;
    return t;
  }

  /** Whether batches run four lanes at a time (WebAssembly SIMD); known after the first batch. */
  get simd(): boolean {
    return this.x4 !== undefined;
  }

  get size(): number {
    return this._size;
  }

  /** Appends a 32-byte leaf hash (leafHash of the entry). */
  appendLeaf(leaf: Uint8Array): void {
    if (leaf.byteLength !== 32) throw new LedgerError('PROOF_MALFORMED', `a leaf hash has 32 bytes, got ${leaf.byteLength}`);
    const n = this._size;
    if (n >= Number.MAX_SAFE_INTEGER) throw new LedgerError('PROOF_RANGE', `tree size ${n} cannot grow past 2^53-1`);
    this.leafIn.set(leaf);
    this.appendFn(trailingOnes(n));
    this._size = n + 1;
  }

  /** RFC 6962 root of every leaf appended so far (SHA-256("") for none), as a new array. */
  root(): Uint8Array {
    const out = new Uint8Array(32);
    this.rootInto(out);
    return out;
  }

  /** Writes the root to out[0..32). */
  rootInto(out: Uint8Array): void {
    if (out.byteLength < 32) throw new LedgerError('PROOF_MALFORMED', `a root needs 32 bytes, got ${out.byteLength}`);
    if (this.rootFn() === 0) out.set(EMPTY_ROOT);
    else out.set(this.rootOut);
  }

  /** Grows the memory for batches and instantiates the SIMD companion (once per tree). */
  private setUpBatches(): void {
    if (this.batchReady) return;
    const memory = this.ex.memory;
    if (memory.buffer.byteLength < LINES_END) memory.grow(BATCH_PAGES - memory.buffer.byteLength / 65536);
    // Growing detaches every view of the old buffer.
    this.leafIn = new Uint8Array(memory.buffer, IN_A, 32);
    this.rootOut = new Uint8Array(memory.buffer, OUT, 32);
    this.mem = Buffer.from(memory.buffer);
    this.desc = new Int32Array(memory.buffer, DESC, 3 * BATCH_MAX);
    const api = wasmApi();
    const mod = this.wantSimd && api !== undefined ? x4Module(api) : null;
    if (api !== undefined && mod !== null) {
      try {
        this.x4 = new api.Instance(mod, { fold: { memory, node3: this.ex.node3, midstateAt: this.ex.midstateAt } }).exports as X4Exports;
      } catch {
        this.x4 = undefined;
      }
    }
    this.batchReady = true;
  }

  /** Appends LEAF[0..k) (already in WASM memory) and computes ROOTS[0..k]. */
  private runBatch(k: number): void {
    const n = this._size;
    const ex = this.ex;
    ex.plan(k, n >>> 0, Math.floor(n / TWO_32));
    if (this.x4 === undefined) ex.merges();
    else this.x4.merges4();
    const from = this.x4 === undefined ? 0 : this.x4.fold4(0, k);
    ex.fold(from, k);
    ex.commit(k);
    this._size = n + k;
    this.lastBatch = k;
  }

  private checkRoom(k: number): void {
    if (this._size + k > Number.MAX_SAFE_INTEGER) throw new LedgerError('PROOF_RANGE', `tree size ${this._size} cannot grow past 2^53-1`);
  }

  /**
   * Appends `k` leaf hashes (leaves[32j .. 32j+32), big-endian bytes as leafHash returns them) and
   * writes the root after each append: rootsOut[32j .. 32j+32) = root of the first size + j + 1 leaves.
   * Equivalent to k times appendLeaf then rootInto, in a few WASM calls per 256 leaves.
   */
  appendLeavesAndRoots(leaves: Uint8Array, k: number, rootsOut: Uint8Array): void {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k = ${k} is not a count`);
    if (leaves.byteLength < 32 * k) throw new LedgerError('PROOF_MALFORMED', `${k} leaves need ${32 * k} bytes, got ${leaves.byteLength}`);
    if (rootsOut.byteLength < 32 * k) throw new LedgerError('PROOF_MALFORMED', `${k} roots need ${32 * k} bytes, got ${rootsOut.byteLength}`);
    if (this.nStaged > 0) throw new LedgerError('PROOF_RANGE', 'entries are staged: flushEntries first');
    this.checkRoom(k);
    this.setUpBatches();
    for (let done = 0; done < k;) {
      const m = Math.min(BATCH_MAX, k - done);
      this.mem.set(leaves.subarray(32 * done, 32 * (done + m)), LEAFIN);
      this.ex.begin();
      this.ex.leafWords(m);
      this.runBatch(m);
      rootsOut.set(this.mem.subarray(ROOTS + 32, ROOTS + 32 + 32 * m), 32 * done);
      done += m;
    }
  }

  /** Entries staged for the next flushEntries. */
  get staged(): number {
    return this.nStaged;
  }

  /**
   * Stages an entry line for flushEntries, which appends its leaf hash (SHA-256(0x00 || line),
   * leafHash in tree.ts) in order, and the base64 root the entry expects of the tree before it (a
   * ledger entry's prev), which flushEntries compares. The bytes are copied. Returns false, staging
   * nothing, when the batch is full (FastTree.BATCH entries, or its 1.2 MiB of line space): flush,
   * then stage again.
   */
  stageEntry(line: Uint8Array, expectedRoot: string): boolean {
    const k = this.nStaged;
    if (k === BATCH_MAX) return false;
    if (!this.batchReady) this.setUpBatches();
    const len = line.byteLength;
    // 0x00 || line, then at least 0x80 and the 8-byte length, in whole 64-byte blocks.
    const blocks = ((len + 9) >>> 6) + 1;
    const off = this.lineEnd;
    const end = off + blocks * 64;
    if (end > LINES_END) {
      if (k === 0) throw new LedgerError('PROOF_RANGE', `an entry of ${len} bytes is too large for a batch`);
      return false;
    }
    const mem = this.mem;
    mem.set(line, off + 1);
    // The expected root as ASCII; anything else can never equal a base64 root: a 0 byte there
    // (never a base64 character) makes it differ.
    const x = EXPECT + 44 * k;
    if (expectedRoot.length === 44) {
      for (let c = 0; c < 44; c++) {
        const ch = expectedRoot.charCodeAt(c);
        mem[x + c] = ch < 0x80 ? ch : 0;
      }
    } else mem[x] = 0;
    const d = 3 * k;
    this.desc[d] = off;
    this.desc[d + 1] = blocks;
    this.desc[d + 2] = len;
    this.lineEnd = end;
    this.nStaged = k + 1;
    return true;
  }

  /**
   * Hashes the staged lines (k of them), appends them and computes the root after each append; until
   * the next batch, batchRoot(j) (0 <= j <= k) is the root of the size before the flush + j, and
   * batchLeaf(j) (j < k) the leaf hash of staged line j. Returns the first j whose expected root is
   * not batchRootBase64(j), or -1 when every one matched. All k are appended either way.
   */
  flushEntries(): number {
    const k = this.nStaged;
    this.checkRoom(k);
    this.setUpBatches();
    const ex = this.ex;
    ex.begin();
    ex.pad(k);
    const from = this.x4 === undefined ? 0 : this.x4.leaves4(0, k);
    ex.leaves(from, k);
    this.runBatch(k);
    this.nStaged = 0;
    this.lineEnd = LINES;
    return ex.compare(k);
  }

  private checkBatchIndex(j: number, max: number): void {
    if (!this.batchReady || !Number.isInteger(j) || j < 0 || j > max) throw new RangeError(`no batch result ${j}`);
  }

  /** The root of (size before the last flush) + j leaves, as base64 (0 <= j <= k). */
  batchRootBase64(j: number): string {
    this.checkBatchIndex(j, this.lastBatch);
    const at = ROOTS + 32 * j;
    return this.mem.toString('base64', at, at + 32);
  }

  /** The root of (size before the last flush) + j leaves, as a new array (0 <= j <= k). */
  batchRoot(j: number): Uint8Array {
    this.checkBatchIndex(j, this.lastBatch);
    return new Uint8Array(this.mem.subarray(ROOTS + 32 * j, ROOTS + 32 * j + 32));
  }

  /** The leaf hash of the last flush's staged line j, as a new array (j < k). */
  batchLeaf(j: number): Uint8Array {
    this.checkBatchIndex(j, this.lastBatch - 1);
    // LEAF holds the hash as eight words in memory order: byte-swap each.
    const out = new Uint8Array(32);
    const words = new DataView(this.mem.buffer, LEAF + 64 * j, 32);
    const bytes = new DataView(out.buffer);
    for (let i = 0; i < 32; i += 4) bytes.setUint32(i, words.getUint32(i, true));
    return out;
  }
}

/**
 * What the verifier needs of a tree: FastTree, or TreeState with node:crypto where WebAssembly is
 * missing (JsBatchTree). stageEntry / flushEntries / batch* as in FastTree.
 */
export interface BatchTree {
  readonly size: number;
  readonly staged: number;
  appendLeaf(leaf: Uint8Array): void;
  root(): Uint8Array;
  stageEntry(line: Uint8Array, expectedRoot: string): boolean;
  flushEntries(): number;
  batchRootBase64(j: number): string;
  batchRoot(j: number): Uint8Array;
  batchLeaf(j: number): Uint8Array;
}

/** BatchTree on TreeState: leaf hashes with node:crypto at stageEntry, roots one by one at flush. */
export class JsBatchTree implements BatchTree {
  private readonly tree = TreeState.empty();
  private readonly pending: Uint8Array[] = [];
  private readonly expected: string[] = [];
  private roots: Uint8Array[] = [];
  private leaves: Uint8Array[] = [];

  get size(): number {
    return this.tree.size;
  }

  get staged(): number {
    return this.pending.length;
  }

  appendLeaf(leaf: Uint8Array): void {
    this.tree.appendLeaf(leaf);
  }

  root(): Uint8Array {
    return this.tree.root();
  }

  stageEntry(line: Uint8Array, expectedRoot: string): boolean {
    if (this.pending.length === BATCH_MAX) return false;
    this.pending.push(leafHash(line));
    this.expected.push(expectedRoot);
    return true;
  }

  flushEntries(): number {
    this.leaves = this.pending.splice(0);
    const expected = this.expected.splice(0);
    this.roots = [this.tree.root()];
    let mismatch = -1;
    for (const [j, leaf] of this.leaves.entries()) {
      if (mismatch < 0 && Buffer.from(this.roots[j]!).toString('base64') !== expected[j]) mismatch = j;
      this.tree.appendLeaf(leaf);
      this.roots.push(this.tree.root());
    }
    return mismatch;
  }

  batchRootBase64(j: number): string {
    return Buffer.from(this.batchRoot(j)).toString('base64');
  }

  batchRoot(j: number): Uint8Array {
    const r = this.roots[j];
    if (r === undefined) throw new RangeError(`no batch result ${j}`);
    return r.slice();
  }

  batchLeaf(j: number): Uint8Array {
    const l = this.leaves[j];
    if (l === undefined) throw new RangeError(`no batch result ${j}`);
    return l.slice();
  }
}

/** A FastTree where WebAssembly works, else a JsBatchTree. */
export function createBatchTree(): BatchTree {
  return FastTree.create() ?? new JsBatchTree();
}

let shared: { ex: FoldExports; a: Uint8Array; b: Uint8Array; out: Uint8Array } | null | undefined;

function sharedInstance(): NonNullable<typeof shared> | undefined {
  if (shared === undefined) {
    const ex = instantiate();
    shared =
      ex === undefined
        ? null
        : {
            ex,
            a: new Uint8Array(ex.memory.buffer, IN_A, 32),
            b: new Uint8Array(ex.memory.buffer, IN_B, 32),
            out: new Uint8Array(ex.memory.buffer, OUT, 32),
          };
  }
  return shared ?? undefined;
}

function checkHash(h: Uint8Array, what: string): void {
  if (h.byteLength !== 32) throw new LedgerError('PROOF_MALFORMED', `${what} has ${h.byteLength} bytes, expected 32`);
}

/**
 * SHA-256(0x01 || left || right) computed in WebAssembly, or undefined without WebAssembly.
 * One JS->WASM call per hash: for tests and benchmarks; trees should use FastTree.
 */
export function wasmNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array | undefined {
  const s = sharedInstance();
  if (s === undefined) return undefined;
  checkHash(left, 'left');
  checkHash(right, 'right');
  s.a.set(left);
  s.b.set(right);
  s.ex.node();
  return s.out.slice();
}

/**
 * x = right, then `count` times x = node(left, x), all inside one WASM call; returns x.
 * Measures the hash itself without the JS boundary (benchmarks) and checks chaining (tests).
 */
export function wasmNodeChain(left: Uint8Array, right: Uint8Array, count: number): Uint8Array | undefined {
  const s = sharedInstance();
  if (s === undefined) return undefined;
  checkHash(left, 'left');
  checkHash(right, 'right');
  if (!Number.isInteger(count) || count < 0 || count > 0x7fffffff) throw new RangeError(`count ${count} is not in [0, 2^31)`);
  s.a.set(left);
  s.b.set(right);
  s.ex.nodeChain(count);
  return s.out.slice();
}
