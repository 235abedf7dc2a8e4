import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays, daysBetween, wholeWeeksEnding, defaultRange, isLocalDate, partsInZone, rangeDays, todayIn, toQueryRange, validRange, zoneOrDefault,
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
