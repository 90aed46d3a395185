// On-call schedules: weekly hand-offs at a local hour across a DST change, fixed-hour shifts, layers,
// overrides, and "now and next".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSchedule, fromLocal, layerShiftAt, nowAndNext, onCallAt, ScheduleError, toLocal, type Schedule } from '@runledger/core';

const Z = (s: string): number => Date.parse(s);
const local = (ms: number, tz: string) => {
  const l = toLocal(ms, tz);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')} ${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
};

const weekly: Schedule = {
  name: 'primary',
  timeZone: 'Europe/Berlin',
  layers: [{ name: 'weekly', users: ['ada', 'bob', 'cy'], start: { year: 2026, month: 3, day: 23, hour: 9, minute: 0 }, everyDays: 7 }],
  overrides: [],
};

describe('zoned time', () => {
  it('converts local wall time to instants in and out of DST, gaps and overlaps included', () => {
    assert.equal(new Date(fromLocal({ year: 2026, month: 3, day: 23, hour: 9, minute: 0 }, 'Europe/Berlin')).toISOString(), '2026-03-23T08:00:00.000Z');
    assert.equal(new Date(fromLocal({ year: 2026, month: 3, day: 30, hour: 9, minute: 0 }, 'Europe/Berlin')).toISOString(), '2026-03-30T07:00:00.000Z');
    // 02:30 does not exist on 29 March in Berlin: moved forward by the gap, to 03:30 CEST.
    assert.equal(new Date(fromLocal({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toISOString(), '2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October: the first.
    assert.equal(new Date(fromLocal({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin')).toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(new Date(fromLocal({ year: 2026, month: 12, day: 7, hour: 9, minute: 0 }, 'America/New_York')).toISOString(), '2026-12-07T14:00:00.000Z');
  });
});

describe('rotations', () => {
  it('a weekly rotation hands over Monday 09:00 local, before and after the DST change', () => {
    const a = onCallAt(weekly, Z('2026-03-25T12:00:00Z'))!;
    assert.equal(a.user, 'ada');
    assert.equal(local(a.to, 'Europe/Berlin'), '2026-03-30 09:00');
    assert.equal(a.to - a.from, 7 * 24 * 3_600_000 - 3_600_000, 'the week with the spring-forward is an hour short');
    assert.equal(onCallAt(weekly, Z('2026-03-30T06:59:59Z'))!.user, 'ada');
    assert.equal(onCallAt(weekly, Z('2026-03-30T07:00:00Z'))!.user, 'bob');
    assert.equal(onCallAt(weekly, Z('2026-04-08T12:00:00Z'))!.user, 'cy');
    assert.equal(onCallAt(weekly, Z('2026-04-15T12:00:00Z'))!.user, 'ada', 'wraps around');
    assert.equal(onCallAt(weekly, Z('2026-03-20T12:00:00Z')), undefined, 'nobody before the start');
    const late = layerShiftAt(weekly.layers[0]!, weekly.timeZone, Z('2026-11-04T12:00:00Z'))!;
    assert.equal(local(late.from, 'Europe/Berlin').slice(11), '09:00', 'still 09:00 local in winter');
  });

  it('fixed-hour shifts follow the clock; a higher layer covers a lower one; overrides win', () => {
    const s: Schedule = {
      name: 'split',
      timeZone: 'UTC',
      layers: [
        { name: 'base', users: ['ada', 'bob'], start: { year: 2026, month: 12, day: 1, hour: 0, minute: 0 }, everyHours: 12 },
        { name: 'holiday', users: ['cy'], start: { year: 2026, month: 12, day: 24, hour: 0, minute: 0 }, everyDays: 1, end: Z('2026-12-27T00:00:00Z') },
      ],
      overrides: [{ user: 'dee', from: Z('2026-12-10T10:00:00Z'), to: Z('2026-12-10T14:00:00Z'), reason: 'swap' }],
    };
    checkSchedule(s);
    assert.equal(onCallAt(s, Z('2026-12-01T11:00:00Z'))!.user, 'ada');
    assert.equal(onCallAt(s, Z('2026-12-01T13:00:00Z'))!.user, 'bob');
    assert.equal(onCallAt(s, Z('2026-12-24T13:00:00Z'))!.user, 'cy');
    assert.equal(onCallAt(s, Z('2026-12-27T01:00:00Z'))!.source, 'base');
    const o = onCallAt(s, Z('2026-12-10T11:00:00Z'))!;
    assert.deepEqual([o.user, o.source], ['dee', 'override']);
    const before = onCallAt(s, Z('2026-12-10T09:00:00Z'))!;
    assert.equal(before.to, Z('2026-12-10T10:00:00Z'), 'a shift ends where an override starts');
    const eve = onCallAt(s, Z('2026-12-23T20:00:00Z'))!;
    assert.equal(eve.to, Z('2026-12-24T00:00:00Z'), 'and where a higher layer starts');
  });

  it('now and next', () => {
    const r = nowAndNext(weekly, Z('2026-03-25T12:00:00Z'));
    assert.equal(r.now?.user, 'ada');
    assert.equal(r.next?.user, 'bob');
    assert.equal(r.next?.from, Z('2026-03-30T07:00:00Z'));
    const before = nowAndNext(weekly, Z('2026-03-01T00:00:00Z'));
    assert.equal(before.now, undefined);
    assert.equal(before.next?.user, 'ada');
  });

  it('refuses an unknown zone, an empty layer, two lengths and a backwards override', () => {
    assert.throws(() => checkSchedule({ ...weekly, timeZone: 'Mars/Olympus' }), ScheduleError);
    assert.throws(() => checkSchedule({ ...weekly, layers: [{ ...weekly.layers[0]!, users: [] }] }), /no users/);
    assert.throws(() => checkSchedule({ ...weekly, layers: [{ ...weekly.layers[0]!, everyHours: 12 }] }), /exactly one/);
    assert.throws(() => checkSchedule({ ...weekly, overrides: [{ user: 'x', from: 2, to: 1 }] }), /ends before/);
  });
});
