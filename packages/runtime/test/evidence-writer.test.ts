// The evidence-bundle writer on a real store and ledger writer (both dialects): a written bundle
// verifies with the standalone `runledger-verify evidence` bin, each tampering fails with its own
// reason, cited entries are checked, and a failure part-way leaves no directory behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildManifest, EVIDENCE_MANIFEST_FILE, EVIDENCE_RECEIPT_FILE, LedgerError, RELEASE_EVIDENCE_KIND } from '@runledger/ledger';
import { locationOf, pgFactory, sqliteFactory, tempDir, type FixtureFactory } from '@runledger/testkit';
import {
  evidenceLedgerOf,
  initLedger,
  openLedger,
  RuntimeError,
  TRUST_FILE,
  writeEvidenceBundle,
  type BundleFile,
  type EvidenceLedger,
  type LedgerContext,
  type WriteEvidenceOptions,
} from '../src/index.js';

const ORIGIN = 'evidence.test.runledger/prod';
const actor = { kind: 'user' as const, id: 'alice' };
const subject = { kind: 'release', id: 'rel-1.4.0' };
const BIN = resolve(import.meta.dirname, '../../ledger/bin/runledger-verify.js');

const releaseFiles = (): BundleFile[] => [
  { path: 'release.json', bytes: `${JSON.stringify({ id: subject.id, version: '1.4.0' }, null, 2)}\n` },
  { path: 'slo/report.json', bytes: '{"objective":0.999}\n' },
  { path: 'alerts.json', bytes: new Uint8Array([91, 93, 10]) },
];

function verify(dir: string, trust: string): { code: number | null; out: string; err: string } {
  const s = spawnSync(process.execPath, [BIN, 'evidence', dir, '--trust', trust, '--json'], { encoding: 'utf8' });
  return { code: s.status, out: s.stdout, err: s.stderr };
}

function expectReason(dir: string, trust: string, reason: string, path?: string): void {
  const r = verify(dir, trust);
  assert.equal(r.code, 1, `${reason}: ${r.out}${r.err}`);
  const j = JSON.parse(r.out) as { reason: string; path?: string };
  assert.equal(j.reason, reason, r.out);
  if (path !== undefined) assert.equal(j.path, path, r.out);
}

/** No bundle and no staging sibling left in `parent`. */
function assertNothingLeft(parent: string): void {
  assert.deepEqual(readdirSync(parent), []);
}

function suite(factory: FixtureFactory): void {
  describe(`evidence writer on ${factory.name}`, () => {
    let ctx: LedgerContext;
    let ledger: EvidenceLedger;
    let trust: string;
    /** Entries standing for a release's gate runs. */
    const gates: number[] = [];

    before(async () => {
      assert.ok(existsSync(resolve(import.meta.dirname, '../../ledger/dist/evidence-cited.js')), 'packages/ledger/dist is stale: run `npm run build`');
      await factory.setup();
      const f = await factory.create();
      const loc = locationOf(f);
      await initLedger(loc, { origin: ORIGIN, actor });
      trust = join(f.home, TRUST_FILE);
      ctx = await openLedger(loc, { write: true });
      ledger = evidenceLedgerOf(ctx.writer!, ctx.reader);
      for (const gate of ['build', 'smoke', 'canary']) {
        gates.push((await ctx.writer!.append({ type: 'release.gate.passed', actor, subject, data: { gate } })).seq);
      }
    });
    after(async () => {
      await ctx?.close();
      await factory.teardown();
    });

    const options = (dir: string, over: Partial<WriteEvidenceOptions> = {}): WriteEvidenceOptions => ({
      dir,
      kind: RELEASE_EVIDENCE_KIND,
      subject,
      createdAt: '2026-11-02T10:00:00.000Z',
      files: releaseFiles(),
      cite: gates,
      entryType: 'release.evidence.exported',
      actor,
      ledger,
      ...over,
    });

    it('writes a bundle that the standalone verifier accepts, citing the gate entries with their receipts', async () => {
      const dir = join(tempDir('runledger-evidence-'), 'rel-1.4.0');
      const progress: number[] = [];
      const w = await writeEvidenceBundle(options(dir, { onProgress: (p) => progress.push(p.files) }));
      assert.equal(w.files, 3 + 2 * gates.length);
      assert.deepEqual(
        progress,
        Array.from({ length: w.files }, (_, i) => i + 1),
      );
      assert.ok(w.checkpointSize > w.index);
      const r = verify(dir, trust);
      assert.equal(r.code, 0, r.out + r.err);
      const j = JSON.parse(r.out) as { ok: boolean; index: number; files: number; manifestSha256: string };
      assert.deepEqual([j.ok, j.index, j.files, j.manifestSha256], [true, w.index, w.files, w.manifestSha256]);
      assert.deepEqual(readdirSync(join(dir, 'ledger')).sort(), gates.flatMap((g) => [`${g}.json`, `${g}.tlog-proof`]).sort());
      const entry = JSON.parse(readFileSync(join(dir, 'ledger', `${gates[1]}.json`), 'utf8')) as { seq: number; data: { gate: string } };
      assert.deepEqual([entry.seq, entry.data.gate], [gates[1], 'smoke']);
      assertNothingLeftBut(dirname(dir), ['rel-1.4.0']);
    });

    it('each tampering fails with its own reason', async () => {
      const parent = tempDir('runledger-evidence-');
      const good = join(parent, 'good');
      await writeEvidenceBundle(options(good));
      let n = 0;
      const copy = (): string => {
        const d = join(parent, `t${++n}`);
        cpSync(good, d, { recursive: true });
        return d;
      };
      let d = copy();
      writeFileSync(join(d, 'release.json'), readFileSync(join(d, 'release.json'), 'utf8').replace('1.4.0', '1.4.9'));
      expectReason(d, trust, 'FILE_MISMATCH', 'release.json');
      d = copy();
      unlinkSync(join(d, 'slo/report.json'));
      expectReason(d, trust, 'FILE_MISSING', 'slo/report.json');
      d = copy();
      writeFileSync(join(d, 'release.json.orig'), '{}\n');
      expectReason(d, trust, 'FILE_UNLISTED', 'release.json.orig');
      // A changed file with a manifest rebuilt to match: canonical and well-formed, but not the one recorded.
      d = copy();
      const files = releaseFiles().map((f) => (f.path === 'slo/report.json' ? { ...f, bytes: '{"objective":0.9}\n' } : f));
      writeFileSync(join(d, 'slo/report.json'), '{"objective":0.9}\n');
      const listed = [...files, ...readdirSync(join(d, 'ledger')).map((name) => ({ path: `ledger/${name}`, bytes: readFileSync(join(d, 'ledger', name)) }))];
      const forged = buildManifest(
        listed.map((f) => ({ path: f.path, bytes: typeof f.bytes === 'string' ? Buffer.from(f.bytes) : f.bytes })),
        { kind: RELEASE_EVIDENCE_KIND, subject, createdAt: '2026-11-02T10:00:00.000Z' },
      );
      writeFileSync(join(d, EVIDENCE_MANIFEST_FILE), forged.bytes);
      expectReason(d, trust, 'MANIFEST_CHANGED');
      // The bundle's receipt swapped for another entry's (a cited gate's, which verifies on its own).
      d = copy();
      cpSync(join(d, 'ledger', `${gates[0]}.tlog-proof`), join(d, EVIDENCE_RECEIPT_FILE));
      expectReason(d, trust, 'MANIFEST_NOT_IN_LEDGER');
      // A cited pair swapped for another (file names and manifest kept): the files still match the manifest.
      d = copy();
      renameSync(join(d, 'ledger', `${gates[0]}.json`), join(d, 'x'));
      renameSync(join(d, 'ledger', `${gates[1]}.json`), join(d, 'ledger', `${gates[0]}.json`));
      renameSync(join(d, 'x'), join(d, 'ledger', `${gates[1]}.json`));
      expectReason(d, trust, 'FILE_MISMATCH', `ledger/${gates[0]}.json`);
      assert.equal(verify(good, trust).code, 0, 'the original still verifies');
    });

    it('a bundle pinned with a cited entry that its receipt does not prove fails with CITED_ENTRY_INVALID', async () => {
      const parent = tempDir('runledger-evidence-');
      const receipt = await ledger.receipt(gates[0]!);
      const other = await ledger.receipt(gates[1]!);
      const entryOf = async (i: number): Promise<Uint8Array> => (await ctx.reader.entry(i))!.bytes;
      const cases: Array<[string, BundleFile[], string]> = [
        [
          'entry',
          [
            { path: `ledger/${gates[0]}.json`, bytes: await entryOf(gates[1]!) },
            { path: `ledger/${gates[0]}.tlog-proof`, bytes: receipt },
          ],
          `ledger/${gates[0]}.json`,
        ],
        [
          'receipt',
          [
            { path: `ledger/${gates[0]}.json`, bytes: await entryOf(gates[0]!) },
            { path: `ledger/${gates[0]}.tlog-proof`, bytes: other },
          ],
          `ledger/${gates[0]}.tlog-proof`,
        ],
        ['alone', [{ path: `ledger/${gates[0]}.tlog-proof`, bytes: receipt }], `ledger/${gates[0]}.tlog-proof`],
      ];
      for (const [name, files, path] of cases) {
        const dir = join(parent, name);
        await writeEvidenceBundle(options(dir, { files: [...releaseFiles(), ...files], cite: [], idem: `evidence:cited:${factory.name}:${name}` }));
        expectReason(dir, trust, 'CITED_ENTRY_INVALID', path);
      }
    });

    it('refuses a non-empty directory, a bad path and a duplicate, leaving nothing behind', async () => {
      const parent = tempDir('runledger-evidence-');
      const dir = join(parent, 'taken');
      mkdirSync(dir);
      writeFileSync(join(dir, 'keep.txt'), 'x');
      await assert.rejects(writeEvidenceBundle(options(dir)), (e) => e instanceof RuntimeError && e.code === 'EXPORT_TARGET_EXISTS');
      assert.deepEqual(readdirSync(parent), ['taken']);
      assert.deepEqual(readdirSync(dir), ['keep.txt']);
      rmSync(dir, { recursive: true });
      for (const files of [[{ path: '../escape.txt', bytes: 'x' }], [{ path: EVIDENCE_MANIFEST_FILE, bytes: '{}' }], [...releaseFiles(), releaseFiles()[0]!]]) {
        await assert.rejects(writeEvidenceBundle(options(dir, { files })), (e) => e instanceof LedgerError && e.code === 'EVIDENCE_INVALID');
        assertNothingLeft(parent);
      }
      await assert.rejects(writeEvidenceBundle(options(dir, { createdAt: 'yesterday' })), (e) => e instanceof LedgerError && e.code === 'EVIDENCE_INVALID');
      assertNothingLeft(parent);
      // An empty directory is taken over.
      mkdirSync(dir);
      await writeEvidenceBundle(options(dir, { idem: `evidence:empty:${factory.name}` }));
      assert.equal(verify(dir, trust).code, 0);
    });

    it('a failure part-way (while streaming files, or after the append) leaves no directory', async () => {
      const parent = tempDir('runledger-evidence-');
      const dir = join(parent, 'rel');
      async function* failing(): AsyncGenerator<BundleFile> {
        yield* releaseFiles();
        throw new Error('source failed');
      }
      await assert.rejects(writeEvidenceBundle(options(dir, { files: failing() })), /source failed/);
      assertNothingLeft(parent);
      const head = (await ctx.reader.head()).size;
      const broken: EvidenceLedger = { append: ledger.append, receipt: () => Promise.reject(new Error('reader gone')) };
      await assert.rejects(writeEvidenceBundle(options(dir, { cite: [], ledger: broken })), /reader gone/);
      assertNothingLeft(parent);
      assert.equal((await ctx.reader.head()).size, head + 1, 'the pinning entry stays: the ledger is append-only');
    });
  });
}

function assertNothingLeftBut(parent: string, names: string[]): void {
  assert.deepEqual(readdirSync(parent).sort(), names);
}

suite(sqliteFactory);
suite(pgFactory());
