// IntegrityCheck (the background verification of the whole stored ledger) and LedgerWriter.halt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSigner, parseVkey } from '@runledger/ledger';
import { IntegrityCheck, LedgerWriter, StoreError, openStore, type Store } from '../src/index.js';
import { sqliteFactory, type Fixture } from '@runledger/testkit';
import { ORIGIN } from './helpers/suite.js';

const actor = { kind: 'system', id: 'test' } as const;
const draft = (i: number) => ({ type: 'run.step.finished', actor, data: { i } });

describe('IntegrityCheck and LedgerWriter.halt', () => {
  const stores: Store[] = [];
  before(() => sqliteFactory.setup());
  after(async () => {
    for (const s of stores) await s.close();
    await sqliteFactory.teardown();
  });

  /** 30 entries with a key rotation in the middle (k1 → k2), one commit per append. */
  async function rotated(): Promise<{ fx: Fixture; store: Store; writer: LedgerWriter; k1: ReturnType<typeof generateSigner> }> {
    const fx = await sqliteFactory.create();
    const store = await openStore(fx.config);
    stores.push(store);
    const k1 = generateSigner(ORIGIN);
    const k2 = generateSigner(ORIGIN);
    const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [k1] });
    await writer.init({ actor });
    for (let i = 1; i < 12; i++) await writer.append(draft(i));
    await writer.rotateKey({ newSigner: k2, retire: 'all-current', actor });
    for (let i = 13; i < 30; i++) await writer.append(draft(i));
    assert.equal(writer.size, 30);
    return { fx, store, writer, k1 };
  }

  it('verifies a ledger with a key rotation page by page, letting other work run between pages', async () => {
    const { store, k1 } = await rotated();
    const check = new IntegrityCheck(store, { trusted: [parseVkey(k1.vkey)], pageSize: 4 });
    assert.equal(check.status.state, 'pending');
    // Other event-loop work interleaves with the pages: it sees the check part-way through.
    const seen = new Set<number>();
    let done = false;
    const watcher = (async () => {
      while (!done) {
        seen.add(check.status.verified);
        await new Promise<void>((r) => setImmediate(r));
      }
    })();
    const final = await check.start();
    done = true;
    await watcher;
    assert.deepEqual(final, { state: 'ok', verified: 30, total: 30 });
    assert.ok(
      [...seen].some((v) => v > 0 && v < 30),
      `intermediate progress seen: ${[...seen].join(', ')}`,
    );
    assert.equal(await check.start(), final, 'start() runs the check once');
  });

  it('fails on a tampered key-rotation checkpoint and on untrusted genesis keys, calling onFailure with LEDGER_INTEGRITY_FAILED', async () => {
    const { fx, store, k1 } = await rotated();
    const other = generateSigner(ORIGIN);
    const errors: StoreError[] = [];
    const untrusted = await new IntegrityCheck(store, { trusted: [parseVkey(other.vkey)], onFailure: (e) => errors.push(e) }).start();
    assert.equal(untrusted.state, 'failed');
    assert.equal(untrusted.failure!.reason, 'GENESIS_MISMATCH');
    assert.equal(errors[0]!.code, 'LEDGER_INTEGRITY_FAILED');
    assert.match(errors[0]!.message, /index 0 \(GENESIS_MISMATCH/);

    // The checkpoint covering the rotation (size 13) is the handover: break its signature line.
    await fx.tamper(`UPDATE ledger_checkpoints SET note = replace(note, '— ', '— x') WHERE size = 13`);
    const broken = await new IntegrityCheck(store, { trusted: [parseVkey(k1.vkey)] }).start();
    assert.equal(broken.state, 'failed');
    assert.match(broken.failure!.reason, /^CHECKPOINT_/);
    assert.equal(broken.failure!.index, 12, 'the verifier names the rotation entry the checkpoint covers');
  });

  it('fails on any stored checkpoint whose signature does not verify, not only those an export carries', async () => {
    const { fx, store, k1 } = await rotated();
    const intact = await new IntegrityCheck(store, { trusted: [parseVkey(k1.vkey)] }).start();
    assert.equal(intact.state, 'ok');
    await fx.tamper(`UPDATE ledger_checkpoints SET note = replace(note, '— ', '— x') WHERE size = 7`);
    const r = await new IntegrityCheck(store, { trusted: [parseVkey(k1.vkey)] }).start();
    assert.equal(r.state, 'failed');
    assert.deepEqual([r.failure!.index, r.failure!.reason], [7, 'CHECKPOINT_SIGNATURE_INVALID']);
  });

  it('reports a database it cannot read as an error, not as a mismatch', async () => {
    const { store, k1 } = await rotated();
    const failures: StoreError[] = [];
    const check = new IntegrityCheck(store, { trusted: [parseVkey(k1.vkey)], onFailure: (e) => failures.push(e) });
    await store.close();
    const final = await check.start();
    assert.equal(final.state, 'error');
    assert.deepEqual(failures, []);
  });

  it('halt refuses every later append, init and rotation, queued ones included, with the given error', async () => {
    const { writer } = await rotated();
    const err = new StoreError('LEDGER_INTEGRITY_FAILED', 'the stored ledger fails verification at index 5');
    const queued = writer.append(draft(100)); // queued in this tick, drained after halt
    writer.halt(err);
    const outcomes = await Promise.allSettled([
      queued,
      writer.append(draft(101)),
      writer.init({ actor }),
      writer.rotateKey({ newSigner: generateSigner(ORIGIN), retire: [], actor }),
    ]);
    for (const o of outcomes) assert.deepEqual(o, { status: 'rejected', reason: err });
    assert.equal(writer.size, 30, 'nothing was appended');
  });
});
