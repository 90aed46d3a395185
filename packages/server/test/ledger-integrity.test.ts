// Integrity is checked where it is served: an entry edited in the database after it was signed is
// found by the background check after start; /ready then fails naming the index, and appends are
// refused with a coded error (SQLite and PostgreSQL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { leafHash } from '@runledger/ledger';
import { initLedger, openLedger } from '@runledger/runtime';
import { TokenStore } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { createApp, openServerEngine, type App, type ServerEngine } from '../src/index.js';
import { assertError, locOf } from './helpers.js';

const actor = { kind: 'system', id: 'test' } as const;
// Response bodies are read ad hoc in assertions, as in the other API tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function suite(factory: FixtureFactory): void {
  describe(`background integrity check on ${factory.name}`, () => {
    const open: Array<{ app: App; server: ServerEngine }> = [];
    before(() => factory.setup());
    after(async () => {
      for (const { app, server } of open.splice(0)) {
        await app.shutdown();
        await server.engineContext.close();
      }
      await factory.teardown();
    });

    /** A ledger of 12 entries (genesis + 11), then `tamper` on the stored rows, then the app started on it. */
    async function started(f: Fixture, tamper?: (f: Fixture) => Promise<void>) {
      const loc = locOf(f);
      await initLedger(loc, { origin: 'integrity.test/ledger', actor });
      const ledger = await openLedger(loc, { write: true });
      for (let i = 1; i < 12; i++) await ledger.writer!.append({ type: 'run.step.finished', actor, data: { i } });
      await ledger.close();
      await tamper?.(f);
      const server = await openServerEngine(loc, { cwd: tempDir('runledger-int-cwd-') });
      const app = await createApp({ engineContext: server.engineContext, events: server.events, version: '0.0.0-test', logger: false });
      open.push({ app, server });
      const inject = async (o: { method?: 'GET' | 'POST'; url: string; body?: object; token?: string }) => {
        const r = await app.fastify.inject({
          method: o.method ?? 'GET',
          url: o.url,
          headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
          ...(o.body ? { payload: o.body } : {}),
        });
        let json: unknown;
        try {
          json = r.json();
        } catch {
          json = undefined;
        }
        return { status: r.statusCode, json: json as Body, text: r.body, headers: r.headers as Record<string, unknown> };
      };
      const t = await new TokenStore(server.engineContext.ledger.store).create({ name: 'olga', role: 'operator', now: new Date().toISOString() });
      assert.ok(t.ok);
      return { app, inject, token: t.token };
    }

    /** Replaces entry `seq`'s bytes (its data.i set to 99); with `leafToo` the stored leaf is recomputed to match. */
    async function editEntry(f: Fixture, seq: number, leafToo: boolean): Promise<void> {
      const [row] = await f.admin(`SELECT bytes FROM ${f.table('ledger_entries')} WHERE seq = ${seq}`);
      const edited = Buffer.from(
        Buffer.from(row!.bytes as Uint8Array)
          .toString('utf8')
          .replace(`"i":${seq}`, '"i":99'),
      );
      const lit = (b: Uint8Array) => (f.dialect === 'postgres' ? `decode('${hex(b)}', 'hex')` : `X'${hex(b)}'`);
      await f.tamper(`UPDATE ${f.table('ledger_entries')} SET bytes = ${lit(edited)}${leafToo ? `, leaf = ${lit(leafHash(edited))}` : ''} WHERE seq = ${seq}`);
    }

    it('an untouched ledger: the check verifies every entry, /ready passes and appends go on', async () => {
      const { app, inject, token } = await started(await factory.create());
      const final = await app.integrity.start();
      assert.deepEqual({ state: final.state, verified: final.verified, total: final.total }, { state: 'ok', verified: 12, total: 12 });
      const ready = await inject({ url: '/ready' });
      assert.equal(ready.status, 200, JSON.stringify(ready.json));
      assert.match(ready.json.checks.find((c: { name: string }) => c.name === 'ledger-integrity').detail, /12\/12 entries verified/);
      const m = await inject({ url: '/metrics' });
      assert.match(m.text, /runledger_ledger_integrity_verified_entries 12/);
      assert.match(m.text, /runledger_ledger_integrity_failed 0/);
      assert.equal((await inject({ method: 'POST', url: '/api/v1/ledger/notes', token, body: { text: 'fine' } })).status, 201);
    });

    const cases: Array<[string, (f: Fixture) => Promise<void>, number, RegExp]> = [
      ["an entry's bytes edited", (f) => editEntry(f, 5, false), 5, /STORED_LEAF_MISMATCH/],
      ["an entry's bytes and stored leaf edited together", (f) => editEntry(f, 5, true), 6, /ENTRY_PREV_MISMATCH/],
    ];
    for (const [what, tamper, index, reason] of cases) {
      it(`${what}: /ready is 503 naming index ${index}, appends are refused with LEDGER_INTEGRITY_FAILED`, async () => {
        const { app, inject, token } = await started(await factory.create(), tamper);
        const final = await app.integrity.start();
        assert.equal(final.state, 'failed');
        assert.equal(final.failure!.index, index);
        const ready = await inject({ url: '/ready' });
        assert.equal(ready.status, 503);
        const check = ready.json.checks.find((c: { name: string }) => c.name === 'ledger-integrity');
        assert.equal(check.ok, false);
        assert.match(check.detail, new RegExp(`index ${index}\\b`));
        assert.match(check.detail, reason);
        const e = assertError(await inject({ method: 'POST', url: '/api/v1/ledger/notes', token, body: { text: 'on top' } }), 503, 'LEDGER_INTEGRITY_FAILED');
        assert.match(e.message, new RegExp(`index ${index}\\b`));
        assert.match((await inject({ url: '/metrics' })).text, /runledger_ledger_integrity_failed 1/);
      });
    }
  });
}

suite(sqliteFactory);
suite(pgFactory());
