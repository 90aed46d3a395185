// The check scheduler on a fake clock (exact start times, lateness, overruns, limits) and once on
// real timers (ordering and counts only: machines are noisy).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, until } from '@runledger/testkit';
import { MinHeap } from '../src/health/heap.js';
import { CheckScheduler, phaseOf, type CheckJob, type OverrunEvent, type SchedulerOptions, type StartEvent } from '../src/health/index.js';

/** Concurrency seen from inside the runs. */
class Gauge {
  now = 0;
  max = 0;
  enter(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  leave(): void {
    this.now--;
  }
}

function harness(opts: Partial<SchedulerOptions> = {}, clock = new FakeClock()) {
  const starts: StartEvent[] = [];
  const overruns: OverrunEvent[] = [];
  const errors: { id: string; err: unknown }[] = [];
  const sched = new CheckScheduler({
    now: clock.now,
    timers: clock,
    onStart: (ev) => starts.push(ev),
    onOverrun: (ev) => overruns.push(ev),
    onError: (id, err) => errors.push({ id, err }),
    ...opts,
  });
  const base = clock.now();
  /** Start times of one id (ms after the clock's start), optionally of one kind. */
  const startsOf = (id: string, kind?: StartEvent['kind']): number[] =>
    starts.filter((s) => s.id === id && (kind === undefined || s.kind === kind)).map((s) => s.startedAt - base);
  return { clock, sched, starts, overruns, errors, base, startsOf };
}

/** A job whose run takes `ms` on the fake clock (aborting rejects), tracked by a gauge. */
function job(clock: FakeClock, id: string, ms: number, extra: Partial<CheckJob> & { gauge?: Gauge; gauges?: Gauge[] } = {}): CheckJob {
  const gauges = [...(extra.gauge ? [extra.gauge] : []), ...(extra.gauges ?? [])];
  return {
    id,
    intervalMs: extra.intervalMs ?? 1000,
    timeoutMs: extra.timeoutMs ?? 10_000,
    hostKey: extra.hostKey ?? `host-of-${id}`,
    run:
      extra.run ??
      (async (signal) => {
        for (const g of gauges) g.enter();
        try {
          await clock.sleep(ms, signal);
        } finally {
          for (const g of gauges) g.leave();
        }
      }),
  };
}

/** `count` ids whose phase in `intervalMs` lies in [from, from + width), by phase. */
function idsNear(count: number, intervalMs: number, from: number, width: number, prefix = 'chk'): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const id = `${prefix}-${i}`;
    const p = phaseOf(id, intervalMs);
    if (p >= from && p < from + width) ids.push(id);
  }
  return ids.sort((a, b) => phaseOf(a, intervalMs) - phaseOf(b, intervalMs));
}

const grid = (id: string, intervalMs: number, ks: number[]): number[] => ks.map((k) => phaseOf(id, intervalMs) + k * intervalMs);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('MinHeap', () => {
  it('pops in order, equal keys by insertion', () => {
    const h = new MinHeap<{ k: number; i: number }>((a, b) => a.k < b.k || (a.k === b.k && a.i < b.i));
    const items = Array.from({ length: 500 }, (_, i) => ({ k: (i * 7919) % 97, i }));
    const out: { k: number; i: number }[] = [];
    for (const [n, it] of items.entries()) {
      h.push(it);
      if (n % 3 === 0) out.push(h.pop() as { k: number; i: number });
    }
    // What was popped early is a valid prefix of its moment; the rest comes out fully sorted.
    const rest: { k: number; i: number }[] = [];
    for (let x = h.pop(); x !== undefined; x = h.pop()) rest.push(x);
    assert.equal(out.length + rest.length, 500);
    const sorted = [...rest].sort((a, b) => a.k - b.k || a.i - b.i);
    assert.deepEqual(rest, sorted);
    assert.equal(h.size, 0);
    assert.equal(h.pop(), undefined);
  });
});

describe('CheckScheduler: phases', () => {
  it('spreads 100 checks over a 10 s interval and keeps each phase across a restart', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `svc-${i}/http`);
    const buckets = new Array<number>(10).fill(0);
    for (const id of ids) buckets[Math.floor(phaseOf(id, 10_000) / 1000)]! += 1;
    assert.ok(Math.max(...buckets) <= 30, `1 s buckets ${buckets.join(',')}`);
    assert.ok(new Set(ids.map((id) => phaseOf(id, 10_000))).size >= 95);

    // Two schedulers started 37.3 s apart (a restart) start every check at the same offset.
    const offsets = async (clock: FakeClock): Promise<Map<string, number>> => {
      const h = harness({}, clock);
      h.sched.set(ids.map((id) => job(clock, id, 5, { intervalMs: 10_000 })));
      h.sched.start();
      await clock.advance(10_000);
      await h.sched.stop();
      assert.equal(h.starts.length, 100);
      assert.ok(h.starts.every((s) => s.latenessMs === 0));
      return new Map(h.starts.map((s) => [s.id, s.startedAt % 10_000]));
    };
    const first = await offsets(new FakeClock(1_700_000_000_000));
    const second = await offsets(new FakeClock(1_700_000_037_300));
    assert.deepEqual(first, second);
    for (const id of ids) assert.equal(first.get(id), phaseOf(id, 10_000));
  });
});

describe('CheckScheduler: overruns and drift', () => {
  it('a slow check never overlaps itself, records overruns, and does not delay the others', async () => {
    const h = harness();
    const slowGauge = new Gauge();
    const fast = ['a', 'b', 'c', 'd', 'e'];
    h.sched.set([job(h.clock, 'slow', 2500, { gauge: slowGauge }), ...fast.map((id) => job(h.clock, id, 10))]);
    h.sched.start();
    await h.clock.advance(10_000);

    assert.equal(slowGauge.max, 1);
    // Running 2.5 intervals: ticks 1, 2 find it running; tick 3 starts it again, and so on.
    assert.deepEqual(h.startsOf('slow'), grid('slow', 1000, [0, 3, 6, 9]));
    const slowOverruns = h.overruns.filter((o) => o.id === 'slow');
    assert.ok(slowOverruns.every((o) => o.reason === 'still_running' && o.count === 1));
    assert.deepEqual(
      slowOverruns.map((o) => o.scheduledAt - h.base),
      grid('slow', 1000, [1, 2, 4, 5, 7, 8]),
    );
    assert.equal(h.sched.stats().overruns, 6);
    for (const id of fast) assert.deepEqual(h.startsOf(id), grid(id, 1000, range(0, 10)));
    assert.ok(h.starts.every((s) => s.latenessMs === 0));
    assert.equal(h.overruns.length, 6);
    await h.sched.stop();
  });

  it('does not drift: runs taking 30 % of the interval still start at phase + k·interval', async () => {
    const h = harness();
    const ids = ['x', 'y', 'z'];
    h.sched.set(ids.map((id) => job(h.clock, id, 300)));
    h.sched.start();
    await h.clock.advance(20_000);
    for (const id of ids) assert.deepEqual(h.startsOf(id), grid(id, 1000, range(0, 20)));
    assert.equal(h.overruns.length, 0);
    const st = h.sched.stats();
    assert.equal(st.started, 60);
    assert.deepEqual(st.lateness, { samples: 60, p50: 0, p99: 0, max: 0 });
    await h.sched.stop();
  });

  it('skips ticks the timer missed (stalled event loop) instead of replaying them', async () => {
    const h = harness();
    h.sched.set([job(h.clock, 'j', 10)]);
    h.sched.start();
    const p = phaseOf('j', 1000);
    await h.clock.advanceTo(h.base + p);
    assert.deepEqual(h.startsOf('j'), [p]);
    h.clock.stall(3500); // the next tick (p + 1000) fires 2.5 intervals late
    await h.clock.advance(0);
    assert.deepEqual(h.overruns, [{ id: 'j', kind: 'interval', scheduledAt: h.base + p + 1000, reason: 'late', count: 2 }]);
    assert.deepEqual(h.startsOf('j'), [p, p + 3500]);
    assert.equal(h.starts[1]?.scheduledAt, h.base + p + 3000);
    assert.equal(h.starts[1]?.latenessMs, 500);
    await h.clock.advance(1000);
    assert.deepEqual(h.startsOf('j'), [p, p + 3500, p + 4000]);
    assert.equal(h.sched.stats().overruns, 2);
    await h.sched.stop();
  });
});

describe('CheckScheduler: concurrency limits', () => {
  it('never runs more than maxConcurrent; waiting starts go oldest first as slots free', async () => {
    const h = harness({ maxConcurrent: 2, maxPerHost: 10 });
    const ids = idsNear(6, 10_000, 1000, 100);
    const p = ids.map((id) => phaseOf(id, 10_000));
    const gauge = new Gauge();
    h.sched.set(ids.map((id) => job(h.clock, id, 500, { intervalMs: 10_000, gauge, hostKey: 'h' + id })));
    h.sched.start();
    await h.clock.advanceTo(h.base + 1100);
    assert.equal(h.sched.stats().running, 2);
    assert.equal(h.sched.stats().queued, 4);
    await h.clock.advanceTo(h.base + 9_000);
    assert.equal(gauge.max, 2);
    assert.deepEqual(
      h.starts.map((s) => [s.id, s.startedAt - h.base]),
      [
        [ids[0], p[0]],
        [ids[1], p[1]],
        [ids[2], p[0]! + 500],
        [ids[3], p[1]! + 500],
        [ids[4], p[0]! + 1000],
        [ids[5], p[1]! + 1000],
      ],
    );
    assert.equal(h.starts[5]?.latenessMs, p[1]! + 1000 - p[5]!);
    assert.equal(h.sched.stats().queued, 0);
    assert.equal(h.overruns.length, 0);
    await h.sched.stop();
  });

  it('caps each host; a busy host does not hold up starts for other hosts', async () => {
    const h = harness({ maxConcurrent: 2, maxPerHost: 1 });
    const ids = idsNear(6, 10_000, 2000, 100);
    const hostOf = (i: number): string => (i < 3 ? 'A' : i < 5 ? 'B' : 'C');
    const all = new Gauge();
    const perHost = new Map(['A', 'B', 'C'].map((k) => [k, new Gauge()]));
    h.sched.set(ids.map((id, i) => job(h.clock, id, 400, { intervalMs: 10_000, hostKey: hostOf(i), gauges: [all, perHost.get(hostOf(i))!] })));
    h.sched.start();
    await h.clock.advanceTo(h.base + 9_000);
    assert.equal(all.max, 2);
    for (const g of perHost.values()) assert.equal(g.max, 1);
    assert.equal(h.starts.length, 6);
    // A's second and third checks wait for A, yet B's first starts at its own phase.
    const [a0, , , b0] = ids.map((id) => phaseOf(id, 10_000));
    assert.deepEqual(h.startsOf(ids[3]!), [b0]);
    assert.deepEqual(h.startsOf(ids[1]!), [a0! + 400]);
    await h.sched.stop();
  });

  it('drops a waiting start that cannot begin before its next tick (limits), and sheds past maxQueued', async () => {
    const h = harness({ maxConcurrent: 1 });
    const [a, b, c] = idsNear(3, 1000, 0, 100) as [string, string, string];
    const gauge = new Gauge();
    h.sched.set([a, b, c].map((id) => job(h.clock, id, 900, { gauge })));
    h.sched.start();
    await h.clock.advanceTo(h.base + 1200);
    assert.equal(gauge.max, 1);
    const pa = phaseOf(a, 1000);
    const pc = phaseOf(c, 1000);
    assert.deepEqual(h.startsOf(a), [pa]);
    assert.deepEqual(h.startsOf(b), [pa + 900]);
    assert.deepEqual(h.startsOf(c), []);
    assert.ok(h.overruns.some((o) => o.id === c && o.reason === 'limits' && o.scheduledAt === h.base + pc));
    assert.ok(h.overruns.some((o) => o.id === b && o.reason === 'still_running'));
    await h.sched.stop();

    const q = harness({ maxConcurrent: 1, maxQueued: 1 });
    q.sched.set([a, b, c].map((id) => job(q.clock, id, 500)));
    q.sched.start();
    await q.clock.advanceTo(q.base + 150);
    assert.deepEqual(
      q.overruns.map((o) => [o.id, o.reason]),
      [[c, 'queue_full']],
    );
    assert.equal(q.sched.stats().queued, 1);
    await q.sched.stop();
  });
});

describe('CheckScheduler: rechecks', () => {
  it('runs a recheck at once or after afterMs, coalesced, never beside a running run, without moving the ticks', async () => {
    const h = harness();
    const gauge = new Gauge();
    h.sched.set([job(h.clock, 'x', 100, { intervalMs: 10_000, gauge })]);
    h.sched.start();
    const p = phaseOf('x', 10_000);
    await h.clock.advanceTo(h.base + p + 1000);

    // At once: it starts inside the call.
    assert.equal(h.sched.recheck('x'), true);
    assert.deepEqual(h.startsOf('x', 'recheck'), [p + 1000]);
    // While that runs: one recheck waits for it (the second request coalesces), then runs right after.
    assert.equal(h.sched.recheck('x'), true);
    assert.equal(h.sched.recheck('x'), false);
    await h.clock.advance(100);
    assert.deepEqual(h.startsOf('x', 'recheck'), [p + 1000, p + 1100]);
    await h.clock.advance(100);

    // Later: a pending recheck is moved earlier by a nearer request, never doubled.
    assert.equal(h.sched.recheck('x', 500), true);
    assert.equal(h.sched.recheck('x', 2000), false);
    assert.equal(h.sched.recheck('x', 200), false);
    await h.clock.advance(3000);
    assert.deepEqual(h.startsOf('x', 'recheck'), [p + 1000, p + 1100, p + 1400]);
    assert.ok(h.starts.filter((s) => s.kind === 'recheck').every((s) => s.latenessMs === 0));

    assert.equal(h.sched.recheck('nope'), false);
    await h.clock.advanceTo(h.base + 30_000);
    assert.equal(gauge.max, 1);
    assert.deepEqual(h.startsOf('x', 'interval'), grid('x', 10_000, [0, 1, 2]));
    assert.equal(h.overruns.length, 0);
    await h.sched.stop();
  });

  it('a recheck waits for a slot like any start', async () => {
    const h = harness({ maxConcurrent: 1 });
    const [a, b] = idsNear(2, 10_000, 500, 100) as [string, string];
    h.sched.set([job(h.clock, a, 1000, { intervalMs: 10_000 }), job(h.clock, b, 10, { intervalMs: 10_000 })]);
    h.sched.start();
    const pa = phaseOf(a, 10_000);
    await h.clock.advanceTo(h.base + pa + 2000); // a ran, then b waited for it and ran
    assert.deepEqual(h.startsOf(b), [pa + 1000]);
    h.sched.recheck(a);
    assert.equal(h.sched.recheck(b), true); // a's recheck holds the only slot
    assert.equal(h.sched.stats().queued, 1);
    await h.clock.advance(1000);
    assert.deepEqual(h.startsOf(b, 'recheck'), [pa + 3000]);
    await h.sched.stop();
  });
});

describe('CheckScheduler: set()', () => {
  it('stops a removed check (aborting its run), applies a new interval, keeps the others on their grid', async () => {
    const h = harness();
    const signals = new Map<string, AbortSignal[]>();
    const tracked = (id: string, intervalMs = 1000): CheckJob => ({
      ...job(h.clock, id, 300, { intervalMs }),
      run: async (signal) => {
        signals.set(id, [...(signals.get(id) ?? []), signal]);
        await h.clock.sleep(300, signal);
      },
    });
    h.sched.set([tracked('keep'), tracked('gone'), tracked('regrid')]);
    h.sched.start();
    const pGone = phaseOf('gone', 1000);
    const at = h.base + 2000 + pGone + 100; // 'gone' is mid-run
    await h.clock.advanceTo(at);
    const keepBefore = h.startsOf('keep');

    h.sched.set([tracked('keep'), tracked('regrid', 3000), tracked('new')]);
    const goneSignal = signals.get('gone')?.at(-1);
    assert.equal(goneSignal?.aborted, true);
    assert.equal((goneSignal?.reason as Error).name, 'AbortError');
    await h.clock.advanceTo(h.base + 12_000);

    assert.deepEqual(h.startsOf('gone'), grid('gone', 1000, [0, 1, 2]));
    assert.deepEqual(h.errors, []); // an abort asked for is not a check failure
    assert.deepEqual(h.startsOf('keep'), grid('keep', 1000, range(0, 12)));
    assert.ok(keepBefore.length >= 2);
    const t0 = at - h.base;
    assert.deepEqual(
      h.startsOf('regrid').filter((t) => t >= t0),
      grid('regrid', 3000, [0, 1, 2, 3]).filter((t) => t >= t0),
    );
    assert.deepEqual(
      h.startsOf('new'),
      grid('new', 1000, range(0, 12)).filter((t) => t >= t0),
    );
    assert.equal(h.sched.stats().jobs, 3);
    await h.sched.stop();
  });

  it('an id removed mid-run and added back does not start beside its old run', async () => {
    const h = harness();
    let hanging = 0;
    const stubborn: CheckJob = {
      id: 's',
      intervalMs: 1000,
      timeoutMs: 60_000,
      hostKey: 'h',
      run: () => {
        hanging++;
        return h.clock.sleep(1500);
      },
    };
    h.sched.set([stubborn]);
    h.sched.start();
    const p = phaseOf('s', 1000);
    await h.clock.advanceTo(h.base + p + 10);
    h.sched.set([]);
    h.sched.set([stubborn]); // its run ignores the abort and lasts until p + 1500
    await h.clock.advanceTo(h.base + p + 2500);
    assert.equal(hanging, 2);
    assert.deepEqual(h.startsOf('s'), [p, p + 2000]);
    assert.deepEqual(
      h.overruns.map((o) => [o.reason, o.scheduledAt - h.base]),
      [['still_running', p + 1000]],
    );
    const stopping = h.sched.stop(); // the second run ignores the abort too: it ends at p + 3500
    await h.clock.advance(1000);
    await stopping;
  });

  it('refuses duplicate ids and non-positive intervals', () => {
    const h = harness();
    assert.throws(() => h.sched.set([job(h.clock, 'a', 1), job(h.clock, 'a', 1)]), /listed twice/);
    assert.throws(() => h.sched.set([job(h.clock, 'a', 1, { intervalMs: 0 })]), /intervalMs/);
    assert.throws(() => new CheckScheduler({ maxPerHost: 0 }), /maxPerHost/);
  });
});

describe('CheckScheduler: stop()', () => {
  it('aborts runs in flight through their signal, resolves after they settle, and starts nothing after', async () => {
    const h = harness();
    const ids = idsNear(2, 10_000, 0, 100);
    const reasons: string[] = [];
    h.sched.set(
      ids.map((id) => ({
        ...job(h.clock, id, 0, { intervalMs: 10_000 }),
        run: async (signal: AbortSignal) => {
          try {
            await h.clock.sleep(5000, signal);
          } catch (err) {
            reasons.push((err as Error).name);
            await h.clock.sleep(50); // cleanup after the abort
            throw err;
          }
        },
      })),
    );
    h.sched.start();
    await h.clock.advanceTo(h.base + 200);
    assert.equal(h.sched.stats().running, 2);

    let stopped = false;
    const stopping = h.sched.stop().then((n) => {
      stopped = true;
      return n;
    });
    await h.clock.advance(10);
    assert.deepEqual(reasons, ['AbortError', 'AbortError']);
    assert.equal(stopped, false);
    await h.clock.advance(40);
    assert.equal(await stopping, 0);
    assert.equal(h.sched.stats().running, 0);
    assert.deepEqual(h.errors, []);

    const before = h.starts.length;
    assert.equal(h.sched.recheck(ids[0]!), false);
    await h.clock.advance(60_000);
    assert.equal(h.starts.length, before);
    assert.equal(h.clock.pending, 0);

    // Started again, it picks up the same grid.
    h.sched.start();
    const again = h.clock.now() - h.base;
    await h.clock.advance(10_000);
    for (const id of ids) assert.deepEqual(h.startsOf(id).slice(1), [phaseOf(id, 10_000) + Math.ceil((again - phaseOf(id, 10_000)) / 10_000) * 10_000]);
    const last = h.sched.stop();
    await h.clock.advance(5000);
    await last;
  });

  it('with waitMs, gives up on a run that ignores its signal and says how many are left', async () => {
    const h = harness();
    h.sched.set([{ id: 'deaf', intervalMs: 1000, timeoutMs: 60_000, hostKey: 'h', run: () => new Promise<void>(() => {}) }]);
    h.sched.start();
    await h.clock.advance(1000);
    assert.equal(h.sched.stats().running, 1);
    const stopping = h.sched.stop({ waitMs: 2000 });
    await h.clock.advance(2000);
    assert.equal(await stopping, 1);
  });
});

describe('CheckScheduler: deadlines', () => {
  it('aborts a hung run at timeoutMs and frees its slot, but never starts that check again until it settles', async () => {
    const h = harness({ maxPerHost: 1 });
    const [hung, other] = idsNear(2, 1000, 0, 100) as [string, string];
    let hungSignal: AbortSignal | undefined;
    let hungRuns = 0;
    h.sched.set([
      {
        id: hung,
        intervalMs: 1000,
        timeoutMs: 200,
        hostKey: 'shared',
        run: (signal) => {
          hungRuns++;
          hungSignal = signal;
          return new Promise<void>(() => {}); // ignores its signal
        },
      },
      job(h.clock, other, 10, { hostKey: 'shared', timeoutMs: 200 }),
    ]);
    h.sched.start();
    const ph = phaseOf(hung, 1000);
    await h.clock.advanceTo(h.base + ph + 199);
    assert.equal(hungSignal?.aborted, false);
    assert.deepEqual(h.startsOf(other), []); // the host's one slot is taken
    await h.clock.advance(1);
    assert.equal(hungSignal?.aborted, true);
    assert.equal((hungSignal?.reason as Error).name, 'TimeoutError');
    assert.deepEqual(h.startsOf(other), [ph + 200]); // the slot came back at the deadline

    await h.clock.advance(3000);
    assert.equal(hungRuns, 1);
    assert.deepEqual(h.startsOf(hung), [ph]);
    assert.deepEqual(
      h.overruns.map((o) => [o.id, o.reason]),
      [1, 2, 3].map(() => [hung, 'still_running']),
    );
    assert.deepEqual(h.startsOf(other), [ph + 200, ...grid(other, 1000, [1, 2, 3])]);
    const st = h.sched.stats();
    assert.equal(st.running, 0);
    assert.equal(st.overdue, 1);
    assert.equal(st.timedOut, 1);
    const stopping = h.sched.stop({ waitMs: 10 });
    await h.clock.advance(10);
    assert.equal(await stopping, 1); // the hung run never settles; stop() gives up on it after waitMs
  });

  it('reports a run that fails (on its deadline, or by throwing) through onError and frees the slot', async () => {
    const h = harness({ maxConcurrent: 1 });
    h.sched.set([
      job(h.clock, 'slow', 5000, { timeoutMs: 300 }),
      {
        id: 'throws',
        intervalMs: 1000,
        timeoutMs: 300,
        hostKey: 't',
        run: () => {
          throw new Error('boom');
        },
      },
    ]);
    h.sched.start();
    await h.clock.advance(2000);
    const named = h.errors.map((e) => [e.id, (e.err as Error).name === 'TimeoutError' ? 'timeout' : (e.err as Error).message]);
    assert.ok(named.some(([id, what]) => id === 'slow' && what === 'timeout'));
    assert.ok(named.some(([id, what]) => id === 'throws' && what === 'boom'));
    assert.equal(h.sched.stats().errors, h.errors.length);
    assert.equal(h.sched.stats().overdue, 0);
    assert.equal(h.startsOf('throws').length, 2);
    await h.sched.stop();
  });
});

describe('CheckScheduler: real timers', () => {
  it('starts each check on its grid, one run at a time, rechecks, and stops cleanly', async () => {
    const interval = 40;
    const starts: StartEvent[] = [];
    const running = new Map<string, number>();
    let overlap = 0;
    const sched = new CheckScheduler({ onStart: (ev) => starts.push(ev) });
    const ids = ['r1', 'r2', 'r3', 'r4'];
    sched.set(
      ids.map((id) => ({
        id,
        intervalMs: interval,
        timeoutMs: 1000,
        hostKey: 'loopback',
        run: async () => {
          const n = (running.get(id) ?? 0) + 1;
          running.set(id, n);
          if (n > 1) overlap++;
          await new Promise((r) => setTimeout(r, 5));
          running.set(id, n - 1);
        },
      })),
    );
    sched.start();
    const count = (id: string, kind: StartEvent['kind']): number => starts.filter((s) => s.id === id && s.kind === kind).length;
    await until('3 starts of every check', () => ids.every((id) => count(id, 'interval') >= 3), { everyMs: 10 });
    assert.equal(sched.recheck('r1'), true);
    await until('the recheck', () => count('r1', 'recheck') === 1, { everyMs: 5 });
    await sched.stop();

    assert.equal(overlap, 0);
    for (const id of ids) {
      const due = starts.filter((s) => s.id === id && s.kind === 'interval').map((s) => s.scheduledAt);
      assert.ok(due.every((t) => (((t - phaseOf(id, interval)) % interval) + interval) % interval === 0));
      assert.ok(due.every((t, i) => i === 0 || t > due[i - 1]!));
    }
    const after = starts.length;
    await new Promise((r) => setTimeout(r, 3 * interval));
    assert.equal(starts.length, after);
    assert.equal(sched.stats().running, 0);
  });
});
