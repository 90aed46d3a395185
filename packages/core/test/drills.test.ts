// Drills (pure): one verdict rule (checks, then each measured figure against its target) and sortable ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DRILL_TARGETS, DRILL_KINDS, drillId, isDrillKind, judgeDrill, type DrillCheck } from '../src/index.js';

const ok = (name: string): DrillCheck => ({ name, ok: true, detail: 'held' });

describe('judgeDrill', () => {
  it('passes when every check holds and every figure with a target is within it', () => {
    assert.deepEqual(judgeDrill({ rtoSeconds: 12.5, rpoSeconds: 900 }, DEFAULT_DRILL_TARGETS, [ok('files'), ok('ledger')]), { passed: true, reasons: [] });
  });

  it('a target exactly met passes; a figure without a target, or a target without a figure, is not judged', () => {
    assert.equal(judgeDrill({ rtoSeconds: 60 }, { rtoSeconds: 60 }, []).passed, true);
    assert.equal(judgeDrill({ deliverySeconds: 1e6 }, { rtoSeconds: 1 }, []).passed, true);
    assert.equal(judgeDrill({}, DEFAULT_DRILL_TARGETS, []).passed, true);
  });

  it('fails naming each failed check, then each figure over its target, in that order', () => {
    const v = judgeDrill({ rtoSeconds: 3600.5, rpoSeconds: 901, deliverySeconds: 61 }, DEFAULT_DRILL_TARGETS, [
      ok('files'),
      { name: 'ledger', ok: false, detail: 'root differs at size 12' },
    ]);
    assert.equal(v.passed, false);
    assert.deepEqual(v.reasons, [
      'ledger: root differs at size 12',
      'RTO 3600.500 s is over the target 3600 s',
      'RPO 901.000 s is over the target 900 s',
      'delivery 61.000 s is over the target 60 s',
    ]);
  });

  it('a figure that is not a number (NaN) never passes its target', () => {
    const v = judgeDrill({ rtoSeconds: Number.NaN }, { rtoSeconds: 10 }, []);
    assert.equal(v.passed, false);
    assert.match(v.reasons[0]!, /^RTO NaN s is over the target 10 s$/);
  });

  it('seed 001: RTO 60 min, RPO 15 min', () => {
    assert.equal(DEFAULT_DRILL_TARGETS.rtoSeconds, 3600);
    assert.equal(DEFAULT_DRILL_TARGETS.rpoSeconds, 900);
  });
});

describe('drillId and kinds', () => {
  it('is the start time in UTC to the second and the suffix; ids sort by start time', () => {
    assert.equal(drillId(new Date('2026-12-07T19:58:43.123Z'), '1a2b3c'), 'drill-20261207T195843Z-1a2b3c');
    const a = drillId(new Date('2026-12-07T09:00:00.000Z'), 'ffffff');
    const b = drillId(new Date('2026-12-07T10:00:00.000Z'), '000000');
    assert.ok(a < b);
  });

  it('knows the four kinds and nothing else', () => {
    assert.deepEqual([...DRILL_KINDS], ['restore', 'escalation', 'rollback', 'chaos']);
    for (const k of DRILL_KINDS) assert.equal(isDrillKind(k), true);
    for (const k of ['Restore', 'backup', '', 1, undefined]) assert.equal(isDrillKind(k), false);
  });
});
