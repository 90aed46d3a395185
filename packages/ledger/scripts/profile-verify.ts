// Times the offline verifier on the benchmark bundle (bench/out/bundle-N/, made by `npm run bench`)
// against the bare read + JSON.parse + SHA-256 loop, once each or `--runs R` times (best of R).
// For profiling: node --cpu-prof --conditions=source --import tsx packages/ledger/scripts/profile-verify.ts --no-baseline
//   node --conditions=source --import tsx packages/ledger/scripts/profile-verify.ts [--size N] [--runs R] [--no-baseline]
import { closeSync, openSync, readSync } from 'node:fs';
import { hash } from 'node:crypto';
import { join } from 'node:path';
import { verifyBundleDir } from '../src/bin/verify-cli.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const size = opt('--size', 1_000_000);
const runs = opt('--runs', 1);
const dir = join(process.cwd(), 'bench', 'out', `bundle-${size}`);

function bareLoop(path: string): number {
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(8 << 20);
  let carry: Buffer = Buffer.alloc(0);
  let count = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const line = buf.subarray(start, nl);
      JSON.parse(line.toString('utf8'));
      hash('sha256', line, 'buffer');
      count++;
      start = nl + 1;
    }
    carry = Buffer.from(buf.subarray(start));
  }
  closeSync(fd);
  return count;
}

function best(fn: () => number): number {
  let bestMs = Infinity;
  let count = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    count = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return (count / bestMs) * 1000;
}

const base = args.includes('--no-baseline') ? undefined : best(() => bareLoop(join(dir, 'bundle', 'entries.jsonl')));
const ours = best(() => {
  const r = verifyBundleDir({ bundle: join(dir, 'bundle'), trust: [join(dir, 'trust.vkeys')], anchors: [], json: false });
  if (!r.ok) throw new Error(`did not verify: ${r.reason} ${r.detail}`);
  return r.size;
});
console.log(
  `verify: ${Math.round(ours).toLocaleString('en-US')} entries/s` +
    (base === undefined ? '' : `; bare loop: ${Math.round(base).toLocaleString('en-US')} lines/s; ratio ${(ours / base).toFixed(3)}`),
);
