// Release evidence: a bundle of a release's 1,000 ledger entries (one file each, read from the store)
// citing 100 of them with receipts, written by writeEvidenceBundle (entries, receipts, manifest, the
// pinning append and its receipt, staged and renamed) and verified as `runledger-verify evidence`
// does. Baselines in the same run: the same files written with fs.writeFile + SHA-256, and SHA-256
// over the same files.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RELEASE_EVIDENCE_KIND } from '@runledger/ledger';
import { verifyEvidenceDir } from '@runledger/ledger/verify-cli';
import { evidenceLedgerOf, initLedger, openLedger, TRUST_FILE, writeEvidenceBundle, type BundleFile, type LedgerContext } from '@runledger/runtime';
import { status, statusDone, type Figure } from './lib.js';

const ENTRIES = 1000;
const RECEIPTS = 100;
const RUNS = 5;
const actor = { kind: 'system' as const, id: 'bench' };
const subject = { kind: 'release', id: 'rel-bench' };

/** Every file under dir, by relative path, with its bytes. */
function readTree(dir: string, rel = ''): Array<{ path: string; bytes: Buffer }> {
  return readdirSync(join(dir, rel))
    .sort()
    .flatMap((name) => {
      const r = rel === '' ? name : `${rel}/${name}`;
      return statSync(join(dir, r)).isDirectory() ? readTree(dir, r) : [{ path: r, bytes: readFileSync(join(dir, r)) }];
    });
}

async function plainWrite(dir: string, files: ReadonlyArray<{ path: string; bytes: Buffer }>): Promise<void> {
  await mkdir(dir);
  for (const f of files) {
    const abs = join(dir, f.path);
    if (f.path.includes('/')) await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, f.bytes);
    createHash('sha256').update(f.bytes).digest('hex');
  }
}

function plainHash(dir: string): number {
  return readTree(dir).reduce((n, f) => n + createHash('sha256').update(f.bytes).digest().length, 0);
}

async function best(fn: (run: number) => Promise<void> | void): Promise<number> {
  let ms = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    await fn(run);
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

export async function benchEvidence(): Promise<Figure[]> {
  const root = mkdtempSync(join(tmpdir(), 'runledger-bench-evidence-'));
  let ctx: LedgerContext | undefined;
  try {
    const home = join(root, 'home');
    mkdirSync(home);
    const env = { ...process.env, RUNLEDGER_HOME: home } as Record<string, string | undefined>;
    delete env.RUNLEDGER_DATABASE_URL;
    await initLedger({ env, home }, { origin: 'bench.runledger.local/evidence', actor });
    ctx = await openLedger({ env, home }, { write: true });
    const { writer, reader } = ctx;
    status(`ledger.evidence: appending the release's ${ENTRIES.toLocaleString('en-US')} entries (not timed)…`);
    const seqs = (
      await Promise.all(
        Array.from({ length: ENTRIES }, (_, i) =>
          writer!.append({
            type: 'release.step',
            actor,
            subject,
            data: { step: i, exitCode: 0, stdoutSha256: createHash('sha256').update(String(i)).digest('hex') },
          }),
        ),
      )
    ).map((r) => r.seq);
    const first = Math.min(...seqs);
    const cite = seqs.filter((_, i) => i % (ENTRIES / RECEIPTS) === 0);
    const ledger = evidenceLedgerOf(writer!, reader);
    async function* files(): AsyncGenerator<BundleFile> {
      yield { path: 'release.json', bytes: `${JSON.stringify({ id: subject.id, entries: ENTRIES })}\n` };
      for await (const e of reader.iterateEntries(first, first + ENTRIES)) yield { path: `entries/${e.seq}.json`, bytes: e.bytes };
    }

    status('ledger.evidence: writing bundles…');
    let written = 0;
    const writeMs = await best(async (run) => {
      const w = await writeEvidenceBundle({
        dir: join(root, `bundle-${run}`),
        kind: RELEASE_EVIDENCE_KIND,
        subject,
        createdAt: new Date().toISOString(),
        files: files(),
        cite,
        entryType: 'release.evidence.exported',
        actor,
        ledger,
      });
      written = w.files;
    });
    const bundle = join(root, 'bundle-0');
    const same = readTree(bundle);
    status('ledger.evidence: baseline write (fs.writeFile + SHA-256)…');
    const baseWriteMs = await best((run) => plainWrite(join(root, `plain-${run}`), same));

    status('ledger.evidence: verifying…');
    const trust = join(home, TRUST_FILE);
    let ok = true;
    const verifyMs = await best(() => {
      if (!verifyEvidenceDir(bundle, [trust]).ok) ok = false;
    });
    status('ledger.evidence: baseline verify (SHA-256 of the files)…');
    const baseVerifyMs = await best(() => void plainHash(bundle));
    statusDone();
    if (!ok) throw new Error('the benchmark bundle did not verify');
    if (written !== 1 + ENTRIES + 2 * RECEIPTS) throw new Error(`expected ${1 + ENTRIES + 2 * RECEIPTS} files, wrote ${written}`);
    const what = `${ENTRIES.toLocaleString('en-US')} entries + ${RECEIPTS} receipts (${same.length.toLocaleString('en-US')} files)`;
    return [
      {
        section: 'ledger.evidence',
        name: `write a release bundle of ${what}`,
        value: writeMs,
        unit: 'ms',
        baseline: { name: 'fs.writeFile + SHA-256 of the same files', value: baseWriteMs },
        goal: '< 2 s',
        met: writeMs < 2000,
        note: 'includes reading the entries and receipts from SQLite, the pinning append and the staged rename',
      },
      {
        section: 'ledger.evidence',
        name: `verify that bundle (runledger-verify evidence, in process)`,
        value: verifyMs,
        unit: 'ms',
        baseline: { name: 'SHA-256 of the same files', value: baseVerifyMs },
        goal: '< 2 s',
        met: verifyMs < 2000,
      },
    ];
  } finally {
    await ctx?.close();
    rmSync(root, { recursive: true, force: true });
  }
}
