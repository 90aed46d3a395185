// FastTree: TreeState's appendLeaf/root (tree.ts) with every node hash done in WebAssembly.
//
// Node's crypto.hash costs about a microsecond per 65-byte node hash, almost all of it the JS/C++
// crossing; the verifier needs popcount(i) + 1 node hashes per entry. Here the peaks of the compact
// range live in WASM linear memory and sha256.wat hashes them there: one JS->WASM call per append and
// one per root, whatever the number of hashes.
//
// The tree size stays a JS number (exact up to 2^53-1); WASM only learns how many peaks an append
// merges (the trailing one bits of the size), so no 32-bit arithmetic ever touches a size.
import { LedgerError } from '../errors.js';
import { WASM_BASE64 } from './wasm.js';

// Offsets into the module's memory (see the layout in sha256.wat).
const IN_A = 0x140;
const IN_B = 0x160;
const OUT = 0x180;
const KW2 = 0x2000;
const KW2_END = 0x12000;

// The few WebAssembly JS API members used here, typed locally: the package compiles against ES2022 and
// @types/node, neither of which declares the WebAssembly namespace.
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface FoldExports {
  readonly memory: { readonly buffer: ArrayBuffer };
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
}

/** SHA-256 of the empty string: the root of the empty tree (RFC 6962 MTH({})). */
const EMPTY_ROOT = Uint8Array.from(
  Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
);

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
  return typeof api?.Module === 'function' && typeof api.Instance === 'function' ? (api as WasmApi) : undefined;
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
  private _size = 0;
  private readonly appendFn: (merges: number) => void;
  private readonly rootFn: () => number;
  private readonly leafIn: Uint8Array;
  private readonly rootOut: Uint8Array;

  private constructor(ex: FoldExports) {
    // The module never grows its memory, so these views stay attached.
    this.leafIn = new Uint8Array(ex.memory.buffer, IN_A, 32);
    this.rootOut = new Uint8Array(ex.memory.buffer, OUT, 32);
    this.appendFn = ex.append;
    this.rootFn = ex.root;
  }

  /** An empty tree, or undefined when WebAssembly is unavailable (use TreeState then). */
  static create(): FastTree | undefined {
    const ex = instantiate();
    return ex === undefined ? undefined : new FastTree(ex);
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
}

let shared: { ex: FoldExports; a: Uint8Array; b: Uint8Array; out: Uint8Array } | null | undefined;

function sharedInstance(): NonNullable<typeof shared> | undefined {
  if (shared === undefined) {
    const ex = instantiate();
    shared = ex === undefined
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
