// The writer and the verifier apply ONE set of key rules (packages/ledger/src/keyrules.ts): for every
// kind of rotation, the writer refuses exactly what the verifier rejects in a bundle, and a store
// holding a rotation the rules forbid is refused by the writer's startup check and by the verifier.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildEntry,
  checkpointFileName,
  EMPTY_ROOT,
  GENESIS_TYPE,
  generateSigner,
  leafHash,
  manifestBytes,
  ROTATE_TYPE,
  signCheckpoint,
  TreeState,
  verifyBundle,
  formatResult,
  type SignerKey,
  type VerifierKey,
  type VerifyResult,
} from '@runledger/ledger';
import { LedgerReader, LedgerWriter, StoreError, openStore, type Store } from '../src/index.js';
import { sqliteFactory, type Fixture } from '@runledger/testkit';

const ORIGIN = 'runledger.test/keys';
const actor = { kind: 'user', id: 'alice' } as const;

interface Stored {
  lines: Uint8Array[];
  checkpoints: Array<{ name: string; text: string }>;
  tree: TreeState;
}

async function readStored(store: Store): Promise<Stored> {
  const reader = new LedgerReader(store);
  const lines: Uint8Array[] = [];
  const tree = TreeState.empty();
  for await (const e of reader.iterateEntries()) {
    lines.push(e.bytes);
    tree.appendLeaf(e.leaf);
  }
  const checkpoints = [];
  for (const size of await reader.checkpoints()) checkpoints.push({ name: checkpointFileName(size), text: (await reader.checkpoint(size))!.note });
  return { lines, checkpoints, tree };
}

function verify(s: Stored, trusted: readonly VerifierKey[]): VerifyResult {
  return verifyBundle({ manifest: manifestBytes(ORIGIN, s.lines.length), checkpoints: s.checkpoints }, s.lines, { trusted });
}

/** The stored ledger plus one rotation entry with `data`, under a checkpoint signed by `signers`. */
function withRotation(s: Stored, data: Record<string, unknown>, signers: readonly SignerKey[]): Stored {
  const tree = s.tree.clone();
  const b = buildEntry({ type: ROTATE_TYPE, actor, data }, tree.size, ORIGIN, tree.root(), new Date('2026-12-01T00:00:00.000Z'));
  tree.appendLeaf(b.leaf);
  const note = signCheckpoint({ origin: ORIGIN, size: tree.size, root: tree.root() }, signers);
  return { lines: [...s.lines, b.bytes], checkpoints: [...s.checkpoints, { name: checkpointFileName(tree.size), text: note }], tree };
}

describe('key rules: the writer and the verifier agree', () => {
  const stores: Store[] = [];
  before(() => sqliteFactory.setup());
  after(async () => {
    for (const s of stores) await s.close();
    await sqliteFactory.teardown();
  });

  /** A ledger whose first key k1 was rotated out for k2 (so k1 is known but retired). */
  async function rotatedLedger(): Promise<{ fx: Fixture; store: Store; writer: LedgerWriter; k1: SignerKey; k2: SignerKey }> {
    const fx = await sqliteFactory.create();
    const store = await openStore(fx.config);
    stores.push(store);
    const k1 = generateSigner(ORIGIN);
    const k2 = generateSigner(ORIGIN);
    const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [k1] });
    await writer.init({ actor });
    await writer.append({ type: 'test.appended', actor, data: { i: 1 } });
    await writer.rotateKey({ newSigner: k2, retire: 'all-current', actor });
    await writer.append({ type: 'test.appended', actor, data: { i: 2 } });
    return { fx, store, writer, k1, k2 };
  }

  type Case = {
    name: string;
    newSigner: (k: { k1: SignerKey; k2: SignerKey }) => SignerKey;
    retire: (k: { k1: SignerKey; k2: SignerKey }) => VerifierKey[] | 'all-current';
  };
  const stranger = generateSigner(ORIGIN);
  const cases: Case[] = [
    { name: 'a new key, retiring every active key', newSigner: () => generateSigner(ORIGIN), retire: () => 'all-current' },
    { name: 'a new key, retiring none', newSigner: () => generateSigner(ORIGIN), retire: () => [] },
    { name: 'a new key, retiring the active key listed twice', newSigner: () => generateSigner(ORIGIN), retire: ({ k2 }) => [k2, k2] },
    { name: 'the active key added again', newSigner: ({ k2 }) => k2, retire: () => [] },
    { name: 'a retired key added again', newSigner: ({ k1 }) => k1, retire: () => [] },
    { name: 'a new key, retiring a retired key', newSigner: () => generateSigner(ORIGIN), retire: ({ k1 }) => [k1] },
    { name: 'a new key, retiring a key the ledger never had', newSigner: () => generateSigner(ORIGIN), retire: () => [stranger] },
    { name: 'a new key, retiring a retired and the active key', newSigner: () => generateSigner(ORIGIN), retire: ({ k1, k2 }) => [k2, k1] },
  ];

  for (const c of cases) {
    it(`${c.name}: accepted by both or refused by both`, async () => {
      const { store, writer, k1, k2 } = await rotatedLedger();
      const before = await readStored(store);
      const newSigner = c.newSigner({ k1, k2 });
      const retire = c.retire({ k1, k2 });
      const retired = retire === 'all-current' ? writer.activeKeys : retire;
      // The entry the writer would append, checked by the verifier as an auditor would.
      const bundle = withRotation(before, { add: [newSigner.vkey], retire: retired.map((k) => k.vkey) }, [k2, newSigner]);
      const verdict = verify(bundle, [k1]);

      let writerError: unknown;
      await writer.rotateKey({ newSigner, retire, actor }).catch((e: unknown) => (writerError = e));
      assert.equal(
        writerError === undefined,
        verdict.ok,
        `writer ${writerError ? `refused (${String(writerError)})` : 'accepted'}, verifier: ${formatResult(verdict)}`,
      );
      if (writerError) {
        assert.ok(writerError instanceof StoreError && writerError.code === 'ENTRY_REJECTED', String(writerError));
        assert.equal(verdict.ok ? undefined : verdict.reason, 'KEY_ROTATION_INVALID');
        assert.equal(verdict.ok ? undefined : verdict.index, before.lines.length);
        assert.equal((await readStored(store)).lines.length, before.lines.length, 'a refused rotation stores nothing');
      } else {
        // What the writer actually stored verifies too, and a reopened writer accepts it.
        assert.equal(verify(await readStored(store), [k1]).ok, true);
        await LedgerWriter.open({ store, origin: ORIGIN, signers: [newSigner], startupCheck: 'full' });
      }
    });
  }

  for (const g of [
    { name: 'two keys', keys: () => [generateSigner(ORIGIN), generateSigner(ORIGIN)] },
    { name: 'no key', keys: () => [] },
    { name: 'a key named after another ledger', keys: () => [generateSigner('other.origin/x')] },
    { name: 'one good key and one named after another ledger', keys: () => [generateSigner(ORIGIN), generateSigner('other.origin/x')] },
  ]) {
    it(`genesis with ${g.name}: accepted by both or refused by both`, async () => {
      const fx = await sqliteFactory.create();
      const store = await openStore(fx.config);
      stores.push(store);
      const keys: SignerKey[] = g.keys();
      const signer = generateSigner(ORIGIN);
      const b = buildEntry({ type: GENESIS_TYPE, actor, data: { keys: keys.map((k) => k.vkey) } }, 0, ORIGIN, EMPTY_ROOT, new Date('2026-12-01T00:00:00.000Z'));
      const tree = TreeState.empty();
      tree.appendLeaf(b.leaf);
      const note = signCheckpoint({ origin: ORIGIN, size: 1, root: tree.root() }, keys.length > 0 ? keys : [signer]);
      const verdict = verify({ lines: [b.bytes], checkpoints: [{ name: checkpointFileName(1), text: note }], tree }, keys.length > 0 ? keys : [signer]);
      const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [signer] });
      let writerError: unknown;
      await writer.init({ actor, genesisKeys: keys }).catch((e: unknown) => (writerError = e));
      assert.equal(
        writerError === undefined,
        verdict.ok,
        `writer ${writerError ? `refused (${String(writerError)})` : 'accepted'}, verifier: ${formatResult(verdict)}`,
      );
      if (!verdict.ok) assert.equal(verdict.reason, 'GENESIS_MISMATCH');
      assert.equal(writer.size, writerError ? 0 : 1);
    });
  }

  it('a key named after another ledger: the writer refuses it, the verifier rejects it', async () => {
    const { store, writer, k1, k2 } = await rotatedLedger();
    const other = generateSigner('other.origin/x');
    const verdict = verify(withRotation(await readStored(store), { add: [other.vkey], retire: [] }, [k2]), [k1]);
    assert.equal(verdict.ok ? undefined : verdict.reason, 'KEY_ROTATION_INVALID', formatResult(verdict));
    await assert.rejects(writer.rotateKey({ newSigner: other, retire: [], actor }), (e) => e instanceof StoreError && e.code === 'CONFIG_INVALID');
  });

  it('a stored rotation the rules forbid: refused by the startup check and by the verifier', async () => {
    for (const data of [
      { name: 'retires a retired key', make: (k1: SignerKey) => ({ add: [generateSigner(ORIGIN).vkey], retire: [k1.vkey] }) },
      { name: 'adds and retires nothing', make: () => ({ add: [], retire: [] }) },
      { name: 'retires every key, adds none', make: (_k1: SignerKey, k2: SignerKey) => ({ add: [], retire: [k2.vkey] }) },
    ]) {
      const { fx, store, k1, k2 } = await rotatedLedger();
      const forged = withRotation(await readStored(store), data.make(k1, k2), [k2]);
      const n = forged.lines.length - 1;
      const hex = (b: Uint8Array) => `X'${Buffer.from(b).toString('hex')}'`;
      const e = JSON.parse(Buffer.from(forged.lines[n]!).toString('utf8')) as { ts: string };
      // Inserted with the database's own checks out of the way, as an attacker with admin rights could.
      await fx.tamper(
        `INSERT INTO ledger_entries (seq, idem, type, ts, bytes, leaf) VALUES (${n}, NULL, '${ROTATE_TYPE}', '${e.ts}', ${hex(forged.lines[n]!)}, ${hex(leafHash(forged.lines[n]!))})`,
      );
      // The tree nodes this entry completes, as the writer would store them.
      const t = (await readStored(store)).tree;
      for (const node of t.append(leafHash(forged.lines[n]!)))
        await fx.tamper(`INSERT INTO ledger_nodes (level, idx, hash) VALUES (${node.level}, ${node.index}, ${hex(node.hash)})`);
      const cp = forged.checkpoints.at(-1)!.text;
      await fx.tamper(`INSERT INTO ledger_checkpoints (size, root, note) VALUES (${n + 1}, ${hex(forged.tree.root())}, '${cp}')`);

      const verdict = verify(forged, [k1]);
      assert.equal(verdict.ok ? undefined : verdict.reason, 'KEY_ROTATION_INVALID', `${data.name}: ${formatResult(verdict)}`);
      for (const mode of ['peaks', 'full'] as const) {
        await assert.rejects(
          LedgerWriter.open({ store, origin: ORIGIN, signers: [k2], startupCheck: mode }),
          (err) => err instanceof StoreError && err.code === 'LEDGER_CHECKPOINT_INVALID' && /KEY_ROTATION_INVALID/.test(err.message),
          `${data.name} (${mode})`,
        );
      }
    }
  });
});
