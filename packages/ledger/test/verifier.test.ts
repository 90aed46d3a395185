// Verifier behaviour per the ledger-format contract: every tampering of an export is caught with the
// right reason, index and verifiedPrefix. Bundles are built in memory by bundle-fixture.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildEntry,
  canonicalize,
  checkpointFileName,
  generateSigner,
  manifestBytes,
  parseVkey,
  signCheckpoint,
  toBase64,
  TreeState,
  utf8,
  verifyBundle,
  formatResult,
  type BundleFiles,
  type VerifyResult,
} from '@runledger/ledger';
import { buildFixture, ORIGIN, type Fixture } from './bundle-fixture.js';

function run(f: Fixture, over: { files?: Partial<BundleFiles>; lines?: Uint8Array[]; anchors?: string[]; trusted?: string[] } = {}): VerifyResult {
  const trusted = (over.trusted ?? [f.signers[0]!.vkey]).map(parseVkey);
  return verifyBundle({ ...f.files, ...over.files }, over.lines ?? f.lines, { trusted, anchors: over.anchors ?? [] });
}

function expectFail(r: VerifyResult, reason: string, index: number, verifiedPrefix: number): void {
  assert.equal(r.ok, false, `expected ${reason}, got ${formatResult(r)}`);
  if (!r.ok) {
    assert.equal(r.reason, reason, formatResult(r));
    assert.equal(r.index, index, formatResult(r));
    assert.equal(r.verifiedPrefix, verifiedPrefix, formatResult(r));
  }
}

function editEntry(f: Fixture, i: number, edit: (o: Record<string, unknown>) => void): Uint8Array[] {
  const lines = [...f.lines];
  const o = JSON.parse(Buffer.from(lines[i]!).toString('utf8')) as Record<string, unknown>;
  edit(o);
  lines[i] = utf8(canonicalize(o));
  return lines;
}

describe('verifier: intact bundles', () => {
  it('verifies and reports origin, size and the root', () => {
    const f = buildFixture();
    const r = run(f);
    assert.deepEqual(r, { ok: true, origin: ORIGIN, size: 40, root: toBase64(f.roots[40]!) });
    assert.equal(formatResult(r), `verified origin=${ORIGIN} size=40 root=${toBase64(f.roots[40]!)}`);
  });

  it('verifies a key rotation with a dual-signed handover checkpoint', () => {
    const f = buildFixture({ rotateAt: 12, checkpointAt: [10, 15, 30] });
    assert.equal(run(f).ok, true);
  });

  it('verifies shipped consistency proofs and receipts', () => {
    const f = buildFixture({
      consistency: [
        [10, 40],
        [25, 40],
        [1, 25],
      ],
      receipts: [0, 7, 39],
    });
    assert.equal(run(f).ok, true);
  });

  it('accepts an anchor taken earlier by someone else', () => {
    const f = buildFixture();
    assert.equal(run(f, { anchors: [f.checkpointNotes.get(25)!] }).ok, true);
  });

  it('ignores cosignature lines from unknown keys', () => {
    const f = buildFixture();
    const witness = generateSigner('witness.example/w1');
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(40)
        ? { ...c, text: c.text + signCheckpoint({ origin: ORIGIN, size: 40, root: f.roots[40]! }, [witness]).split('\n\n')[1]! }
        : c,
    );
    assert.equal(run(f, { files: { checkpoints: cps } }).ok, true);
  });
});

describe('verifier: tampered entries', () => {
  it('an edited entry just before a checkpoint fails that checkpoint (index = last entry it covers)', () => {
    const f = buildFixture();
    const lines = editEntry(f, 9, (o) => ((o.data as Record<string, unknown>).exitCode = 42));
    expectFail(run(f, { lines }), 'CHECKPOINT_ROOT_MISMATCH', 9, 0);
  });

  it('an edited entry right before another one fails that one’s prev when no checkpoint sits between', () => {
    const f = buildFixture();
    const lines = editEntry(f, 12, (o) => ((o.data as Record<string, unknown>).note = 'changed'));
    expectFail(run(f, { lines }), 'ENTRY_PREV_MISMATCH', 13, 10);
  });

  it('an edited last entry fails the final checkpoint', () => {
    const f = buildFixture();
    const lines = editEntry(f, 39, (o) => ((o.actor as Record<string, unknown>).id = 'mallory'));
    expectFail(run(f, { lines }), 'CHECKPOINT_ROOT_MISMATCH', 39, 25);
  });

  it('non-canonical bytes (whitespace, key order, number form) fail ENTRY_NOT_CANONICAL', () => {
    const f = buildFixture();
    const text = Buffer.from(f.lines[3]!).toString('utf8');
    for (const bad of [text.replace('{', '{ '), text.replace(/"v":1/, '"v":1.0'), `{"v":1,${text.slice(1).replace(',"v":1', '')}`]) {
      const lines = [...f.lines];
      lines[3] = utf8(bad);
      expectFail(run(f, { lines }), 'ENTRY_NOT_CANONICAL', 3, 0);
    }
  });

  it('garbage and invalid UTF-8 are caught at their index', () => {
    const f = buildFixture();
    const lines = [...f.lines];
    lines[30] = utf8('{"v":1,');
    expectFail(run(f, { lines }), 'ENTRY_MALFORMED', 30, 25);
    const bad = [...f.lines];
    const b = Buffer.from(bad[31]!);
    b[b.indexOf(0xcf)] = 0xff; // the lead byte of "π" (CF 80): now invalid UTF-8
    bad[31] = b;
    const r = run(f, { lines: bad });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.index, 31);
  });

  it('a deleted entry fails ENTRY_SEQ_MISMATCH where it was', () => {
    const f = buildFixture();
    const lines = f.lines.filter((_, i) => i !== 17);
    expectFail(run(f, { lines }), 'ENTRY_SEQ_MISMATCH', 17, 10);
  });

  it('swapped entries fail ENTRY_SEQ_MISMATCH at the first of them', () => {
    const f = buildFixture();
    const lines = [...f.lines];
    [lines[20], lines[21]] = [lines[21]!, lines[20]!];
    expectFail(run(f, { lines }), 'ENTRY_SEQ_MISMATCH', 20, 10);
  });

  it('a re-sequenced deletion (seq and prev rewritten) still fails at the next checkpoint', () => {
    const f = buildFixture();
    // Remove entry 3 and rebuild 3..9 with correct seq/prev: only a checkpoint can notice.
    const kept = f.lines.filter((_, i) => i !== 3).slice(0, 9);
    let prevRoot = f.roots[3]!;
    const t = TreeState.empty();
    const rebuilt: Uint8Array[] = [];
    for (let i = 0; i < kept.length; i++) {
      const o = JSON.parse(Buffer.from(kept[i]!).toString('utf8'));
      if (i >= 3) {
        const b = buildEntry({ type: o.type, actor: o.actor, subject: o.subject, data: o.data }, i, ORIGIN, prevRoot, new Date(o.ts));
        rebuilt.push(b.bytes);
        t.appendLeaf(b.leaf);
      } else {
        rebuilt.push(kept[i]!);
        t.appendLeaf(f.leaves[i]!);
      }
      prevRoot = t.root();
    }
    const lines = [...rebuilt, ...f.lines.slice(9)];
    // Entry 9 (original) now sits at 9 with seq 9 but its prev was the original root of [0, 9).
    expectFail(run(f, { lines }), 'ENTRY_PREV_MISMATCH', 9, 0);
  });

  it('wrong version and wrong ledger are named', () => {
    const f = buildFixture();
    expectFail(run(f, { lines: editEntry(f, 4, (o) => (o.v = 2)) }), 'ENTRY_UNSUPPORTED_VERSION', 4, 0);
    expectFail(run(f, { lines: editEntry(f, 4, (o) => (o.ledger = 'other.example/x')) }), 'ENTRY_LEDGER_MISMATCH', 4, 0);
  });

  it('a genesis with untrusted keys fails GENESIS_MISMATCH', () => {
    const f = buildFixture();
    expectFail(run(f, { trusted: [generateSigner(ORIGIN).vkey] }), 'GENESIS_MISMATCH', 0, 0);
  });
});

describe('verifier: truncation and missing checkpoints', () => {
  it('fewer entries than the latest checkpoint: TRUNCATED at the first missing entry', () => {
    const f = buildFixture();
    expectFail(run(f, { lines: f.lines.slice(0, 33) }), 'TRUNCATED', 33, 25);
  });

  it('a cut in the middle of the last line fails ENTRY_MALFORMED there', () => {
    const f = buildFixture();
    const lines = [...f.lines.slice(0, 39), f.lines[39]!.subarray(0, 20)];
    expectFail(run(f, { lines }), 'ENTRY_MALFORMED', 39, 25);
  });

  it('a deleted latest checkpoint leaves an UNCHECKPOINTED_TAIL', () => {
    const f = buildFixture();
    const cps = f.files.checkpoints.filter((c) => c.name !== checkpointFileName(40));
    expectFail(run(f, { files: { checkpoints: cps } }), 'UNCHECKPOINTED_TAIL', 25, 25);
  });

  it('a rolled-back bundle (entries, checkpoints and manifest cut) fails ROLLBACK against an anchor', () => {
    const f = buildFixture();
    const anchor = f.checkpointNotes.get(40)!;
    const files: Partial<BundleFiles> = {
      manifest: manifestBytes(ORIGIN, 25),
      checkpoints: f.files.checkpoints.filter((c) => c.name !== checkpointFileName(40)),
    };
    assert.equal(run(f, { files, lines: f.lines.slice(0, 25) }).ok, true, 'without the anchor the shorter ledger verifies');
    expectFail(run(f, { files, lines: f.lines.slice(0, 25), anchors: [anchor] }), 'ROLLBACK', 25, 25);
  });

  it('a malformed manifest fails BUNDLE_MALFORMED', () => {
    const f = buildFixture();
    expectFail(run(f, { files: { manifest: utf8('{"format":"nope"}') } }), 'BUNDLE_MALFORMED', 0, 0);
    expectFail(
      run(f, { files: { manifest: utf8('{ "entries":"entries.jsonl","format":"runledger-export/1","origin":"x","size":1}') } }),
      'BUNDLE_MALFORMED',
      0,
      0,
    );
  });
});

describe('verifier: checkpoints and signatures', () => {
  it('a checkpoint re-signed by an unknown key fails CHECKPOINT_UNTRUSTED_SIGNER', () => {
    const f = buildFixture();
    const mallory = generateSigner(ORIGIN);
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(25) ? { ...c, text: signCheckpoint({ origin: ORIGIN, size: 25, root: f.roots[25]! }, [mallory]) } : c,
    );
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_UNTRUSTED_SIGNER', 24, 10);
  });

  it('a flipped signature bit fails CHECKPOINT_SIGNATURE_INVALID', () => {
    const f = buildFixture();
    const cps = f.files.checkpoints.map((c) => {
      if (c.name !== checkpointFileName(10)) return c;
      const [body, sig] = c.text.split('\n\n') as [string, string];
      const parts = sig.trimEnd().split(' ');
      const raw = Buffer.from(parts[2]!, 'base64');
      raw[20]! ^= 1;
      return { ...c, text: `${body}\n\n${parts[0]} ${parts[1]} ${raw.toString('base64')}\n` };
    });
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_SIGNATURE_INVALID', 9, 0);
  });

  it('an edited checkpoint root fails its signature', () => {
    const f = buildFixture();
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(10) ? { ...c, text: c.text.replace(toBase64(f.roots[10]!), toBase64(f.roots[9]!)) } : c,
    );
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_SIGNATURE_INVALID', 9, 0);
  });

  it('a checkpoint signed by the right key over a wrong root fails CHECKPOINT_ROOT_MISMATCH', () => {
    const f = buildFixture();
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(10) ? { ...c, text: signCheckpoint({ origin: ORIGIN, size: 10, root: f.roots[9]! }, [f.signers[0]!]) } : c,
    );
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_ROOT_MISMATCH', 9, 0);
  });

  it('a checkpoint file whose name and size disagree fails CHECKPOINT_MALFORMED', () => {
    const f = buildFixture();
    const cps = f.files.checkpoints.map((c) => (c.name === checkpointFileName(25) ? { ...c, name: checkpointFileName(24) } : c));
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_MALFORMED', 23, 10);
  });

  it('the handover checkpoint signed only by the new key fails CHECKPOINT_KEY_NOT_ACTIVE', () => {
    const f = buildFixture({ rotateAt: 12, checkpointAt: [10, 15, 30] });
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(15) ? { ...c, text: signCheckpoint({ origin: ORIGIN, size: 15, root: f.roots[15]! }, [f.signers[1]!]) } : c,
    );
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_KEY_NOT_ACTIVE', 14, 10);
  });

  it('after the handover, a checkpoint by the retired key fails CHECKPOINT_KEY_NOT_ACTIVE', () => {
    const f = buildFixture({ rotateAt: 12, checkpointAt: [10, 15, 30] });
    const cps = f.files.checkpoints.map((c) =>
      c.name === checkpointFileName(30) ? { ...c, text: signCheckpoint({ origin: ORIGIN, size: 30, root: f.roots[30]! }, [f.signers[0]!]) } : c,
    );
    expectFail(run(f, { files: { checkpoints: cps } }), 'CHECKPOINT_KEY_NOT_ACTIVE', 29, 15);
  });

  it('a rotation retiring a key that is not active fails KEY_ROTATION_INVALID', () => {
    const f = buildFixture({ rotateAt: 12, checkpointAt: [10, 15, 30] });
    const lines = editEntry(f, 12, (o) => ((o.data as Record<string, unknown>).retire = [generateSigner(ORIGIN).vkey]));
    expectFail(run(f, { lines }), 'KEY_ROTATION_INVALID', 12, 10);
  });
});

describe('verifier: anchors, proofs, receipts', () => {
  it('an anchor with another root at its size fails ANCHOR_MISMATCH', () => {
    const f = buildFixture();
    const forged = signCheckpoint({ origin: ORIGIN, size: 25, root: f.roots[24]! }, [f.signers[0]!]);
    expectFail(run(f, { anchors: [forged] }), 'ANCHOR_MISMATCH', 24, 40);
  });

  it('an anchor with a bad signature fails ANCHOR_SIGNATURE_INVALID', () => {
    const f = buildFixture();
    const mallory = generateSigner(ORIGIN);
    const forged = signCheckpoint({ origin: ORIGIN, size: 25, root: f.roots[25]! }, [mallory]);
    expectFail(run(f, { anchors: [forged] }), 'ANCHOR_SIGNATURE_INVALID', 24, 40);
  });

  it('a tampered consistency proof fails CONSISTENCY_PROOF_INVALID', () => {
    const f = buildFixture({ consistency: [[10, 40]] });
    const p = f.files.proofs![0]!;
    const lines = p.text.split('\n');
    lines[2] = toBase64(f.roots[3]!);
    expectFail(run(f, { files: { proofs: [{ ...p, text: lines.join('\n') }] } }), 'CONSISTENCY_PROOF_INVALID', 39, 40);
  });

  it('a receipt under a validly signed but different root fails CHECKPOINT_EQUIVOCATION', () => {
    const f = buildFixture({ receipts: [7] });
    const r = f.files.receipts![0]!;
    const other = signCheckpoint({ origin: ORIGIN, size: 40, root: f.roots[39]! }, [f.signers[0]!]);
    const text = r.text.slice(0, r.text.indexOf('\n\n') + 2) + other;
    const res = run(f, { files: { receipts: [{ ...r, text }] } });
    assert.equal(res.ok, false);
    // The forged root does not prove entry 7, so the receipt itself fails first.
    if (!res.ok) assert.ok(['RECEIPT_INVALID', 'CHECKPOINT_EQUIVOCATION'].includes(res.reason), formatResult(res));
  });
});
