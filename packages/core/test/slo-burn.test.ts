// Multi-window, multi-burn-rate alerts on sparse probe data: at 99.9 % with a probe a minute the 14.4×
// rule fires on one failed probe (hence the minFailures guard), and below 93.06 % it can never fire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  burnWindows,
  evaluateBurn,
  explainRules,
  minObjectiveFor,
  rawWindow,
  SRE_BURN_RULES,
  type Sample,
  type SloDefinition,
  type WindowStats,
} from '@runledger/core';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 30);
const slo: SloDefinition = { name: 'api-availability', service: 'api', kind: 'availability', objective: 0.999, windowMs: 30 * DAY };

/** A probe a minute for four days up to NOW; `down(at)` says which ones failed. */
function probes(down: (at: number) => boolean): Sample[] {
  const out: Sample[] = [];
  for (let at = NOW - 4 * DAY; at <= NOW; at += MIN) out.push({ at, state: down(at) ? 'down' : 'up' });
  return out;
}

/** Windows ending one second after the newest probe. */
function windows(samples: Sample[]): (ms: number) => WindowStats {
  const end = NOW + S;
  return (ms) => rawWindow(samples, end - ms, end, { maxGapMs: 2 * MIN });
}

describe('burn-rate rules', () => {
  it('the workbook table, and the window lengths it reads', () => {
    assert.deepEqual(
      SRE_BURN_RULES.map((r) => [r.severity, r.longMs / MIN, r.shortMs / MIN, r.factor]),
      [
        ['page', 60, 5, 14.4],
        ['page', 360, 30, 6],
        ['ticket', 1440, 120, 3],
        ['ticket', 4320, 360, 1],
      ],
    );
    assert.deepEqual(
      burnWindows().map((ms) => ms / MIN),
      [5, 30, 60, 120, 360, 1440, 4320],
    );
  });

  it('at 99.9 % and a probe a minute, one failed probe is enough for 14.4× over 1 h and 5 min', () => {
    const one = probes((at) => at === NOW - 2 * MIN);
    const unguarded = evaluateBurn({ ...slo, minFailures: 1 }, windows(one));
    assert.deepEqual(
      unguarded.map((v) => v.fires),
      [true, false, false, false],
    );
    assert.equal(unguarded[0]!.long.bad, MIN, 'the failed probe holds until the next one: 60 s down');
    assert.ok(unguarded[0]!.long.burnRate! > 14.4);
    assert.match(unguarded[0]!.reason, /^fires: 1 h at 16\.\d+×, 5 min at \d+(\.\d+)?×, 1 failed probe in 1 h$/);
    const [explained] = explainRules(slo, MIN);
    assert.equal(explained!.failuresNeeded, 1);
    assert.equal(
      explained!.text,
      '1 h/5 min at 14.4× on 99.9 %: needs ≥ 51.8 s down in 1 h and ≥ 4.3 s in 5 min ≈ 1 failed probe at a 60 s interval; guarded by minFailures 3',
    );
  });

  it('the minFailures guard keeps one lost probe from paging; three failures page', () => {
    const one = probes((at) => at === NOW - 2 * MIN);
    const guarded = evaluateBurn(slo, windows(one));
    assert.equal(guarded[0]!.fires, false);
    assert.equal(guarded[0]!.guarded, true);
    assert.match(guarded[0]!.reason, /^held back: .*only 1 failed probe in 1 h \(minFailures 3\)$/);
    const three = probes((at) => at >= NOW - 4 * MIN && at < NOW - MIN);
    const paged = evaluateBurn(slo, windows(three));
    assert.equal(paged[0]!.fires, true);
    assert.equal(paged[0]!.long.badSamples, 3);
  });

  it('the short window stops a page once the burning has stopped', () => {
    const earlier = probes((at) => at >= NOW - 30 * MIN && at < NOW - 25 * MIN);
    const [v] = evaluateBurn(slo, windows(earlier));
    assert.equal(v!.long.over, true);
    assert.equal(v!.short.over, false);
    assert.equal(v!.fires, false);
    assert.match(v!.reason, /^quiet: /);
  });

  it('below a 93.06 % objective the 14.4× rule can never fire, even when everything fails', () => {
    assert.equal((minObjectiveFor(14.4) * 100).toFixed(2), '93.06');
    const allDown = windows(probes(() => true));
    const at93 = evaluateBurn({ ...slo, objective: 0.93 }, allDown);
    assert.equal(at93[0]!.fires, false, '100 % bad is a burn of 1/0.07 = 14.29×');
    assert.ok(Math.abs(at93[0]!.long.burnRate! - 1 / 0.07) < 1e-9);
    assert.equal(at93[1]!.fires, true, 'the 6× rule still can');
    assert.equal(evaluateBurn({ ...slo, objective: 0.931 }, allDown)[0]!.fires, true);

    const never = explainRules({ ...slo, objective: 0.9305 }, MIN)[0]!;
    assert.equal(never.neverFires, true);
    assert.equal(never.never, 'objective');
    assert.equal(never.text, '1 h/5 min at 14.4× on 93.05 %: can never fire: it needs 100.08 % of 1 h bad (only objectives ≥ 93.06 % can reach 14.4×)');
    assert.equal(explainRules({ ...slo, objective: 0.9306 }, MIN)[0]!.neverFires, false);
  });
});

describe('explainRules', () => {
  it('says what each rule needs at 99.9 % and a probe a minute', () => {
    const rules = explainRules(slo, MIN);
    assert.deepEqual(
      rules.map((r) => r.failuresNeeded),
      [1, 3, 5, 5],
    );
    assert.deepEqual(
      rules.map((r) => r.withGuard),
      [3, 3, 5, 5],
    );
    assert.ok(Math.abs(rules[0]!.longBad - 51_840) < 1e-6);
    assert.equal(rules[1]!.text, '6 h/30 min at 6× on 99.9 %: needs ≥ 2.2 min down in 6 h and ≥ 10.8 s in 30 min ≈ 3 failed probes at a 60 s interval');
  });

  it('counts samples for latency SLOs, and says when the guard outnumbers the probes', () => {
    const latency: SloDefinition = { name: 'api-p95', service: 'api', kind: 'latency', objective: 0.95, windowMs: 30 * DAY, latency: { thresholdMs: 250 } };
    const [r] = explainRules(latency, MIN);
    assert.equal(r!.unit, 'samples');
    assert.equal(r!.text, '1 h/5 min at 14.4× on p95 ≤ 250 ms: needs ≥ 44 slow samples of 60 in 1 h and ≥ 4 of 5 in 5 min at a 60 s interval');
    const sparse = explainRules({ ...slo, minFailures: 10 }, 10 * MIN)[0]!;
    assert.equal(sparse.never, 'guard');
    assert.match(sparse.text, /minFailures 10 is more than the 6 probes a 1 h window holds at a 10 min interval/);
  });

  it('evaluateBurn refuses to guess a window it was not given', () => {
    assert.throws(() => evaluateBurn(slo, new Map()), /no stats for the 1 h window/);
  });
});
