// Builds export bundles in memory with the pure core, for verifier tests.
import {
  buildEntry,
  checkpointFileName,
  consistencyFileName,
  consistencyRanges,
  formatConsistencyProof,
  formatReceipt,
  generateSigner,
  inclusionRanges,
  manifestBytes,
  planProof,
  rangeNodeIds,
  signCheckpoint,
  TreeState,
  type BundleFiles,
  type EntryDraft,
  type Hash,
  type NodeId,
  type SignerKey,
} from '@runledger/ledger';
import { nodeHash } from '@runledger/ledger';

export const ORIGIN = 'test.runledger.local/ledger';

export interface Fixture {
  files: BundleFiles;
  lines: Uint8Array[];
  signers: SignerKey[];
  /** Roots after each size: roots[n] = root of entries [0, n). */
  roots: Hash[];
  leaves: Hash[];
  checkpointNotes: Map<number, string>;
}

export interface FixtureOptions {
  size?: number;
  /** Sizes that get a checkpoint (the last size always does). */
  checkpointAt?: number[];
  /** Index at which a key rotation entry is written (new key added, old retired). */
  rotateAt?: number;
  consistency?: Array<[number, number]>;
  receipts?: number[];
}

function stepDraft(i: number): EntryDraft {
  return {
    type: 'run.step.finished',
    actor: { kind: 'service', id: 'engine' },
    subject: { kind: 'run', id: `run-${Math.floor(i / 5)}` },
    data: { step: `s${i}`, exitCode: i % 3 === 0 ? 1 : 0, note: 'π ≈ 3.14159 "quoted"' },
  };
}

/** Root of the range of leaves, from the leaf list (test helper). */
export function rangeRoot(leaves: Hash[], id: NodeId): Hash {
  const size = 2 ** id.level;
  const t = TreeState.empty();
  for (let j = id.index * size; j < (id.index + 1) * size; j++) t.appendLeaf(leaves[j]!);
  return t.root();
}

export function buildFixture(opts: FixtureOptions = {}): Fixture {
  const size = opts.size ?? 40;
  const cpSizes = new Set([...(opts.checkpointAt ?? [10, 25]), size]);
  const k0 = generateSigner(ORIGIN);
  const k1 = generateSigner(ORIGIN);
  const signers = [k0, k1];
  let active = [k0];
  let rotationPending = false;
  const tree = TreeState.empty();
  const roots: Hash[] = [tree.root()];
  const leaves: Hash[] = [];
  const lines: Uint8Array[] = [];
  const notes = new Map<number, string>();
  const t0 = Date.parse('2026-11-01T00:00:00.000Z');
  for (let i = 0; i < size; i++) {
    let draft: EntryDraft;
    if (i === 0) draft = { type: 'ledger.genesis', actor: { kind: 'system', id: 'runledger' }, data: { keys: [k0.vkey] } };
    else if (i === opts.rotateAt) {
      draft = { type: 'ledger.key.rotate', actor: { kind: 'user', id: 'alice' }, data: { add: [k1.vkey], retire: [k0.vkey] } };
      rotationPending = true;
    } else draft = stepDraft(i);
    const b = buildEntry(draft, i, ORIGIN, tree.root(), new Date(t0 + i * 1000));
    lines.push(b.bytes);
    leaves.push(b.leaf);
    tree.appendLeaf(b.leaf);
    roots.push(tree.root());
    if (cpSizes.has(i + 1)) {
      const keys = rotationPending ? [k0, k1] : active;
      notes.set(i + 1, signCheckpoint({ origin: ORIGIN, size: i + 1, root: tree.root() }, keys));
      if (rotationPending) {
        active = [k1];
        rotationPending = false;
      }
    }
  }
  const get = (id: NodeId): Hash => rangeRoot(leaves, id);
  const proofs = (opts.consistency ?? []).map(([m, n]) => ({
    name: consistencyFileName(m, n),
    text: formatConsistencyProof(m, n, planProof(consistencyRanges(m, n)).assemble(get)),
  }));
  const receipts = (opts.receipts ?? []).map((idx) => ({
    name: `${idx}.tlog-proof`,
    text: formatReceipt({ entry: lines[idx]!, index: idx, proof: planProof(inclusionRanges(idx, size)).assemble(get), checkpointNote: notes.get(size)! }),
  }));
  return {
    files: {
      manifest: manifestBytes(ORIGIN, size),
      checkpoints: [...notes].sort((a, b) => a[0] - b[0]).map(([s, text]) => ({ name: checkpointFileName(s), text })),
      proofs,
      receipts,
    },
    lines,
    signers,
    roots,
    leaves,
    checkpointNotes: notes,
  };
}

export { nodeHash, rangeNodeIds };
