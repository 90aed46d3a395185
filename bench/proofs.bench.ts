// Proof latency from storage at 1,000,000 entries (SQLite): inclusion and consistency proof generation,
// p50 and p99, beside a bare primary-key lookup of one tree node measured in the same run.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { generateSigner, verifyInclusion, leafHash, type SignerKey } from '@runledger/ledger';
import { LedgerReader, LedgerWriter, loadSigners, openStore, writeKeyFile, type StoreConfig } from '@runledger/store';
import { percentile, progress, status, statusDone, type Figure } from './lib.js';

const ORIGIN = 'bench.runledger.local/proofs';

async function build(config: StoreConfig, size: number): Promise<void> {
  const store = await openStore(config);
  const signer: SignerKey = generateSigner(ORIGIN);
  await writeKeyFile(config.home, signer);
  const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [signer] });
  await writer.init({ actor: { kind: 'system', id: 'bench' } });
  const t0 = performance.now();
  const wave = 4096;
  for (let done = 1; done < size;) {
    const n = Math.min(wave, size - done);
    await Promise.all(
      Array.from({ length: n }, (_, k) =>
        writer.append({
          type: 'run.step.finished',
          actor: { kind: 'service', id: 'engine' },
          subject: { kind: 'run', id: `r${(done + k) % 1000}` },
          data: { step: `s${(done + k) % 20}`, exitCode: 0 },
        }),
      ),
    );
    done += n;
    progress('ledger.proofs: building the ledger (not timed)', done, size, t0);
  }
  await writer.close();
  await store.close();
}

function sample(n: number, fn: (k: number) => Promise<void> | void): Promise<number[]> {
  return (async () => {
    const times: number[] = [];
    for (let k = 0; k < n; k++) {
      const t = performance.now();
      await fn(k);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  })();
}

export async function benchProofs(outDir: string, size: number): Promise<Figure[]> {
  const home = join(outDir, `proofs-${size}`);
  const file = join(home, 'runledger.db');
  const config: StoreConfig = { kind: 'sqlite', home, file, busyTimeoutMs: 5000, warnings: [] };
  if (!existsSync(file) || !existsSync(join(home, 'complete'))) {
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    await build(config, size);
    mkdirSync(join(home, 'complete'));
  }
  statusDone();
  status('ledger.proofs: measuring…');
  const store = await openStore(config);
  await loadSigners(home);
  const reader = new LedgerReader(store);
  const head = await reader.head();
  const n = head.size;
  let seed = 12345;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % m;
  };
  const samples = 5000;
  // Warm-up and a correctness spot check: a proof that does not verify would make the figure meaningless.
  for (let k = 0; k < 200; k++) {
    const i = rnd(n);
    const p = await reader.inclusionProof(i, n);
    const e = await reader.entry(i);
    if (!verifyInclusion(i, n, leafHash(e!.bytes), p, head.root)) throw new Error(`inclusion proof for ${i} does not verify`);
  }
  const inc = await sample(samples, async () => void (await reader.inclusionProof(rnd(n), n)));
  const con = await sample(samples, async () => void (await reader.consistencyProof(1 + rnd(n - 1), n)));
  await store.close();
  // Baseline: one prepared primary-key lookup of a tree node, the floor of any proof read.
  const raw = new BetterSqlite3(file, { readonly: true });
  const st = raw.prepare('SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?');
  const base = await sample(samples, () => void st.get(0, rnd(n)));
  raw.close();
  statusDone();
  const us = (ms: number): number => ms * 1000;
  const b99 = us(percentile(base, 99));
  const b50 = us(percentile(base, 50));
  return [
    {
      section: 'ledger.proofs',
      name: `inclusion proof p50 @ ${n.toLocaleString('en-US')}`,
      value: us(percentile(inc, 50)),
      unit: 'µs',
      baseline: { name: 'one PK node lookup p50', value: b50 },
    },
    {
      section: 'ledger.proofs',
      name: `inclusion proof p99 @ ${n.toLocaleString('en-US')}`,
      value: us(percentile(inc, 99)),
      unit: 'µs',
      baseline: { name: 'one PK node lookup p99', value: b99 },
      goal: 'p99 < 1,000 µs',
      met: us(percentile(inc, 99)) < 1000,
    },
    {
      section: 'ledger.proofs',
      name: `consistency proof p50 @ ${n.toLocaleString('en-US')}`,
      value: us(percentile(con, 50)),
      unit: 'µs',
      baseline: { name: 'one PK node lookup p50', value: b50 },
    },
    {
      section: 'ledger.proofs',
      name: `consistency proof p99 @ ${n.toLocaleString('en-US')}`,
      value: us(percentile(con, 99)),
      unit: 'µs',
      baseline: { name: 'one PK node lookup p99', value: b99 },
      goal: 'p99 < 2,000 µs',
      met: us(percentile(con, 99)) < 2000,
    },
  ];
}
