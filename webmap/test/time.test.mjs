import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays, daysBetween, wholeWeeksEnding, defaultRange, isLocalDate, nightInProgress, partsInZone, planNight, rangeDays, todayIn, toQueryRange, validRange, zoneOrDefault,
} from '../src/time.js';

test('isLocalDate accepts real dates only', () => {
  for (const [s, want] of [['2024-02-29', true], ['2023-02-29', false], ['2024-13-01', false], ['2024-3-1', false], ['', false], [null, false]]) {
    assert.equal(isLocalDate(s), want, String(s));
  }
});

test('addDays crosses months, years and leap days', () => {
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  assert.equal(addDays('2023-12-31', 1), '2024-01-01');
  assert.equal(daysBetween('2024-01-01', '2024-03-01'), 60);
});

test('todayIn uses the unit time zone, not UTC', () => {
  // 18:30 UTC on 1 March is 01:30 on 2 March in Hanoi (UTC+7).
  const now = new Date('2024-03-01T18:30:00Z');
  assert.equal(todayIn('Asia/Ho_Chi_Minh', now), '2024-03-02');
  assert.equal(todayIn('UTC', now), '2024-03-01');
});

test('defaultRange is the last 30 days including today', () => {
  const r = defaultRange('Asia/Ho_Chi_Minh', 30, new Date('2024-03-30T05:00:00Z'));
  assert.deepEqual(r, { from: '2024-03-01', to: '2024-03-30' });
  assert.equal(rangeDays(r), 30);
});

test('toQueryRange makes the inclusive end half-open', () => {
  assert.deepEqual(toQueryRange({ from: '2024-03-01', to: '2024-03-01' }), { from: '2024-03-01', to: '2024-03-02' });
});

test('validRange wants two dates in order', () => {
  assert.equal(validRange({ from: '2024-03-01', to: '2024-03-01' }), true);
  assert.equal(validRange({ from: '2024-03-02', to: '2024-03-01' }), false);
  assert.equal(validRange({ from: '', to: '2024-03-01' }), false);
});

test('partsInZone gives 24-hour wall-clock fields', () => {
  const p = partsInZone('2024-03-01T17:05:09Z', 'Asia/Ho_Chi_Minh');
  assert.deepEqual(p, { year: '2024', month: '03', day: '02', hour: '00', minute: '05', second: '09' });
});

test('zoneOrDefault falls back to Asia/Ho_Chi_Minh', () => {
  assert.equal(zoneOrDefault('Not/AZone'), 'Asia/Ho_Chi_Minh');
  assert.equal(zoneOrDefault(undefined), 'Asia/Ho_Chi_Minh');
  assert.equal(zoneOrDefault('Asia/Bangkok'), 'Asia/Bangkok');
});

test('wholeWeeksEnding covers the period in whole weeks, at least the minimum', () => {
  assert.deepEqual(wholeWeeksEnding({ from: '2024-03-01', to: '2024-03-31' }, 1), { from: '2024-02-25', to: '2024-03-31', weeks: 5 });
  assert.deepEqual(wholeWeeksEnding({ from: '2024-03-03', to: '2024-03-31' }, 1), { from: '2024-03-03', to: '2024-03-31', weeks: 4 });
  assert.deepEqual(wholeWeeksEnding({ from: '2024-03-01', to: '2024-03-31' }, 12), { from: '2024-01-07', to: '2024-03-31', weeks: 12 });
});

test('zonedToInstant reads wall-clock time in the unit zone', async () => {
  const { zonedToInstant, localDateTimeIn } = await import('../src/time.js');
  assert.equal(zonedToInstant('2024-03-02T00:05', 'Asia/Ho_Chi_Minh').toISOString(), '2024-03-01T17:05:00.000Z');
  assert.equal(zonedToInstant('2024-03-01T23:30:15', 'UTC').toISOString(), '2024-03-01T23:30:15.000Z');
  // Berlin moves to summer time on 31 March 2024: 12:00 is UTC+2 there.
  assert.equal(zonedToInstant('2024-03-31T12:00', 'Europe/Berlin').toISOString(), '2024-03-31T10:00:00.000Z');
  for (const bad of ['2024-02-30T10:00', '2024-03-01T24:00', '2024-03-01', '', null]) {
    assert.equal(zonedToInstant(bad, 'Asia/Ho_Chi_Minh'), null, String(bad));
  }
  assert.equal(localDateTimeIn('2024-03-01T17:05:09Z', 'Asia/Ho_Chi_Minh'), '2024-03-02T00:05');
  assert.equal(localDateTimeIn(zonedToInstant('2024-12-31T22:45', 'Asia/Ho_Chi_Minh'), 'Asia/Ho_Chi_Minh'), '2024-12-31T22:45');
});

const hanoi = { timezone: 'Asia/Ho_Chi_Minh', night_start: '22:00', night_end: '05:00' };
const berlin = { timezone: 'Europe/Berlin', night_start: '22:00', night_end: '05:00' };

test('nightInProgress is the night under way, by day the coming one, on awkward days', () => {
  for (const [unit, instant, want] of [
    [hanoi, '2026-12-07T08:00:00+07:00', '2026-12-07'], // 15:00 by day: tonight
    [hanoi, '2026-12-07T22:00:00+07:00', '2026-12-07'], // the night's start
    [hanoi, '2026-12-07T23:59:00+07:00', '2026-12-07'], // just before midnight
    [hanoi, '2026-12-08T00:01:00+07:00', '2026-12-07'], // just after: still the night of the 7th
    [hanoi, '2026-12-08T04:59:00+07:00', '2026-12-07'],
    [hanoi, '2026-12-08T05:00:00+07:00', '2026-12-08'], // the night is over: the coming one
    [hanoi, '2027-01-01T01:00:00+07:00', '2026-12-31'], // the 1st, across the year
    [hanoi, '2026-12-31T23:00:00+07:00', '2026-12-31'], // the 31st
    [hanoi, '2028-03-01T02:30:00+07:00', '2028-02-29'], // 29 February
    [berlin, '2027-10-31T02:30:00+02:00', '2027-10-30'], // clocks back: 02:30 CEST
    [berlin, '2027-10-31T02:30:00+01:00', '2027-10-30'], // and 02:30 CET again
    [berlin, '2027-10-31T04:30:00+01:00', '2027-10-30'], // 03:30 UTC, a fixed +2 h would say 05:30
    [berlin, '2027-03-28T03:30:00+02:00', '2027-03-27'], // clocks forward
  ]) {
    assert.equal(nightInProgress(unit, new Date(instant)), want, `${unit.timezone} ${instant}`);
  }
  // A window that does not cross midnight has no night of the day before; once
  // it has ended, the next is tomorrow's (as the server's night.Of).
  const early = { timezone: 'UTC', night_start: '00:30', night_end: '04:00' };
  assert.equal(nightInProgress(early, new Date('2026-12-08T00:10:00Z')), '2026-12-08');
  assert.equal(nightInProgress(early, new Date('2026-12-08T01:00:00Z')), '2026-12-08');
  assert.equal(nightInProgress(early, new Date('2026-12-08T04:00:00Z')), '2026-12-09');
  assert.equal(nightInProgress(early, new Date('2028-02-28T23:00:00Z')), '2028-02-29');
});

test('planNight plans the night in progress when the period holds it, else the period\'s last', () => {
  const at1 = new Date('2026-12-08T01:00:00+07:00'); // 01:00 on the 8th: the night of the 7th runs
  assert.equal(planNight({ from: '2026-11-09', to: '2026-12-08' }, hanoi, at1), '2026-12-07');
  assert.equal(planNight({ from: '2026-12-07', to: '2026-12-07' }, hanoi, at1), '2026-12-07');
  assert.equal(planNight({ from: '2026-12-08', to: '2026-12-08' }, hanoi, at1), '2026-12-08');
  assert.equal(planNight({ from: '2026-11-01', to: '2026-11-30' }, hanoi, at1), '2026-11-30');
  const by15 = new Date('2026-12-08T15:00:00+07:00');
  assert.equal(planNight({ from: '2026-11-09', to: '2026-12-08' }, hanoi, by15), '2026-12-08');
  assert.equal(planNight({ from: '2028-02-01', to: '2028-03-01' }, hanoi, new Date('2028-03-01T02:30:00+07:00')), '2028-02-29');
});
