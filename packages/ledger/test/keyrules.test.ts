// The key rules on their own (keyrules.ts): genesis, rotations, the handover set, and that a refused
// entry leaves the ring as it was. The writer/verifier agreement is tested in packages/store/test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANCHOR_TYPE, GENESIS_TYPE, KeyRing, RESERVED_TYPES, ROTATE_TYPE, generateSigner, isKeyEntryType } from '@runledger/ledger';

const ORIGIN = 'runledger.test/rules';
const [k1, k2, k3] = [generateSigner(ORIGIN), generateSigner(ORIGIN), generateSigner(ORIGIN)];
const vk = (...ks: Array<{ vkey: string }>) => ks.map((k) => k.vkey);

function genesis(): KeyRing {
  const r = KeyRing.empty(ORIGIN);
  assert.deepEqual(r.apply(0, GENESIS_TYPE, { keys: vk(k1) }), { ok: true, added: [r.known[0]] });
  return r;
}

describe('key rules', () => {
  it('names the reserved types once', () => {
    assert.deepEqual([...RESERVED_TYPES], [GENESIS_TYPE, ROTATE_TYPE, ANCHOR_TYPE]);
    assert.deepEqual(RESERVED_TYPES.map(isKeyEntryType), [true, true, false]);
    assert.equal(isKeyEntryType('run.step.finished'), false);
  });

  it('entry 0 must be a genesis listing keys named after the ledger', () => {
    const bad: Array<[unknown, Record<string, unknown>, RegExp]> = [
      ['run.step.finished', { keys: vk(k1) }, /not ledger\.genesis/],
      [GENESIS_TYPE, {}, /data\.keys/],
      [GENESIS_TYPE, { keys: [] }, /no keys/],
      [GENESIS_TYPE, { keys: ['not a vkey'] }, /data\.keys/],
      [GENESIS_TYPE, { keys: vk(generateSigner('other.origin/x')) }, /not named after the ledger/],
    ];
    for (const [type, data, msg] of bad) {
      const r = KeyRing.empty(ORIGIN);
      const out = r.apply(0, type, data);
      assert.equal(out.ok, false, JSON.stringify(data));
      if (!out.ok) {
        assert.equal(out.reason, 'GENESIS_MISMATCH');
        assert.match(out.detail, msg);
      }
      assert.deepEqual(r.known, []);
    }
    const r = genesis();
    assert.deepEqual(vk(...r.active), vk(k1));
    assert.deepEqual(r.apply(5, GENESIS_TYPE, { keys: vk(k2) }), { ok: false, reason: 'GENESIS_MISMATCH', detail: `a second ${GENESIS_TYPE} entry` });
  });

  it('rotations: refused ones change nothing; accepted ones change the active set, not the handover set', () => {
    const r = genesis();
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /adds and retires nothing/],
      [{ add: vk(k1) }, /already active/],
      [{ retire: vk(k2) }, /is not active/],
      [{ retire: vk(k1) }, /no active key/],
      [{ add: 'x' }, /data\.add/],
      [{ retire: [1] }, /data\.retire/],
    ];
    for (const [data, msg] of refused) {
      const out = r.apply(3, ROTATE_TYPE, data);
      assert.equal(out.ok, false, JSON.stringify(data));
      if (!out.ok) {
        assert.equal(out.reason, 'KEY_ROTATION_INVALID');
        assert.match(out.detail, msg);
      }
      assert.deepEqual(vk(...r.active), vk(k1));
      assert.deepEqual(vk(...r.known), vk(k1));
    }
    assert.equal(r.apply(3, 'run.step.finished', {}).ok, true);
    assert.equal(r.apply(4, ROTATE_TYPE, { add: vk(k2), retire: vk(k1) }).ok, true);
    assert.deepEqual(vk(...r.active), vk(k2));
    assert.deepEqual(vk(...r.known), vk(k1, k2));
    // The checkpoint covering the rotation still needs a key active before it.
    assert.deepEqual(vk(...r.checkpointSigners), vk(k1));
    const copy = r.clone();
    r.checkpointed();
    assert.deepEqual(vk(...r.checkpointSigners), vk(k2));
    assert.deepEqual(vk(...copy.checkpointSigners), vk(k1), 'a clone is independent');
    assert.equal(r.apply(6, ROTATE_TYPE, { add: vk(k3) }).ok, true);
    assert.deepEqual(vk(...r.active), vk(k2, k3));
    assert.equal(r.isActive(k1.vkey), false);
  });
});
