// Export verification throughput on a 1,000,000-entry bundle, against a bare read+parse+SHA-256 loop.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { hash } from 'node:crypto';
import { join } from 'node:path';
import { verifyBundleDir } from '@runledger/ledger/verify-cli';
import { generateBundle } from './fixtures.js';
import { status, statusDone, type Figure } from './lib.js';

/** The baseline: the least any verifier must do — read each line, parse it, hash it. */
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

function best(runs: number, fn: () => number): { perSec: number; count: number } {
  let bestMs = Infinity;
  let count = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    count = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return { perSec: (count / bestMs) * 1000, count };
}

export async function benchVerify(outDir: string, size: number): Promise<Figure[]> {
  const dir = join(outDir, `bundle-${size}`);
  if (!existsSync(join(dir, 'bundle', 'MANIFEST.json'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    status(`ledger.verify: generating a ${size.toLocaleString('en-US')}-entry export (not timed)…`);
    generateBundle(join(dir, 'bundle'), size);
  }
  const entries = join(dir, 'bundle', 'entries.jsonl');
  status('ledger.verify: baseline (read + JSON.parse + SHA-256 per line)…');
  const base = best(3, () => bareLoop(entries));
  status('ledger.verify: runledger verify…');
  let verified = true;
  const ours = best(3, () => {
    const r = verifyBundleDir({ bundle: join(dir, 'bundle'), trust: [join(dir, 'trust.vkeys')], anchors: [], json: false });
    if (!r.ok) verified = false;
    return r.ok ? r.size : 0;
  });
  statusDone();
  if (!verified) throw new Error('benchmark bundle did not verify');
  const r = ours.perSec / base.perSec;
  return [
    {
      section: 'ledger.verify',
      name: `verify ${size.toLocaleString('en-US')}-entry export`,
      value: ours.perSec,
      unit: 'entries/s',
      baseline: { name: 'bare read + parse + SHA-256 loop', value: base.perSec },
      goal: '≥ 0.5× baseline and ≥ 150,000 entries/s',
      met: r >= 0.5 && ours.perSec >= 150_000,
    },
  ];
}
