// Evidence bundles (evidence.ts): a real ledger with evidence entries, receipts from its signed
// checkpoint, then every kind of tampering fails with its own reason, in memory and through the CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  buildEntry,
  buildManifest,
  canonicalize,
  citedEntryPaths,
  createFileHasher,
  evidenceEntryDraft,
  EVIDENCE_MANIFEST_FILE,
  EVIDENCE_RECEIPT_FILE,
  fileDigest,
  formatEvidenceResult,
  formatReceipt,
  generateSigner,
  inclusionRanges,
  isCitedPath,
  LedgerError,
  manifestDigest,
  parseVkey,
  planProof,
  RELEASE_EVIDENCE_KIND,
  signCheckpoint,
  TreeState,
  utf8,
  verifyEvidence,
  type BuiltManifest,
  type EntryDraft,
  type EvidenceInput,
  type EvidenceResult,
  type Hash,
  type NodeId,
  type SignerKey,
} from '@runledger/ledger';
import { runVerifyCli } from '@runledger/ledger/verify-cli';
import { rangeRoot } from './bundle-fixture.js';

const ORIGIN = 'evidence.test/ledger';
const actor = { kind: 'user', id: 'alice' } as const;

interface Ledger {
  signer: SignerKey;
  lines: Uint8Array[];
  receipt(index: number): string;
}

/** A signed ledger of these drafts (after a genesis entry), with receipts under its one checkpoint. */
function ledgerOf(drafts: EntryDraft[], signer = generateSigner(ORIGIN)): Ledger {
  const tree = TreeState.empty();
  const leaves: Hash[] = [];
  const lines: Uint8Array[] = [];
  const all: EntryDraft[] = [{ type: 'ledger.genesis', actor: { kind: 'system', id: 'runledger' }, data: { keys: [signer.vkey] } }, ...drafts];
  for (const [i, d] of all.entries()) {
    const b = buildEntry(d, i, ORIGIN, tree.root(), new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 1000));
    lines.push(b.bytes);
    leaves.push(b.leaf);
    tree.appendLeaf(b.leaf);
  }
  const size = lines.length;
  const note = signCheckpoint({ origin: ORIGIN, size, root: tree.root() }, [signer]);
  const get = (id: NodeId): Hash => rangeRoot(leaves, id);
  return {
    signer,
    lines,
    receipt: (index) => formatReceipt({ entry: lines[index]!, index, proof: planProof(inclusionRanges(index, size)).assemble(get), checkpointNote: note }),
  };
}

const releaseFiles = (version: string): Array<{ path: string; bytes: Uint8Array }> => [
  { path: 'release.json', bytes: utf8(`${JSON.stringify({ id: `rel-${version}`, version }, null, 2)}\n`) },
  { path: 'gates/smoke.tlog-proof', bytes: utf8(`receipt of the smoke gate of ${version}\n`) },
  { path: 'alerts.json', bytes: utf8('[]\n') },
  { path: 'slo/report.json', bytes: utf8('{"objective":0.999}\n') },
];

function release(version: string): { files: Array<{ path: string; bytes: Uint8Array }>; built: BuiltManifest } {
  const files = releaseFiles(version);
  const built = buildManifest(files, {
    kind: RELEASE_EVIDENCE_KIND,
    subject: { kind: 'release', id: `rel-${version}` },
    createdAt: '2026-11-02T10:00:00.000Z',
  });
  return { files, built };
}

// Entry 1: some other fact; 2: evidence of 1.4.0; 3: evidence of 1.5.0; 4..: filler.
const a = release('1.4.0');
const b = release('1.5.0');
const drafts: EntryDraft[] = [
  { type: 'release.created', actor, subject: { kind: 'release', id: 'rel-1.4.0' }, data: { version: '1.4.0' } },
  evidenceEntryDraft('release.evidence.exported', actor, a.built),
  evidenceEntryDraft('release.evidence.exported', actor, b.built),
  ...Array.from({ length: 9 }, (_, i): EntryDraft => ({ type: 'ops.note', actor, data: { i } })),
];
const L = ledgerOf(drafts);
const trusted = [parseVkey(L.signer.vkey)];

function input(over: Partial<EvidenceInput> = {}): EvidenceInput {
  return {
    manifest: a.built.bytes,
    files: new Map(a.files.map((f) => [f.path, f.bytes])),
    receipt: L.receipt(2),
    trusted,
    ...over,
  };
}

function expectFail(r: EvidenceResult, reason: string, path?: string): void {
  assert.equal(r.ok, false, `expected ${reason}, got ${formatEvidenceResult(r)}`);
  if (!r.ok) {
    assert.equal(r.reason, reason, formatEvidenceResult(r));
    if (path !== undefined) assert.equal(r.path, path);
  }
}

describe('evidence manifest', () => {
  it('is canonical JSON of kind, subject, createdAt and the files sorted by path; its digest is reproducible', () => {
    const text = Buffer.from(a.built.bytes).toString('utf8');
    assert.equal(text, canonicalize(JSON.parse(text)));
    assert.deepEqual(
      a.built.manifest.files.map((f) => f.path),
      ['alerts.json', 'gates/smoke.tlog-proof', 'release.json', 'slo/report.json'],
    );
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['createdAt', 'files', 'kind', 'subject']);
    assert.equal(a.built.sha256, manifestDigest(a.built.bytes));
    // Digests computed while streaming give the same manifest as the bytes.
    const streamed = buildManifest(
      a.files.map((f) => {
        const h = createFileHasher();
        for (let i = 0; i < f.bytes.length; i += 3) h.update(f.bytes.subarray(i, i + 3));
        return { path: f.path, ...h.digest() };
      }),
      a.built.manifest,
    );
    assert.equal(streamed.sha256, a.built.sha256);
    assert.deepEqual(fileDigest(a.files[0]!.bytes), { sha256: a.built.manifest.files[2]!.sha256, bytes: a.files[0]!.bytes.length });
  });

  it('the ledger entry binds the digest in data.manifestSha256, with the kind and the subject', () => {
    const e = JSON.parse(Buffer.from(L.lines[2]!).toString('utf8')) as { subject: unknown; data: Record<string, unknown> };
    assert.deepEqual(e.subject, { kind: 'release', id: 'rel-1.4.0' });
    assert.deepEqual(e.data, { files: 4, kind: RELEASE_EVIDENCE_KIND, manifestSha256: a.built.sha256 });
  });

  it('refuses bad paths, duplicates and reserved names', () => {
    const meta = a.built.manifest;
    for (const path of ['', '/etc/passwd', '../x', 'a//b', 'a/./b', 'a\\b', 'MANIFEST.json', 'MANIFEST.tlog-proof', 'x\n']) {
      assert.throws(
        () => buildManifest([{ path, bytes: utf8('x') }], meta),
        (e: unknown) => e instanceof LedgerError && e.code === 'EVIDENCE_INVALID',
        JSON.stringify(path),
      );
    }
    assert.throws(
      () =>
        buildManifest(
          [
            { path: 'a', bytes: utf8('1') },
            { path: 'a', bytes: utf8('2') },
          ],
          meta,
        ),
      /sorted by path, no duplicates/,
    );
    assert.throws(() => buildManifest([], { ...meta, createdAt: '2026-02-30T00:00:00.000Z' }), /createdAt/);
    assert.throws(() => buildManifest([], { ...meta, kind: 'release evidence' }), /kind/);
    // A nested file may be called MANIFEST.json: only the top-level names are the bundle's own.
    assert.ok(buildManifest([{ path: 'old/MANIFEST.json', bytes: utf8('{}') }], meta));
  });
});

describe('verifyEvidence', () => {
  it('a bundle verifies offline: files, manifest digest in the proven entry, receipt under a trusted key', () => {
    const r = verifyEvidence(input());
    assert.ok(r.ok, formatEvidenceResult(r));
    assert.deepEqual(r, {
      ok: true,
      kind: RELEASE_EVIDENCE_KIND,
      subject: { kind: 'release', id: 'rel-1.4.0' },
      files: 4,
      manifestSha256: a.built.sha256,
      index: 2,
      size: L.lines.length,
      origin: ORIGIN,
    });
    // Digests instead of bytes (what the CLI passes) give the same answer.
    const digests = verifyEvidence(input({ files: new Map(a.files.map((f) => [f.path, fileDigest(f.bytes)])) }));
    assert.deepEqual(digests, r);
    assert.ok(verifyEvidence(input({ origin: ORIGIN })).ok);
  });

  it('a changed file: FILE_MISMATCH naming the file', () => {
    const files = new Map(a.files.map((f) => [f.path, f.bytes]));
    files.set('release.json', utf8(Buffer.from(files.get('release.json')!).toString('utf8').replace('1.4.0', '1.4.1')));
    expectFail(verifyEvidence(input({ files })), 'FILE_MISMATCH', 'release.json');
    // Same length, one byte flipped.
    const flipped = new Map(a.files.map((f) => [f.path, f.bytes]));
    const bytes = Uint8Array.from(flipped.get('alerts.json')!);
    bytes[0] = bytes[0]! ^ 1;
    flipped.set('alerts.json', bytes);
    const r = verifyEvidence(input({ files: flipped }));
    expectFail(r, 'FILE_MISMATCH', 'alerts.json');
    assert.match(formatEvidenceResult(r), /^FAILED FILE_MISMATCH alerts\.json: /);
  });

  it('a removed file: FILE_MISSING', () => {
    const files = new Map(a.files.map((f) => [f.path, f.bytes]));
    files.delete('slo/report.json');
    expectFail(verifyEvidence(input({ files })), 'FILE_MISSING', 'slo/report.json');
  });

  it('an extra file the manifest does not list: FILE_UNLISTED (the bundle is exactly what was recorded)', () => {
    const files = new Map<string, Uint8Array>(a.files.map((f) => [f.path, f.bytes]));
    files.set('gates/forged.json', utf8('{}'));
    expectFail(verifyEvidence(input({ files })), 'FILE_UNLISTED', 'gates/forged.json');
    // The bundle's own two files are not "extra".
    files.delete('gates/forged.json');
    files.set(EVIDENCE_MANIFEST_FILE, a.built.bytes);
    assert.ok(verifyEvidence(input({ files })).ok);
  });

  it('a changed manifest: MANIFEST_CHANGED when still canonical, MANIFEST_INVALID when not', () => {
    // The tamperer changes a file and edits its hash in the manifest to match.
    const files = new Map(a.files.map((f) => [f.path, f.bytes]));
    const forged = utf8('[{"alert":"planted"}]\n');
    files.set('alerts.json', forged);
    const m = JSON.parse(Buffer.from(a.built.bytes).toString('utf8')) as { files: Array<{ path: string; sha256: string; bytes: number }> };
    m.files[0] = { path: 'alerts.json', ...fileDigest(forged) };
    const r = verifyEvidence(input({ files, manifest: utf8(canonicalize(m)) }));
    expectFail(r, 'MANIFEST_CHANGED');
    assert.match(formatEvidenceResult(r), /entry 2 \(release\.evidence\.exported\) recorded/);
    expectFail(verifyEvidence(input({ manifest: utf8(JSON.stringify(m, null, 2)) })), 'MANIFEST_INVALID');
    expectFail(verifyEvidence(input({ manifest: utf8('{"files":') })), 'MANIFEST_INVALID');
    expectFail(verifyEvidence(input({ manifest: utf8(canonicalize({ ...m, extra: 1 })) })), 'MANIFEST_INVALID');
    expectFail(verifyEvidence(input({ manifest: undefined })), 'MANIFEST_INVALID');
    // Files out of order are not this format.
    const unsorted = { ...m, files: [...m.files].reverse() };
    expectFail(verifyEvidence(input({ manifest: utf8(canonicalize(unsorted)) })), 'MANIFEST_INVALID');
  });

  it('a receipt for another entry: MANIFEST_NOT_IN_LEDGER', () => {
    // Another release's evidence entry, and an entry that is no evidence at all: both valid receipts.
    for (const index of [3, 1, 5]) {
      const r = verifyEvidence(input({ receipt: L.receipt(index) }));
      expectFail(r, 'MANIFEST_NOT_IN_LEDGER');
      assert.match(formatEvidenceResult(r), new RegExp(`entry ${index} `));
    }
    // Release B's own bundle with its receipt verifies.
    assert.ok(verifyEvidence(input({ manifest: b.built.bytes, files: new Map(b.files.map((f) => [f.path, f.bytes])), receipt: L.receipt(3) })).ok);
  });

  it('a receipt under an untrusted key, a forged signature, a bad proof, a malformed or missing receipt', () => {
    const other = ledgerOf(drafts);
    expectFail(verifyEvidence(input({ receipt: other.receipt(2) })), 'UNTRUSTED_SIGNER');
    // Same key name, other key: the note's signature line is by a key the verifier does not know.
    expectFail(verifyEvidence(input({ trusted: [parseVkey(other.signer.vkey)] })), 'UNTRUSTED_SIGNER');
    // A trusted key's signature that does not verify.
    const text = L.receipt(2);
    const sigAt = text.lastIndexOf('\u2014 ');
    const sig = text.slice(sigAt);
    const b64 = sig.split(' ')[2]!.trim();
    const bad = Buffer.from(b64, 'base64');
    bad[10] = bad[10]! ^ 1;
    expectFail(verifyEvidence(input({ receipt: text.slice(0, sigAt) + sig.replace(b64, bad.toString('base64')) })), 'SIGNATURE_INVALID');
    // The right entry at the wrong index.
    expectFail(verifyEvidence(input({ receipt: text.replace('\nindex 2\n', '\nindex 3\n') })), 'PROOF_INVALID');
    expectFail(verifyEvidence(input({ receipt: 'not a receipt' })), 'RECEIPT_MALFORMED');
    expectFail(verifyEvidence(input({ receipt: undefined })), 'RECEIPT_MALFORMED');
    expectFail(verifyEvidence(input({ origin: 'another.example/ledger' })), 'UNTRUSTED_SIGNER');
  });
});

describe('runledger-verify evidence DIR', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function writeBundle(): { dir: string; trust: string } {
    const root = mkdtempSync(join(tmpdir(), 'runledger-evidence-'));
    dirs.push(root);
    const dir = join(root, 'bundle');
    for (const f of a.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.bytes);
    }
    writeFileSync(join(dir, EVIDENCE_MANIFEST_FILE), a.built.bytes);
    writeFileSync(join(dir, EVIDENCE_RECEIPT_FILE), L.receipt(2));
    const trust = join(root, 'trust.vkeys');
    writeFileSync(trust, `# the ledger's key\n${L.signer.vkey}\n`);
    return { dir, trust };
  }

  function cli(argv: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = runVerifyCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  }

  it('prints OK (exit 0), and each tampering its reason (exit 1)', () => {
    const { dir, trust } = writeBundle();
    const ok = cli(['evidence', dir, '--trust', trust]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(
      ok.out,
      new RegExp(
        `^verified evidence kind=runledger\\.release\\.evidence/v1 subject=release:rel-1\\.4\\.0 files=4 manifest=${a.built.sha256} index=2 size=13 origin=${ORIGIN}\\n$`,
      ),
    );
    const json = cli(['evidence', dir, '--trust', trust, '--json']);
    assert.equal((JSON.parse(json.out) as { ok: boolean }).ok, true);

    writeFileSync(join(dir, 'extra.txt'), 'x');
    assert.deepEqual(
      [cli(['evidence', dir, '--trust', trust]).code, cli(['evidence', dir, '--trust', trust]).out],
      [1, 'FAILED FILE_UNLISTED extra.txt: in the bundle, not in the manifest\n'],
    );
    unlinkSync(join(dir, 'extra.txt'));
    writeFileSync(join(dir, 'slo/report.json'), '{"objective":0.99}\n');
    assert.match(cli(['evidence', dir, '--trust', trust]).out, /^FAILED FILE_MISMATCH slo\/report\.json: /);
    unlinkSync(join(dir, 'slo/report.json'));
    assert.match(cli(['evidence', dir, '--trust', trust]).out, /^FAILED FILE_MISSING slo\/report\.json: /);
    writeFileSync(join(dir, EVIDENCE_RECEIPT_FILE), L.receipt(3));
    assert.match(cli(['evidence', dir, '--trust', trust]).out, /^FAILED MANIFEST_NOT_IN_LEDGER /);
    writeFileSync(join(dir, EVIDENCE_MANIFEST_FILE), `${Buffer.from(a.built.bytes).toString('utf8')}\n`);
    const inv = cli(['evidence', dir, '--trust', trust, '--json']);
    assert.equal(inv.code, 1);
    assert.equal((JSON.parse(inv.out) as { reason: string }).reason, 'MANIFEST_INVALID');
  });

  it('unusable input exits 2; a bundle directory named "evidence" still verifies as an export', () => {
    const { dir, trust } = writeBundle();
    assert.equal(cli(['evidence', dir]).code, 2);
    assert.equal(cli(['evidence', join(dir, 'nope'), '--trust', trust]).code, 2);
    assert.equal(cli(['evidence', dir, '--trust', trust, '--anchor', trust]).code, 2);
    // `runledger-verify evidence --trust F`: one positional argument, the old meaning (an export bundle).
    const old = cli(['evidence', '--trust', trust]);
    assert.equal(old.code, 2);
    assert.match(old.err, /cannot read evidence|evidence is not a directory|ENOENT/);
  });

  it('the standalone bin (dist) verifies a bundle directory', () => {
    const bin = resolve(import.meta.dirname, '../bin/runledger-verify.js');
    assert.ok(existsSync(resolve(import.meta.dirname, '../dist/evidence.js')), 'packages/ledger/dist is missing: run `npm run build`');
    const { dir, trust } = writeBundle();
    const s = spawnSync(process.execPath, [bin, 'evidence', dir, '--trust', trust], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /^verified evidence /);
    writeFileSync(join(dir, 'release.json'), readFileSync(join(dir, 'release.json'), 'utf8').replace('1.4.0', '1.4.9'));
    const t = spawnSync(process.execPath, [bin, 'evidence', dir, '--trust', trust], { encoding: 'utf8' });
    assert.equal(t.status, 1);
    assert.match(t.stdout, /^FAILED FILE_MISMATCH release\.json: /);
  });
});

describe('cited entries (ledger/<index>.json beside ledger/<index>.tlog-proof)', () => {
  const signer = generateSigner(ORIGIN);
  const base: EntryDraft[] = [{ type: 'release.gate.passed', actor, subject: { kind: 'release', id: 'rel-1.4.0' }, data: { gate: 'smoke' } }];
  // The receipt of entry 1 under the checkpoint of size 2, before the pinning entry is appended.
  const early = ledgerOf(base, signer);
  const cited = (receipt: string, entry = early.lines[1]!) => [
    { path: citedEntryPaths(1).entry, bytes: entry },
    { path: citedEntryPaths(1).receipt, bytes: utf8(receipt) },
  ];
  function pinned(files: Array<{ path: string; bytes: Uint8Array }>): EvidenceInput {
    const built = buildManifest([...releaseFiles('1.4.0'), ...files], {
      kind: RELEASE_EVIDENCE_KIND,
      subject: { kind: 'release', id: 'rel-1.4.0' },
      createdAt: '2026-11-02T10:00:00.000Z',
    });
    const later = ledgerOf([...base, evidenceEntryDraft('release.evidence.exported', actor, built)], signer);
    return {
      manifest: built.bytes,
      files: new Map([...releaseFiles('1.4.0'), ...files].map((f) => [f.path, f.bytes])),
      receipt: later.receipt(2),
      trusted: [parseVkey(signer.vkey)],
    };
  }

  it('a pair whose receipt proves its entry on this ledger verifies; paths are canonical decimal', () => {
    const r = verifyEvidence(pinned(cited(early.receipt(1))));
    assert.equal(r.ok, true, formatEvidenceResult(r));
    assert.equal(isCitedPath('ledger/1.tlog-proof'), true);
    assert.equal(isCitedPath('ledger/01.json'), false);
    assert.equal(isCitedPath('gates/1.json'), false);
  });

  it('a wrong entry, a receipt for another index, an untrusted receipt, a lone file or bytes not read: CITED_ENTRY_INVALID', () => {
    expectFail(verifyEvidence(pinned(cited(early.receipt(1), early.lines[0]))), 'CITED_ENTRY_INVALID', 'ledger/1.json');
    expectFail(verifyEvidence(pinned(cited(early.receipt(0)))), 'CITED_ENTRY_INVALID', 'ledger/1.tlog-proof');
    const stranger = verifyEvidence(pinned(cited(ledgerOf(base).receipt(1))));
    expectFail(stranger, 'CITED_ENTRY_INVALID', 'ledger/1.tlog-proof');
    assert.match(formatEvidenceResult(stranger), /UNTRUSTED_SIGNER/);
    expectFail(verifyEvidence(pinned(cited(early.receipt(1)).slice(1))), 'CITED_ENTRY_INVALID', 'ledger/1.tlog-proof');
    const input = pinned(cited(early.receipt(1)));
    const digests = new Map([...input.files].map(([p, b]) => [p, p.startsWith('ledger/') ? fileDigest(b as Uint8Array) : b]));
    expectFail(verifyEvidence({ ...input, files: digests }), 'CITED_ENTRY_INVALID');
  });
});
