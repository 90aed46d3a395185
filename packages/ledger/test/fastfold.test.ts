import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createBatchTree, FastTree, JsBatchTree, trailingOnes, wasmNodeChain, wasmNodeHash, type BatchTree } from '../src/fastfold/index.js';
import { WASM_BASE64, WASM_X4_BASE64 } from '../src/fastfold/wasm.js';
import { toBase64 } from '../src/bytes.js';
import { canonicalize } from '../src/jcs.js';
import { parseVkey } from '../src/note.js';
import { EMPTY_ROOT, leafHash, nodeHash, TreeState } from '../src/tree.js';
import { BundleVerifier } from '../src/verifier.js';
import { buildFixture } from './bundle-fixture.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

function newTree(): FastTree {
  const t = FastTree.create();
  assert.ok(t, 'WebAssembly is available on Node 20');
  return t;
}

function refNode(l: Uint8Array, r: Uint8Array): string {
  return createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest('hex');
}

test('the generated modules compile', () => {
  const api = (globalThis as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
  for (const b64 of [WASM_BASE64, WASM_X4_BASE64]) {
    const bytes = Buffer.from(b64, 'base64');
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    // Node 20 has WebAssembly SIMD: the x4 module validates here.
    assert.ok(api?.validate(bytes));
  }
});

test('the empty tree has root SHA-256("")', () => {
  // The first instance of the process computes the block-2 schedules, later ones copy them: this
  // test runs first, so hash here too.
  const t = newTree();
  assert.equal(t.size, 0);
  assert.equal(hex(t.root()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(t.root()), hex(EMPTY_ROOT));
  const out = new Uint8Array(32).fill(7);
  t.rootInto(out);
  assert.equal(hex(out), hex(EMPTY_ROOT));
  const ref = TreeState.empty();
  for (let i = 0; i < 300; i++) {
    const leaf = randomBytes(32);
    t.appendLeaf(leaf);
    ref.appendLeaf(leaf);
    assert.equal(hex(t.root()), hex(ref.root()));
  }
});

test('a single node hash matches node:crypto for every value of right[31]', () => {
  for (let v = 0; v < 256; v++) {
    for (let k = 0; k < 4; k++) {
      const l = randomBytes(32);
      const r = randomBytes(32);
      r[31] = v;
      if (k === 0) l.fill(v); // structured inputs too
      if (k === 1) r.fill(v);
      assert.equal(hex(wasmNodeHash(l, r)!), refNode(l, r), `right[31] = ${v}`);
      assert.equal(hex(wasmNodeHash(l, r)!), hex(nodeHash(l, r)));
    }
  }
  const zero = new Uint8Array(32);
  const ones = new Uint8Array(32).fill(0xff);
  assert.equal(hex(wasmNodeHash(zero, zero)!), refNode(zero, zero));
  assert.equal(hex(wasmNodeHash(ones, ones)!), refNode(ones, ones));
  assert.equal(hex(wasmNodeHash(zero, ones)!), refNode(zero, ones));
});

test('chained node hashes inside WASM match node:crypto', () => {
  const l = randomBytes(32);
  const r = randomBytes(32);
  let x: Uint8Array = r;
  for (let i = 0; i < 1000; i++) {
    if (i === 0 || i === 1 || i === 17 || i === 999) assert.equal(hex(wasmNodeChain(l, r, i)!), hex(x), `after ${i}`);
    x = nodeHash(l, x);
  }
  assert.equal(hex(wasmNodeChain(l, r, 1000)!), hex(x));
});

test('RFC 6962 test vectors', () => {
  const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  // Roots of the first n leaves, n = 1..8 (the tree hashes in RFC 6962's reference test data).
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const t = newTree();
  const ref = TreeState.empty();
  for (const [i, input] of inputs.entries()) {
    const leaf = leafHash(fromHex(input));
    t.appendLeaf(leaf);
    ref.appendLeaf(leaf);
    assert.equal(t.size, i + 1);
    assert.equal(hex(t.root()), roots[i], `root of ${i + 1} leaves`);
    assert.equal(hex(ref.root()), roots[i]);
  }
});

test('roots equal TreeState roots after every append, sizes 0..2000', () => {
  const t = newTree();
  const ref = TreeState.empty();
  const out = new Uint8Array(32);
  assert.equal(hex(t.root()), hex(ref.root()));
  for (let i = 1; i <= 2000; i++) {
    const leaf = randomBytes(32);
    t.appendLeaf(leaf);
    ref.appendLeaf(leaf);
    assert.equal(t.size, ref.size);
    const expected = hex(ref.root());
    assert.equal(hex(t.root()), expected, `size ${i}`);
    t.rootInto(out);
    assert.equal(hex(out), expected, `size ${i} (rootInto)`);
  }
});

test('roots stay correct when root is not asked after every append', () => {
  const t = newTree();
  const ref = TreeState.empty();
  for (let i = 1; i <= 5000; i++) {
    const leaf = randomBytes(32);
    t.appendLeaf(leaf);
    ref.appendLeaf(leaf);
    if (i % 97 === 0 || (i & (i - 1)) === 0 || i === 5000) assert.equal(hex(t.root()), hex(ref.root()), `size ${i}`);
  }
});

test('trees are independent of each other', () => {
  const a = newTree();
  const b = newTree();
  const ra = TreeState.empty();
  const rb = TreeState.empty();
  for (let i = 0; i < 300; i++) {
    const x = randomBytes(32);
    a.appendLeaf(x);
    ra.appendLeaf(x);
    if (i % 3 === 0) {
      const y = randomBytes(32);
      b.appendLeaf(y);
      rb.appendLeaf(y);
    }
    assert.equal(hex(a.root()), hex(ra.root()));
    assert.equal(hex(b.root()), hex(rb.root()));
  }
  assert.equal(a.size, 300);
  assert.equal(b.size, 100);
  // Interleaved single-hash calls use their own instance.
  wasmNodeHash(randomBytes(32), randomBytes(32));
  assert.equal(hex(a.root()), hex(ra.root()));
});

test('root() returns a fresh copy; rootInto writes only 32 bytes', () => {
  const t = newTree();
  t.appendLeaf(randomBytes(32));
  t.appendLeaf(randomBytes(32));
  const r1 = t.root();
  const r2 = t.root();
  assert.notEqual(r1, r2);
  assert.equal(hex(r1), hex(r2));
  r1.fill(0);
  assert.equal(hex(t.root()), hex(r2));
  const big = new Uint8Array(40).fill(0xaa);
  t.rootInto(big);
  assert.equal(hex(big.subarray(0, 32)), hex(r2));
  assert.equal(hex(big.subarray(32)), 'aa'.repeat(8));
  // A leaf that is a view into a larger buffer, at an odd offset.
  const backing = randomBytes(100);
  const leaf = backing.subarray(3, 35);
  const ref = TreeState.empty();
  const u = newTree();
  ref.appendLeaf(leaf);
  u.appendLeaf(leaf);
  assert.equal(hex(u.root()), hex(ref.root()));
});

test('bad inputs are refused without changing the tree', () => {
  const t = newTree();
  assert.throws(() => t.appendLeaf(new Uint8Array(31)), /32 bytes/);
  assert.throws(() => t.appendLeaf(new Uint8Array(33)), /32 bytes/);
  assert.throws(() => t.rootInto(new Uint8Array(31)), /32 bytes/);
  assert.equal(t.size, 0);
  assert.equal(hex(t.root()), hex(EMPTY_ROOT));
});

test('trailingOnes is exact for every safe integer size', () => {
  const ref = (n: number): number => {
    let x = BigInt(n);
    let c = 0;
    while ((x & 1n) === 1n) {
      c++;
      x >>= 1n;
    }
    return c;
  };
  const cases = [
    0,
    1,
    2,
    3,
    7,
    8,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 32 + 1,
    2 ** 33 - 1,
    2 ** 33 + 2 ** 32 - 1,
    2 ** 52 - 1,
    2 ** 52,
    2 ** 53 - 2,
    2 ** 53 - 1,
    Number.MAX_SAFE_INTEGER,
    6 * 2 ** 32 + 0xffffffff,
  ];
  for (let i = 0; i < 2000; i++) cases.push(i, Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));
  for (let k = 0; k <= 53; k++) cases.push(2 ** k - 1, 2 ** k);
  for (const n of cases) {
    if (n > Number.MAX_SAFE_INTEGER) continue;
    assert.equal(trailingOnes(n), ref(n), `n = ${n}`);
  }
  assert.equal(trailingOnes(2 ** 53 - 1), 53);
});

test('wasm.ts is generated from the current sha256.wat and sha256x4.wat', async () => {
  // wabt is a root devDependency: `npm ci` always installs it, so its absence is a broken install.
  const wabtModule = await import('wabt');
  const { readFileSync } = await import('node:fs');
  const wabt = await wabtModule.default();
  for (const [name, b64] of [
    ['sha256.wat', WASM_BASE64],
    ['sha256x4.wat', WASM_X4_BASE64],
  ] as const) {
    const wat = readFileSync(new URL(`../src/fastfold/${name}`, import.meta.url), 'utf8');
    const mod = wabt.parseWat(name, wat, { simd: true });
    try {
      mod.resolveNames();
      mod.validate();
      const bytes = mod.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer;
      assert.equal(Buffer.from(bytes).toString('base64'), b64, `${name}: run npm run build:wasm -w @runledger/ledger`);
    } finally {
      mod.destroy();
    }
  }
});

// ---- Batches ----

/** The trees under test: the SIMD path (four lanes) and the scalar path of the same module. */
function batchTrees(): Array<{ name: string; tree: FastTree }> {
  const simd = newTreeWith({ simd: true });
  const scalar = newTreeWith({ simd: false });
  return [
    { name: 'simd', tree: simd },
    { name: 'scalar', tree: scalar },
  ];
}

function newTreeWith(opts: { simd: boolean }): FastTree {
  const t = FastTree.create(opts);
  assert.ok(t);
  return t;
}

/** A deterministic stream of pseudo-random bytes (xorshift), so a failure can be replayed. */
function prng(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

test('appendLeavesAndRoots equals TreeState after every append, sizes 0..5000, SIMD and scalar', () => {
  const rand = prng(1);
  const N = 5000;
  const leaves = rand(32 * N);
  for (const { name, tree } of batchTrees()) {
    const ref = TreeState.empty();
    const roots = new Uint8Array(32 * N);
    // Batch sizes that exercise every lane remainder, single appends in between, and > 256 (split).
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 31, 64, 255, 256, 257, 600, 1];
    let done = 0;
    let s = 0;
    while (done < N) {
      const k = Math.min(steps[s++ % steps.length]!, N - done);
      if (s % 5 === 0) {
        // A single append between batches: the cached root must be dropped.
        tree.appendLeaf(leaves.subarray(32 * done, 32 * done + 32));
        ref.appendLeaf(leaves.subarray(32 * done, 32 * done + 32));
        assert.equal(hex(tree.root()), hex(ref.root()), `${name}: size ${done + 1} after appendLeaf`);
        done++;
        continue;
      }
      tree.appendLeavesAndRoots(leaves.subarray(32 * done), k, roots.subarray(32 * done));
      for (let j = 0; j < k; j++) {
        ref.appendLeaf(leaves.subarray(32 * (done + j), 32 * (done + j + 1)));
        assert.equal(hex(roots.subarray(32 * (done + j), 32 * (done + j + 1))), hex(ref.root()), `${name}: size ${done + j + 1}`);
      }
      done += k;
      assert.equal(tree.size, done);
      assert.equal(hex(tree.root()), hex(ref.root()), `${name}: root() at ${done}`);
    }
  }
});

test('batch roots equal TreeState across sizes near 2^20, 2^32 and 2^53 (from random peaks)', () => {
  const rand = prng(2);
  const starts = [2 ** 20 - 300, 3 * 2 ** 19 - 5, 2 ** 32 - 200, 2 ** 33 + 2 ** 32 - 150, Number.MAX_SAFE_INTEGER - 400];
  for (const start of starts) {
    let bits = 0;
    for (let n = start; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    const peaks = Array.from({ length: bits }, () => rand(32));
    const ref = TreeState.fromPeaks(start, peaks);
    const count = Math.min(600, Number.MAX_SAFE_INTEGER - start);
    const leaves = rand(32 * count);
    for (const simd of [true, false]) {
      const t = FastTree.fromPeaks(start, peaks, { simd });
      assert.ok(t);
      assert.equal(hex(t.root()), hex(ref.root()), `start ${start}`);
      const roots = new Uint8Array(32 * count);
      let done = 0;
      for (const k of [1, 3, 4, 5, 256, 131, 200]) {
        const m = Math.min(k, count - done);
        t.appendLeavesAndRoots(leaves.subarray(32 * done), m, roots.subarray(32 * done));
        done += m;
      }
      assert.equal(done, count);
      assert.equal(t.size, start + count);
      const r = ref.clone();
      for (let j = 0; j < count; j++) {
        r.appendLeaf(leaves.subarray(32 * j, 32 * j + 32));
        assert.equal(hex(roots.subarray(32 * j, 32 * j + 32)), hex(r.root()), `simd ${simd}: size ${start + j + 1}`);
      }
    }
  }
});

test('fromPeaks checks the peak count; the tree refuses to pass 2^53-1', () => {
  assert.throws(() => FastTree.fromPeaks(5, [new Uint8Array(32)]), /2 peaks/);
  assert.throws(() => FastTree.fromPeaks(1, [new Uint8Array(31)]), /32/);
  let bits = 0;
  for (let n = Number.MAX_SAFE_INTEGER; n > 0; n = Math.floor(n / 2)) bits += n % 2;
  const t = FastTree.fromPeaks(
    Number.MAX_SAFE_INTEGER - 1,
    Array.from({ length: bits - 1 }, () => randomBytes(32)),
  )!;
  assert.throws(() => t.appendLeavesAndRoots(new Uint8Array(64), 2, new Uint8Array(64)), /2\^53-1/);
  t.appendLeavesAndRoots(new Uint8Array(32), 1, new Uint8Array(32));
  assert.equal(t.size, Number.MAX_SAFE_INTEGER);
  assert.ok(t.stageEntry(new Uint8Array(1), ''));
  assert.throws(() => t.flushEntries(), /2\^53-1/);
});

test('stageEntry + flushEntries: leaf hashes and roots equal leafHash + TreeState, every length class', () => {
  const rand = prng(4);
  const check = (name: string, tree: BatchTree): void => {
    const ref = TreeState.empty();
    for (let b = 0; b < 40; b++) {
      // 1..256 entries; lengths 0..700 bytes, around every block boundary (0x00 || line || 9 bytes).
      const n = 1 + ((b * 53) % 256);
      const lines = Array.from({ length: n }, (_, i) => rand(b % 7 === 0 ? 54 + (i % 4) : (i * 31 + b * 7) % 700));
      // Expected roots: right ones, or (in some batches) one wrong at a random place.
      const expected: string[] = [];
      const r = ref.clone();
      for (const l of lines) {
        expected.push(Buffer.from(r.root()).toString('base64'));
        r.appendLeaf(leafHash(l));
      }
      const wrongAt = b % 4 === 1 ? (b * 13) % n : -1;
      if (wrongAt >= 0) expected[wrongAt] = Buffer.from(rand(32)).toString('base64');
      for (const [j, l] of lines.entries()) assert.ok(tree.stageEntry(l, expected[j]!));
      assert.equal(tree.staged, n);
      const before = hex(ref.root());
      assert.equal(tree.flushEntries(), wrongAt, `${name}: batch ${b} mismatch`);
      const k = n;
      assert.equal(tree.staged, 0);
      assert.equal(hex(tree.batchRoot(0)), before, `${name}: batch ${b} root 0`);
      for (let j = 0; j < k; j++) {
        const leaf = leafHash(lines[j]!);
        assert.equal(hex(tree.batchLeaf(j)), hex(leaf), `${name}: batch ${b} leaf ${j} (${lines[j]!.length} bytes)`);
        ref.appendLeaf(leaf);
        assert.equal(tree.batchRootBase64(j + 1), Buffer.from(ref.root()).toString('base64'), `${name}: batch ${b} root ${j + 1}`);
        assert.equal(hex(tree.batchRoot(j + 1)), hex(ref.root()));
      }
      assert.equal(tree.size, ref.size);
      assert.equal(hex(tree.root()), hex(ref.root()));
      if (b % 3 === 0) {
        // Single appends between batches.
        const leaf = rand(32);
        tree.appendLeaf(leaf);
        ref.appendLeaf(leaf);
      }
    }
  };
  for (const { name, tree } of batchTrees()) check(name, tree);
  check('js', new JsBatchTree());
  check('default', createBatchTree());
});

test('stageEntry refuses a full batch without staging; big lines and a 64 KiB line hash right', () => {
  for (const { name, tree } of batchTrees()) {
    const rand = prng(5);
    for (let i = 0; i < FastTree.BATCH; i++) assert.ok(tree.stageEntry(rand(3), ''));
    assert.equal(tree.stageEntry(rand(3), ''), false, name);
    assert.equal(tree.staged, FastTree.BATCH);
    assert.equal(tree.flushEntries(), 0);
    assert.equal(tree.staged, 0);
    // Line space runs out before 256 entries of 60 KiB.
    const ref = TreeState.empty();
    for (let j = 0; j < FastTree.BATCH; j++) ref.appendLeaf(leafHash(rand(3)));
    const big = Array.from({ length: 40 }, (_, i) => rand(60_000 + i));
    let staged = 0;
    while (staged < big.length && tree.stageEntry(big[staged]!, '')) staged++;
    assert.ok(staged > 4 && staged < big.length, `${name}: staged ${staged}`);
    tree.flushEntries();
    for (let j = 0; j < staged; j++) assert.equal(hex(tree.batchLeaf(j)), hex(leafHash(big[j]!)), `${name}: big line ${j}`);
    const line64k = rand(64 * 1024);
    assert.ok(tree.stageEntry(line64k, ''));
    tree.flushEntries();
    assert.equal(hex(tree.batchLeaf(0)), hex(leafHash(line64k)));
  }
});

test('batch results and inputs are checked', () => {
  const t = newTreeWith({ simd: true });
  assert.throws(() => t.batchRoot(0), RangeError);
  t.appendLeavesAndRoots(randomBytes(64), 2, new Uint8Array(64));
  assert.doesNotThrow(() => t.batchRoot(2));
  assert.throws(() => t.batchRoot(3), RangeError);
  assert.throws(() => t.batchLeaf(2), RangeError);
  assert.throws(() => t.appendLeavesAndRoots(new Uint8Array(63), 2, new Uint8Array(64)), /64 bytes/);
  assert.throws(() => t.appendLeavesAndRoots(new Uint8Array(64), 2, new Uint8Array(63)), /64 bytes/);
  t.stageEntry(new Uint8Array(1), '');
  assert.throws(() => t.appendLeavesAndRoots(new Uint8Array(32), 1, new Uint8Array(32)), /staged/);
  t.flushEntries();
  // An empty flush keeps the tree as it is.
  const r = hex(t.root());
  assert.equal(t.flushEntries(), -1);
  assert.equal(hex(t.root()), r);
  assert.equal(hex(t.batchRoot(0)), r);
  // From the empty tree, root 0 is SHA-256("").
  const e = newTreeWith({ simd: true });
  e.stageEntry(new Uint8Array(0), Buffer.from(EMPTY_ROOT).toString('base64'));
  assert.equal(e.flushEntries(), -1);
  assert.equal(hex(e.batchRoot(0)), hex(EMPTY_ROOT));
  assert.equal(hex(e.batchRoot(1)), hex(leafHash(new Uint8Array(0))));
});

test('flushEntries compares the expected roots exactly as strings', () => {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  /** Strings that are not `good` but come close: lengths, padding, non-ASCII, case, same bytes. */
  const variants = (good: string): string[] => {
    const v = [
      good.slice(0, 43),
      `${good}=`,
      good.replace(/=$/, 'A'),
      // Characters whose low byte is the right ASCII character.
      `${good.slice(0, 10)}${String.fromCharCode(good.charCodeAt(10) + 0x100)}${good.slice(11)}`,
      `${good.slice(0, 43)}${String.fromCharCode(0x3d + 0x100)}`,
      '',
      ` ${good.slice(1)}`,
      good.toLowerCase(),
      // Other unused low bits in the last character: the same 32 bytes, another string.
      `${good.slice(0, 42)}${B64[B64.indexOf(good[42]!) ^ 1]}=`,
    ];
    assert.ok(Buffer.from(v.at(-1)!, 'base64').equals(Buffer.from(good, 'base64')));
    return v.filter((x) => x !== good);
  };
  const trees: Array<[string, BatchTree]> = [...batchTrees().map((t): [string, BatchTree] => [t.name, t.tree]), ['js', new JsBatchTree()]];
  for (const [name, tree] of trees) {
    const ref = TreeState.empty();
    let line = 0;
    const stage = (expected: string): void => {
      const l = Uint8Array.of(line++ & 0xff, line >> 8);
      assert.ok(tree.stageEntry(l, expected));
      ref.appendLeaf(leafHash(l));
    };
    for (let i = 0; i < 5; i++) stage(b64(ref.root()));
    assert.equal(tree.flushEntries(), -1, name);
    for (const at of [0, 1, 2, 3, 4, 6]) {
      for (let k = 0; k < variants(b64(ref.root())).length; k++) {
        // Right roots before `at`, then variant k of the right one, then right ones again.
        let wrong = '';
        for (let j = 0; j < 8; j++) {
          const good = b64(ref.root());
          if (j === at) wrong = variants(good)[k]!;
          stage(j === at ? wrong : good);
        }
        assert.equal(tree.flushEntries(), at, `${name}: ${JSON.stringify(wrong)} at ${at}`);
        // The batch went in all the same.
        assert.equal(b64(tree.root()), b64(ref.root()));
      }
    }
  }
});

// ---- The verifier's batches reproduce the one-entry-at-a-time outcome ----

test('BundleVerifier: every batch size gives the outcome of checking each entry on its own', () => {
  const size = 300;
  const f = buildFixture({
    size,
    checkpointAt: [100, 256, 257],
    rotateAt: 270,
    consistency: [
      [100, 300],
      [257, 300],
      [1, 270],
    ],
    receipts: [0, 255, 256, 299],
  });
  const trusted = [parseVkey(f.signers[0]!.vkey)];
  const anchors = [f.checkpointNotes.get(256)!, f.checkpointNotes.get(257)!];
  const enc = new TextEncoder();
  const text = (l: Uint8Array): string => Buffer.from(l).toString('utf8');
  const edit = (lines: Uint8Array[], i: number, fn: (o: Record<string, unknown>) => void): Uint8Array[] => {
    const out = [...lines];
    const o = JSON.parse(text(out[i]!)) as Record<string, unknown>;
    fn(o);
    out[i] = enc.encode(canonicalize(o));
    return out;
  };
  const raw = (lines: Uint8Array[], i: number, fn: (b: Uint8Array) => Uint8Array): Uint8Array[] => {
    const out = [...lines];
    out[i] = fn(out[i]!);
    return out;
  };
  const otherRoot = toBase64(f.roots[3]!);
  const sameBytes = (i: number): string => {
    const good = toBase64(f.roots[i]!);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    return `${good.slice(0, 42)}${B64[B64.indexOf(good[42]!) ^ 1]}=`;
  };
  const cases: Array<{ name: string; lines: Uint8Array[]; tail?: number }> = [{ name: 'intact', lines: f.lines }];
  const positions = [1, 2, 5, 100, 101, 255, 256, 257, 258, 270, 271, 299];
  for (const i of positions) {
    cases.push(
      { name: `prev of another size at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = otherRoot)) },
      { name: `prev with other unused bits at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = sameBytes(i))) },
      { name: `prev not base64 at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = `${'!'.repeat(43)}=`)) },
      { name: `prev too short at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = otherRoot.slice(0, 40))) },
      { name: `prev not a string at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = 7)) },
      { name: `prev non-ASCII at ${i}`, lines: edit(f.lines, i, (o) => (o.prev = `${toBase64(f.roots[i]!).slice(0, 43)}\u013d`)) },
      { name: `seq at ${i}`, lines: edit(f.lines, i, (o) => (o.seq = i + 1)) },
      { name: `ledger at ${i}`, lines: edit(f.lines, i, (o) => (o.ledger = 'other/ledger')) },
      { name: `version at ${i}`, lines: edit(f.lines, i, (o) => (o.v = 2)) },
      { name: `unknown field at ${i}`, lines: edit(f.lines, i, (o) => (o.zz = 1)) },
      { name: `bad ts and bad prev at ${i}`, lines: edit(f.lines, i, (o) => ((o.ts = 'yesterday'), (o.prev = 'x'))) },
      { name: `bad ts at ${i}`, lines: edit(f.lines, i, (o) => (o.ts = '2026-02-30T00:00:00.000Z')) },
      { name: `data edited at ${i}`, lines: edit(f.lines, i, (o) => (o.data = { edited: true })) },
      { name: `genesis again at ${i}`, lines: edit(f.lines, i, (o) => (o.type = 'ledger.genesis')) },
      { name: `rotation at ${i}`, lines: edit(f.lines, i, (o) => ((o.type = 'ledger.key.rotate'), (o.data = { add: [], retire: [] }))) },
      { name: `U+FFFD in data at ${i}`, lines: edit(f.lines, i, (o) => (o.data = { s: '\ufffd' })) },
      { name: `invalid UTF-8 at ${i}`, lines: raw(f.lines, i, (b) => Uint8Array.from([...b.subarray(0, 20), 0xff, ...b.subarray(21)])) },
      { name: `BOM at ${i}`, lines: raw(f.lines, i, (b) => Uint8Array.from([0xef, 0xbb, 0xbf, ...b])) },
      { name: `not canonical at ${i}`, lines: raw(f.lines, i, (b) => enc.encode(` ${text(b)}`)) },
      { name: `not JSON at ${i}`, lines: raw(f.lines, i, (b) => b.subarray(0, b.length - 1)) },
      { name: `too big at ${i}`, lines: raw(f.lines, i, () => new Uint8Array(64 * 1024 + 1).fill(0x20)) },
      { name: `dropped at ${i}`, lines: f.lines.filter((_, j) => j !== i) },
      { name: `duplicated at ${i}`, lines: [...f.lines.slice(0, i + 1), ...f.lines.slice(i)] },
      { name: `truncated after ${i}`, lines: f.lines.slice(0, i) },
      { name: `unterminated after ${i}`, lines: f.lines.slice(0, i), tail: 10 },
      // An earlier prev mismatch wins over a later failure of any kind.
      {
        name: `prev at ${i - 1}, not JSON at ${i}`,
        lines: raw(
          edit(f.lines, i - 1, (o) => (o.prev = otherRoot)),
          i,
          (b) => b.subarray(1),
        ),
      },
      {
        name: `prev at ${i - 1}, seq at ${i}`,
        lines: edit(
          edit(f.lines, i - 1, (o) => (o.prev = otherRoot)),
          i,
          (o) => (o.seq = 0),
        ),
      },
    );
  }
  cases.push({ name: 'unterminated, whole', lines: f.lines, tail: 3 });
  const verify = (lines: Uint8Array[], batch: number, tail?: number): unknown => {
    const v = new BundleVerifier(f.files, { trusted, anchors, batch });
    for (const l of lines) if (!v.push(l)) break;
    if (tail !== undefined) v.pushUnterminated(tail);
    return { ...v.finish(), size: v.size };
  };
  let failed = 0;
  for (const c of cases) {
    const want = verify(c.lines, 0, c.tail);
    if (c.name === 'intact') assert.equal((want as { ok: boolean }).ok, true);
    else failed += (want as { ok: boolean }).ok ? 0 : 1;
    for (const batch of [1, 5, 256]) assert.deepEqual(verify(c.lines, batch, c.tail), want, `${c.name}, batch ${batch}`);
  }
  assert.ok(failed > cases.length * 0.9, `${failed} of ${cases.length} tamperings fail`);
  assert.throws(() => new BundleVerifier(f.files, { trusted, batch: 257 }), RangeError);
});
