// API tokens on both dialects: only a hash is stored, names are unique, revocation is final.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthEpoch, MIGRATION_HEAD, MIGRATION_NAMES, StoreError, TokenStore, hashToken, openStore, type Store } from '../src/index.js';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';

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
      assert.deepEqual(await ts.create({ name: 'alice', role: 'viewer', now }), { ok: false, reason: 'name-taken' });
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

    it('the revocation counter moves on every revocation and sign-out, from any handle, and on nothing else', async () => {
      const fx = await factory.create();
      const here = await openStore(fx.config);
      const there = await openStore(fx.config);
      stores.push(here, there);
      const epoch = new AuthEpoch(here, 60_000);
      const ts = new TokenStore(here);
      const other = new TokenStore(there);
      const now = '2026-11-23T10:00:00.000Z';
      const a = await ts.create({ name: 'alice', role: 'viewer', now });
      const b = await ts.create({ name: 'bob', role: 'viewer', now });
      assert.ok(a.ok && b.ok);
      const e0 = await epoch.current();
      await ts.touch(a.record.id, now);
      const s = await ts.createSession(a.record.id, new Date(now), 3600_000);
      assert.equal(await epoch.current(), e0, 'creating tokens and sessions and touching them moves nothing');

      // A push (PostgreSQL) or the poll (SQLite, 60 s here: so only the explicit read below sees it).
      const heard = new Promise<void>((res) => {
        const off = epoch.onChange(() => {
          off();
          res();
        });
      });
      await other.revoke('bob', now);
      const e1 = await epoch.current();
      assert.ok(e1 > e0, 'a revocation in another handle is seen by the very next read');
      if (here.listenAuthEpoch) await heard;
      await other.revoke('bob', now);
      assert.equal(await epoch.current(), e1, 'revoking twice changes nothing');
      await other.deleteSession(s.secret);
      const e2 = await epoch.current();
      assert.ok(e2 > e1, 'a sign-out moves it');
      // Concurrent strict reads share queries yet all see the latest value.
      const reads = await Promise.all(Array.from({ length: 20 }, () => epoch.current()));
      assert.deepEqual(new Set(reads), new Set([e2]));
      await fx.admin(
        fx.dialect === 'postgres'
          ? "UPDATE runledger.api_tokens SET revoked_at = '2026-11-23T12:00:00.000Z' WHERE name = 'alice'"
          : "UPDATE api_tokens SET revoked_at = '2026-11-23T12:00:00.000Z' WHERE name = 'alice'",
      );
      assert.ok((await epoch.current()) > e2, 'even a revocation in plain SQL moves it');
      await epoch.close();
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
