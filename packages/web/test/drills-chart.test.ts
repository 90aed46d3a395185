// The drills chart's geometry without a browser: log scale around the data and the target, time order,
// failed drills kept apart from passed ones, figures in readable units.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillChart, seconds, type DrillPoint } from '../src/drills.js';

const box = { width: 400, height: 150, left: 50, right: 50, top: 10, bottom: 20 };
const pt = (id: string, at: string, value: number | null, passed = true): DrillPoint => ({ id, at, value, passed });

test('dots are in time order, smaller figures lower on the chart, the target above a fast restore', () => {
  const g = drillChart([pt('b', '2026-12-02T00:00:00Z', 40), pt('a', '2026-12-01T00:00:00Z', 2), pt('c', '2026-12-03T00:00:00Z', 5000, false)], 3600, box);
  assert.deepEqual(
    g.dots.map((d) => d.id),
    ['a', 'b', 'c'],
  );
  const [a, b, c] = g.dots;
  assert.ok(a!.x < b!.x && b!.x < c!.x);
  assert.ok(a!.y > b!.y && b!.y > c!.y, 'larger values are higher (smaller y)');
  assert.ok(g.targetY !== null && g.targetY < b!.y && g.targetY > c!.y, 'the target line sits between 40 s and 5000 s');
  assert.equal(c!.passed, false);
  assert.match(g.line, /^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
  for (const d of g.dots) assert.ok(d.y >= box.top && d.y <= box.height - box.bottom, `dot ${d.id} inside the plot`);
});

test('ticks fall on round figures and inside the plot; drills that did not measure the figure are left out', () => {
  const g = drillChart([pt('a', '2026-12-01T00:00:00Z', 0.4), pt('n', '2026-12-01T01:00:00Z', null)], 900, box);
  assert.equal(g.dots.length, 1);
  assert.equal(g.line, '');
  const labels = g.yTicks.map((t) => t.label);
  assert.ok(labels.includes('1.0 s') && labels.includes('1 min') && labels.includes('10 min'), labels.join(','));
  for (const t of g.yTicks) assert.ok(t.y >= box.top - 0.1 && t.y <= box.height - box.bottom + 0.1);
  assert.equal(g.dots[0]!.x, box.left + (box.width - box.left - box.right) / 2, 'one drill sits in the middle');
});

test('no drills and no target: an empty chart, not a crash', () => {
  const g = drillChart([], null, box);
  assert.equal(g.dots.length, 0);
  assert.equal(g.targetY, null);
  assert.ok(g.yTicks.length >= 1);
});

test('seconds() picks the unit that keeps the figure short', () => {
  assert.equal(seconds(0.25), '250 ms');
  assert.equal(seconds(4.26), '4.3 s');
  assert.equal(seconds(42), '42 s');
  assert.equal(seconds(90), '1.5 min');
  assert.equal(seconds(3600), '1 h');
  assert.equal(seconds(5400), '1.5 h');
  assert.equal(seconds(2 * 86400), '2 d');
});
