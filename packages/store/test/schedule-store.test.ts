// The schedule tables on SQLite and PostgreSQL: state rows that start now, a slot decided once (its
// primary key), decisions serialised per schedule across two stores (two processes), leases, pruning.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { OpsOutbox, openStore, ScheduleStore } from '../src/index.js';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');

function suite(factory: FixtureFactory): void {
  describe(`schedule store on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    it('starts new schedules now, claims a slot once, keeps leases and prunes history', async () => {
      const fx = await factory.create();
      const store = await openStore(fx.config);
      try {
        const ss = new ScheduleStore(store);
        const rows = await ss.ensure(
          [
            { name: 'b', enabled: true, spec: '* * * * * UTC' },
            { name: 'a', enabled: false, spec: '* * * * * UTC' },
          ],
          T0,
        );
        assert.deepEqual(
          rows.map((r) => [r.name, r.lastSlotMs, r.enabled]),
          [
            ['a', T0, false],
            ['b', T0, true],
          ],
        );
        // Seen again later: an enabled schedule keeps its place (missed runs are found from it); a disabled one moves with time.
        const again = await ss.ensure(
          [
            { name: 'a', enabled: false, spec: '* * * * * UTC' },
            { name: 'b', enabled: true, spec: '* * * * * UTC' },
          ],
          T0 + 3_600_000,
        );
        assert.deepEqual(
          again.map((r) => [r.name, r.lastSlotMs]),
          [
            ['a', T0 + 3_600_000],
            ['b', T0],
          ],
        );
        // Another cron starts from then: the old expression's slots are not the new one's.
        const changed = await ss.ensure([{ name: 'a', enabled: true, spec: '0 * * * * UTC' }], T0 + 7_200_000);
        assert.deepEqual([changed[0]!.lastSlotMs, changed[0]!.spec, changed[0]!.enabled], [T0 + 7_200_000, '0 * * * * UTC', true]);

        const slot = T0 + 60_000;
        const first = await ss.withSchedule('b', async (tx) => {
          assert.equal(tx.state.lastSlotMs, T0);
          const n = await tx.insert([{ slotMs: slot, state: 'running', decidedMs: slot, owner: 'p1', leaseUntilMs: slot + 120_000, trigger: 'cron' }]);
          await tx.setState({ lastSlotMs: slot }, slot);
          await tx.queue([{ idem: `schedule:b:${slot}`, draft: { type: 'schedule.fired' } }]);
          return n;
        });
        assert.equal(first, 1);
        const second = await ss.withSchedule('b', (tx) => tx.insert([{ slotMs: slot, state: 'skipped', decidedMs: slot }]));
        assert.equal(second, 0, 'a slot is decided once');
        assert.equal(await ss.withSchedule('nope', async () => 1), undefined);

        assert.equal(await ss.renew('p1', slot + 500_000), 1);
        assert.equal(await ss.renew('p2', slot + 500_000), 0);
        assert.deepEqual(await ss.needingAttention(slot + 400_000, 'p2'), [], 'the lease holds');
        assert.deepEqual(await ss.needingAttention(slot + 600_000, 'p2'), ['b'], 'a lease that ran out needs a decision');
        assert.deepEqual(await ss.needingAttention(slot + 600_000, 'p1'), [], "not the owner's own run");

        // Only the owner finishes its run, and only once.
        const wrong = await ss.withSchedule('b', (tx) => tx.update(slot, { state: 'running', owner: 'p2' }, { state: 'fired' }));
        assert.equal(wrong, false);
        const done = await ss.withSchedule('b', async (tx) => {
          const ok = await tx.update(slot, { state: 'running', owner: 'p1' }, { state: 'fired', finishedMs: slot + 5000, ref: 'bk-1', detail: 'ok' });
          await tx.setState({ lastOutcome: 'fired', lastOutcomeSlotMs: slot, lastSuccessMs: slot + 5000, lastRef: 'bk-1' }, slot + 5000);
          return ok;
        });
        assert.equal(done, true);
        assert.equal(await ss.withSchedule('b', (tx) => tx.update(slot, { state: 'running', owner: 'p1' }, { state: 'failed' })), false);

        const [b] = (await ss.states()).filter((s) => s.name === 'b');
        assert.deepEqual([b!.lastOutcome, b!.lastSuccessMs, b!.lastRef], ['fired', slot + 5000, 'bk-1']);
        const recent = await ss.recent('b');
        assert.deepEqual(
          recent.map((r) => [r.slotMs, r.state, r.ref]),
          [[slot, 'fired', 'bk-1']],
        );
        assert.equal((await new OpsOutbox(store).next(10)).filter((d) => d.idem === `schedule:b:${slot}`).length, 1);

        await ss.withSchedule('b', (tx) => tx.insert([{ slotMs: slot + 60_000, state: 'queued', decidedMs: slot + 60_000 }]));
        assert.deepEqual(
          (await ss.inFlight()).map((r) => r.state),
          ['queued'],
        );
        assert.equal(await ss.prune(slot + 120_000), 1, 'the ended slot goes; the queued one stays');
        assert.deepEqual(
          (await ss.recent('b')).map((r) => r.state),
          ['queued'],
        );
      } finally {
        await store.close();
      }
    });

    it('two stores deciding the same slot at once: exactly one claims it', async () => {
      const fx = await factory.create();
      const s1 = await openStore(fx.config);
      const s2 = await openStore(fx.config);
      try {
        const a = new ScheduleStore(s1);
        const b = new ScheduleStore(s2);
        await a.ensure([{ name: 'x', enabled: true, spec: '* * * * * UTC' }], T0);
        const claim = (ss: ScheduleStore, who: string) =>
          ss.withSchedule('x', async (tx) => {
            // Each reads the state under the lock: the second sees the first's slot as dealt with.
            const slot = T0 + 60_000;
            if (tx.state.lastSlotMs >= slot) return 'saw it done';
            const n = await tx.insert([{ slotMs: slot, state: 'running', decidedMs: slot, owner: who }]);
            await tx.setState({ lastSlotMs: slot }, slot);
            return n === 1 ? 'claimed' : 'lost';
          });
        for (let round = 0; round < 5; round++) {
          if (round > 0) {
            await s1.db.deleteFrom('schedule_slots' as never).execute();
            await new ScheduleStore(s1).withSchedule('x', (tx) => tx.setState({ lastSlotMs: T0 }, T0));
          }
          const results = await Promise.all([claim(a, 'p1'), claim(b, 'p2'), claim(a, 'p1'), claim(b, 'p2')]);
          assert.equal(results.filter((r) => r === 'claimed').length, 1, results.join(', '));
          assert.equal(results.filter((r) => r === 'lost').length, 0, `the lock ordered them: ${results.join(', ')}`);
        }
      } finally {
        await s1.close();
        await s2.close();
      }
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
