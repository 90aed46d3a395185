// The health tables on SQLite and PostgreSQL: stable check numbers across restarts, one transaction per
// flush (samples, rollups, states, verdicts and their ledger drafts), a re-sent sample stored once,
// reads by window, pruning raw samples while rollups stay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emptyRollup } from '@runledger/core';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { HealthStore, OpsOutbox, openStore } from '../src/index.js';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');

function suite(factory: FixtureFactory): void {
  describe(`health store on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    it('numbers checks once, records a flush in one transaction, reads windows back, prunes samples and keeps rollups', async () => {
      const fx = await factory.create();
      let store = await openStore(fx.config);
      try {
        let hs = new HealthStore(store);
        const first = await hs.register(['api/ping', 'db/ready'], new Date(T0).toISOString(), { streak: 0 });
        assert.deepEqual(
          [...first.values()].map((c) => [c.id, c.state]),
          [
            ['api/ping', 'unknown'],
            ['db/ready', 'unknown'],
          ],
        );
        const ping = first.get('api/ping')!;

        const rollup = {
          ...emptyRollup('api/ping', T0, [250]),
          upMs: 50_000,
          downMs: 10_000,
          samples: 3,
          failures: 1,
          latencySamples: 2,
          latencyCounts: { 250: 2 },
          histogram: { 120: 2 },
        };
        await hs.record({
          samples: [
            { checkNo: ping.no, at: T0, state: 'up', latencyMs: 12.4 },
            { checkNo: ping.no, at: T0 + 30_000, state: 'down', reason: 'connect_refused' },
            { checkNo: ping.no, at: T0 + 60_000, state: 'up', latencyMs: 9 },
          ],
          rollups: [{ ...rollup, checkNo: ping.no }],
          checks: [
            {
              no: ping.no,
              state: 'up',
              since: new Date(T0).toISOString(),
              tracker: { streak: 2 },
              last: { ok: true },
              updatedAt: new Date(T0 + 60_000).toISOString(),
            },
          ],
          services: [{ name: 'api', state: 'up', since: new Date(T0).toISOString(), cause: undefined, updatedAt: new Date(T0).toISOString() }],
          verdicts: [{ checklist: 'prod', healthy: false, items: [{ name: 'api', ok: false }], at: new Date(T0).toISOString() }],
          outbox: [{ idem: 'health:api/ping:1', draft: { type: 'health.check.changed' } }],
        });
        // The same sample again (a retried flush) is stored once; the rollup is replaced by its newer value.
        await hs.record({
          samples: [{ checkNo: ping.no, at: T0 + 60_000, state: 'up', latencyMs: 9 }],
          rollups: [{ ...rollup, samples: 4, checkNo: ping.no }],
        });

        // A restart: numbers and trackers come back as they were.
        await store.close();
        store = await openStore(fx.config);
        hs = new HealthStore(store);
        const again = await hs.register(['db/ready', 'api/ping', 'cache/ping'], new Date(T0).toISOString(), { streak: 0 });
        assert.equal(again.get('api/ping')!.no, ping.no);
        assert.equal(again.get('db/ready')!.no, first.get('db/ready')!.no);
        assert.ok(again.get('cache/ping')!.no > Math.max(ping.no, first.get('db/ready')!.no), 'a new check gets a new number');
        assert.deepEqual(again.get('api/ping')!.tracker, { streak: 2 });
        assert.equal(again.get('api/ping')!.state, 'up');

        const samples = await hs.samples(ping.no, T0, T0 + 3_600_000);
        assert.deepEqual(samples, [
          { at: T0, state: 'up', latencyMs: 12 },
          { at: T0 + 30_000, state: 'down', reason: 'connect_refused' },
          { at: T0 + 60_000, state: 'up', latencyMs: 9 },
        ]);
        assert.deepEqual(await hs.lastSample(ping.no), { at: T0 + 60_000, state: 'up', latencyMs: 9 });
        const rs = await hs.rollups([ping.no], T0, T0 + 3_600_000);
        assert.equal(rs.length, 1);
        assert.equal(rs[0]!.samples, 4);
        assert.deepEqual(rs[0]!.latencyCounts, { 250: 2 });
        assert.deepEqual(rs[0]!.histogram, { 120: 2 });
        assert.deepEqual(
          (await hs.services()).map((s) => [s.name, s.state]),
          [['api', 'up']],
        );
        assert.deepEqual(
          (await hs.verdicts()).map((v) => [v.checklist, v.healthy]),
          [['prod', false]],
        );
        assert.equal(await new OpsOutbox(store).size(), 1, 'the state change queued its ledger entry in the same transaction');

        assert.equal(await hs.prune(T0 + 30_000), 1);
        assert.equal(await hs.oldestSampleMs(), T0 + 30_000);
        assert.equal((await hs.rollups([ping.no], T0, T0 + 3_600_000)).length, 1, 'rollups outlive raw samples');
      } finally {
        await store.close();
      }
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
