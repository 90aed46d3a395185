// The per-check state machine on a fake clock: thresholds confirm a change before making it,
// rechecks confirm failures quickly, flapping does not page, staleness and late results are handled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyResult, applyStaleness, initialTracker, type CheckTracker, type ThresholdConfig, type ThresholdStep } from '@runledger/core';

const CFG: ThresholdConfig = { failureThreshold: 3, successThreshold: 2 };

/** Feeds results one per `every` ms from `start`; returns every step. */
function run(results: string, cfg: ThresholdConfig = CFG, from: CheckTracker = initialTracker(), start = 0, every = 30_000): ThresholdStep[] {
  const steps: ThresholdStep[] = [];
  let t = from;
  [...results].forEach((r, i) => {
    const s = applyResult(t, { ok: r === '+', at: start + i * every }, cfg);
    steps.push(s);
    t = s.tracker;
  });
  return steps;
}
const states = (steps: ThresholdStep[]): string => steps.map((s) => s.state[0]).join('');

describe('check thresholds', () => {
  it('settles unknown on the first success, but needs failureThreshold failures for down', () => {
    const up = run('+');
    assert.deepEqual([up[0]!.from, up[0]!.to, up[0]!.changed, up[0]!.commands], ['unknown', 'up', true, []]);
    assert.equal(up[0]!.tracker.since, 0);
    assert.equal(states(run('---')), 'uud', 'unknown, unknown, then down at the third failure');
  });

  it('needs 3 consecutive failures for down and 2 consecutive successes for up again', () => {
    const s = run('+--+---++-+');
    assert.equal(states(s), 'uuuuuudduuu');
    assert.deepEqual(
      s.filter((x) => x.changed).map((x) => [x.from, x.to, x.tracker.since]),
      [
        ['unknown', 'up', 0],
        ['up', 'down', 6 * 30_000],
        ['down', 'up', 8 * 30_000],
      ],
    );
  });

  it('asks for a recheck while a change is not yet confirmed, and stops once it is', () => {
    const s = run('+---++');
    assert.deepEqual(
      s.map((x) => x.commands.map((c) => `${c.type}:${c.afterMs}`).join()),
      ['', 'recheck:1000', 'recheck:1000', '', 'recheck:1000', ''],
    );
    const quick = run('+--', { ...CFG, recheckAfterMs: 250 });
    assert.deepEqual(quick[1]!.commands, [{ type: 'recheck', afterMs: 250 }]);
  });

  it('a flapping check changes state at most once per confirmed run, on a fake clock', () => {
    // Every other probe fails for an hour: never three in a row, so it never pages.
    const flap = run('+-'.repeat(60));
    assert.ok(flap.every((x) => x.state === 'up'));
    assert.equal(flap.filter((x) => x.changed).length, 1, 'only unknown → up');
    // Two failures, one success, repeated: still up; the success resets the failure count.
    assert.ok(run('+--'.repeat(40)).every((x, i) => i === 0 || x.state === 'up'));
    // Down and flapping back: one success between failures never resolves it.
    const down = run('---' + '+-'.repeat(30));
    assert.ok(down.slice(2).every((x) => x.state === 'down'));
    assert.equal(down.filter((x) => x.changed).length, 1);
  });

  it('honours thresholds of one (no confirmation wanted)', () => {
    const s = run('+-+-', { failureThreshold: 1, successThreshold: 1 });
    assert.equal(states(s), 'udud');
    assert.ok(s.every((x) => x.commands.length === 0));
  });

  it('ignores a result older than the last one applied', () => {
    const a = applyResult(initialTracker(), { ok: true, at: 10_000 }, CFG);
    const late = applyResult(a.tracker, { ok: false, at: 9_000 }, CFG);
    assert.equal(late.changed, false);
    assert.deepEqual(late.tracker, a.tracker);
    assert.deepEqual(late.commands, []);
  });

  it('goes unknown when no result arrives for staleAfterMs, and counts afresh after', () => {
    const up = run('++').at(-1)!.tracker;
    assert.equal(applyStaleness(up, 30_000 + 89_999, 90_000).changed, false);
    const stale = applyStaleness(up, 30_000 + 90_000, 90_000);
    assert.deepEqual([stale.from, stale.to, stale.changed, stale.tracker.since], ['up', 'unknown', true, 120_000]);
    assert.equal(applyStaleness(stale.tracker, 999_999, 90_000).changed, false, 'unknown stays unknown');
    assert.equal(states(run('--', CFG, stale.tracker, 200_000)), 'uu', 'a failure count does not survive staleness');
  });
});
