import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_TEXT, alertLines, clockIn, openAlerts } from '../src/alerts.js';

const alert = {
  id: 7, area_id: 3, area_name: 'Chợ Phường', required: 1, min_dwell_min: 10, visits: 0,
  deadline_at: '2024-02-29T17:30:00Z', raised_at: '2024-02-29T17:30:20Z',
  nearest: { device: 'phone-a', distance_m: 1240.4, seen_at: '2024-02-29T17:29:00Z' },
  acknowledged_by: null, acknowledged_at: null,
};

test('clockIn writes the deadline on the unit clock', () => {
  assert.equal(clockIn('2024-02-29T17:30:00Z', 'Asia/Ho_Chi_Minh'), '00:30');
  assert.equal(clockIn('2024-03-31T00:30:00Z', 'Europe/Berlin'), '01:30');
});

test('alertLines name the area, its requirement, the deadline and the nearest officer', () => {
  const [title, req, nearest] = alertLines(alert, 'Asia/Ho_Chi_Minh', ALERT_TEXT.vi);
  assert.equal(title, 'Cảnh báo quá hạn: Chợ Phường');
  assert.equal(req, 'cần 1 lượt tuần tra, mỗi lượt ít nhất 10 phút; quá hạn 00:30, mới có 0 lượt đạt');
  assert.match(nearest, /^Cán bộ trực gần nhất: phone-a, cách 1[.,]240 m$/);
  const en = alertLines({ ...alert, required: 2, min_dwell_min: 0, nearest: null }, 'Asia/Ho_Chi_Minh', ALERT_TEXT.en);
  assert.deepEqual(en.slice(1), ['needs 2 visits; overdue since 00:30, 0 counted so far', 'No on-duty officer with a recent position']);
});

test('openAlerts keeps the unacknowledged, latest deadline first', () => {
  const later = { ...alert, id: 8, deadline_at: '2024-02-29T19:00:00Z' };
  const acked = { ...alert, id: 9, acknowledged_at: '2024-02-29T18:00:00Z', acknowledged_by: 'officer1' };
  assert.deepEqual(openAlerts([alert, acked, later]).map((a) => a.id), [8, 7]);
  assert.deepEqual(openAlerts(null), []);
});
