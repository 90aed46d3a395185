// FastTree vs TreeState. Run from the repo root:
//   node --conditions=source --import tsx packages/ledger/scripts/bench-fastfold.ts [leaves]
// `--no-baseline` skips TreeState (slow). Prints ns per node hash (WASM inside one call, WASM one call per hash, node:crypto),
// appendLeaf + root throughput over `leaves` random leaves (default 1,000,000), the same through the batch API
// (appendLeavesAndRoots, SIMD and scalar), and stageEntry + flushEntries on 389-byte lines (leaf hashes included).
import { randomBytes } from 'node:crypto';
import { FastTree, wasmNodeChain, wasmNodeHash } from '../src/fastfold/index.js';
import { nodeHash, TreeState } from '../src/tree.js';

const args = process.argv.slice(2);
const LEAVES = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const BASELINE = !args.includes('--no-baseline');

function ns(fn: () => void, iters: number): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / iters;
}

function best(runs: number, f: () => number): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) b = Math.min(b, f());
  return b;
}

const ft = FastTree.create();
if (ft === undefined) throw new Error('WebAssembly unavailable');

const l = randomBytes(32);
const r = randomBytes(32);

// Warm up (V8 tiers WASM up from Liftoff to TurboFan once functions are hot).
wasmNodeChain(l, r, 200_000);
for (let i = 0; i < 200_000; i++) wasmNodeHash(l, r);
for (let i = 0; i < 200_000; i++) nodeHash(l, r);

const N = 500_000;
const chain = best(5, () => ns(() => wasmNodeChain(l, r, N), N));
const perCall = best(5, () =>
  ns(() => {
    for (let i = 0; i < N; i++) wasmNodeHash(l, r);
  }, N),
);
const crypto = best(5, () =>
  ns(() => {
    for (let i = 0; i < N; i++) nodeHash(l, r);
  }, N),
);
console.log(`node hash, WASM, chained in one call:  ${chain.toFixed(0)} ns`);
console.log(`node hash, WASM, one JS call each:     ${perCall.toFixed(0)} ns (incl. the left child's midstate, copies, a 32-byte result)`);
console.log(`node hash, node:crypto crypto.hash:    ${crypto.toFixed(0)} ns`);

const leaves: Uint8Array[] = [];
const pool = randomBytes(32 * LEAVES);
for (let i = 0; i < LEAVES; i++) leaves.push(pool.subarray(32 * i, 32 * i + 32));

function runFast(): number {
  const t = FastTree.create()!;
  const out = new Uint8Array(32);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LEAVES; i++) {
    t.rootInto(out);
    t.appendLeaf(leaves[i]!);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function runTreeState(): number {
  const t = TreeState.empty();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LEAVES; i++) {
    t.root();
    t.appendLeaf(leaves[i]!);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// Both produce the same final root (sanity).
{
  const a = FastTree.create()!;
  const b = TreeState.empty();
  for (let i = 0; i < Math.min(LEAVES, 100_000); i++) {
    a.appendLeaf(leaves[i]!);
    b.appendLeaf(leaves[i]!);
  }
  if (Buffer.compare(Buffer.from(a.root()), Buffer.from(b.root())) !== 0) throw new Error('roots differ');
}

function runBatch(simd: boolean): number {
  const t = FastTree.create({ simd })!;
  const roots = new Uint8Array(32 * FastTree.BATCH);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LEAVES; i += FastTree.BATCH) {
    const k = Math.min(FastTree.BATCH, LEAVES - i);
    t.appendLeavesAndRoots(pool.subarray(32 * i, 32 * (i + k)), k, roots);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const line = randomBytes(389);
const expected = Buffer.alloc(32).toString('base64');
function runEntries(simd: boolean): number {
  const t = FastTree.create({ simd })!;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LEAVES; i++) {
    if (!t.stageEntry(line, expected)) {
      t.flushEntries();
      t.stageEntry(line, expected);
    }
  }
  t.flushEntries();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const rate = (s: number): string => `${(LEAVES / s / 1000).toFixed(0)}k leaves/s (${((s / LEAVES) * 1e9).toFixed(0)} ns/leaf)`;
const fast = best(3, runFast);
console.log(`root + appendLeaf per leaf, ${LEAVES.toLocaleString('en')} leaves:`);
console.log(`  FastTree:  ${rate(fast)}`);
const probe = FastTree.create()!;
probe.appendLeavesAndRoots(pool.subarray(0, 32), 1, new Uint8Array(32));
console.log(
  `  FastTree.appendLeavesAndRoots, ${FastTree.BATCH} at a time, SIMD${probe.simd ? '' : ' (unavailable: scalar)'}: ${rate(best(3, () => runBatch(true)))}`,
);
console.log(`  FastTree.appendLeavesAndRoots, scalar: ${rate(best(3, () => runBatch(false)))}`);
console.log(`  FastTree.stageEntry + flushEntries, 389-byte entries (leaf hash included), SIMD: ${rate(best(3, () => runEntries(true)))}`);
console.log(`  the same, scalar: ${rate(best(3, () => runEntries(false)))}`);
if (BASELINE) {
  const slow = best(2, runTreeState);
  console.log(`  TreeState: ${(LEAVES / slow / 1000).toFixed(0)}k leaves/s (${((slow / LEAVES) * 1e9).toFixed(0)} ns/leaf)`);
  console.log(`  speed-up:  ${(slow / fast).toFixed(2)}x`);
}
