// API tokens on both dialects: only a hash is stored, names are unique, revocation is final.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MIGRATION_HEAD, MIGRATION_NAMES, StoreError, TokenStore, hashToken, openStore, type Store } from '../src/index.js';
import { pgFactory, sqliteFactory, type FixtureFactory } from './helpers/fixtures.js';

function suite(factory: FixtureFactory): void {
  describe(`api tokens on ${factory.name}`, () => {
    const stores: Store[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const s of stores) await s.close();
      await factory.teardown();
    });

    it('creates, verifies, lists and revokes; the table holds the hash, never the token', async () => {
      const fx = await factory.create();
      const store = await openStore(fx.config);
      stores.push(store);
      assert.equal(await store.migrationHead(), MIGRATION_HEAD);
      assert.ok(MIGRATION_NAMES.includes('0005_web_sessions'));
      const ts = new TokenStore(store);
      const now = '2026-11-23T10:00:00.000Z';
      const a = await ts.create({ name: 'alice', role: 'approver', now });
      assert.ok(a.ok);
      assert.match(a.token, /^rlt_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual((await ts.create({ name: 'alice', role: 'viewer', now })), { ok: false, reason: 'name-taken' });
      await assert.rejects(ts.create({ name: 'Bad Name', role: 'viewer', now }), (e) => e instanceof StoreError && e.code === 'ENTRY_REJECTED');
      await assert.rejects(ts.create({ name: 'x', role: 'root' as never, now }), (e) => e instanceof StoreError && e.code === 'ENTRY_REJECTED');

      const rows = await fx.admin(fx.dialect === 'postgres' ? 'SELECT * FROM runledger.api_tokens' : 'SELECT * FROM api_tokens');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.token_sha256, hashToken(a.token));
      assert.ok(!JSON.stringify(rows).includes(a.token.slice(4)), 'the token text is not stored');

      assert.equal((await ts.verify(a.token))?.name, 'alice');
      assert.equal(await ts.verify(`${a.token}x`), undefined);
      assert.equal(await ts.verify('not-a-token'), undefined);
      await ts.touch(a.record.id, '2026-11-23T10:05:00.000Z');
      assert.equal((await ts.list())[0]!.lastUsedAt, '2026-11-23T10:05:00.000Z');

      const r = await ts.revoke('alice', '2026-11-23T11:00:00.000Z');
      assert.equal(r.revokedAt, '2026-11-23T11:00:00.000Z');
      assert.equal((await ts.revoke(a.record.id, '2026-11-23T12:00:00.000Z')).revokedAt, '2026-11-23T11:00:00.000Z', 'the first revocation stands');
      assert.equal(await ts.verify(a.token), undefined);
      await assert.rejects(ts.revoke('nobody', now), (e) => e instanceof StoreError && e.code === 'NOT_FOUND');
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
