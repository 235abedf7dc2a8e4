import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stayState, clockText, STAY_MIN_S, STAY_MAX_S } from '../src/officer/stay.js';
import { routeStops, routeLines, boardAreas, nightRange, markRepeats } from '../src/officer/tonight.js';
import { WORDS } from '../src/officer/words.js';

test('the stay timer is short under 10 min, good to 16, long after', () => {
  const t0 = Date.UTC(2024, 1, 29, 16, 0, 0);
  assert.deepEqual(stayState(t0, t0 + 30_000), { elapsed: 30, phase: 'short', fraction: 30 / STAY_MAX_S });
  assert.equal(stayState(t0, t0 + STAY_MIN_S * 1000).phase, 'good');
  assert.equal(stayState(t0, t0 + (STAY_MAX_S - 1) * 1000).phase, 'good');
  assert.equal(stayState(t0, t0 + STAY_MAX_S * 1000).phase, 'long');
  assert.equal(stayState(t0, t0 + 3_600_000).fraction, 1);
  assert.equal(stayState(t0, t0 - 5000).elapsed, 0);
  assert.equal(clockText(605), '10:05');
  assert.equal(clockText(3725), '1:02:05');
});

test('routeStops orders the plan stops and drops the return to the start', () => {
  const stop = (order, kind, name, dwell) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [105.85, 21.47 + order / 1000] },
    properties: { role: 'stop', order, kind, name, dwell_min: dwell } });
  const plan = { type: 'FeatureCollection', features: [
    { type: 'Feature', geometry: { type: 'LineString', coordinates: [[105.85, 21.47], [105.86, 21.48]] }, properties: { role: 'leg' } },
    stop(2, 'gap', 'Ngõ 11', 2), stop(0, 'start', 'Trụ sở', 0), stop(1, 'key_area', 'Chợ', 12), stop(3, 'start', 'Trụ sở', 0),
  ] };
  assert.deepEqual(routeStops(plan).map((s) => [s.order, s.kind, s.dwell]), [[0, 'start', 0], [1, 'key_area', 12], [2, 'gap', 2]]);
  assert.deepEqual(routeLines(plan), [[[21.47, 105.85], [21.48, 105.86]]]);
  assert.deepEqual(routeStops(null), []);
});

test('boardAreas puts the urgent first', () => {
  const areas = [
    { name: 'B', status: 'met' }, { name: 'C', status: 'pending', deadline_at: '2024-02-29T19:00:00Z' },
    { name: 'D', status: 'pending', deadline_at: '2024-02-29T17:30:00Z' }, { name: 'E', status: 'overdue' }, { name: 'F', status: 'missed' },
  ];
  assert.deepEqual(boardAreas({ areas }).map((a) => a.name), ['E', 'D', 'C', 'F', 'B']);
});

test('nightRange selects one night, across month and year ends', () => {
  assert.deepEqual(nightRange('2024-02-29'), { from: '2024-02-29', to: '2024-03-01' });
  assert.deepEqual(nightRange('2026-12-31'), { from: '2026-12-31', to: '2027-01-01' });
});

test('neighbouring stops on one road tell how far on the second lies', () => {
  const stop = (order, kind, name, along, road) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [105.85, 21.47] },
    properties: { role: 'stop', order, kind, name, road, dwell_min: 2, along_m: along } });
  const plan = { type: 'FeatureCollection', features: [
    stop(0, 'start', 'Trụ sở', 0), stop(1, 'gap', 'Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm, 2 vụ việc tại đây', 1252, 'Ngõ 11 Lê Hồng Phong'),
    stop(2, 'gap', 'Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm, 10 vụ việc quanh đây', 1324, 'Ngõ 11 Lê Hồng Phong'),
    stop(3, 'gap', 'Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm', 1460, 'Ngõ 11 Lê Hồng Phong'),
    stop(4, 'gap', 'Phố Lê Hồng Phong — chưa tuần tra 14 đêm', 2000, 'Phố Lê Hồng Phong'),
    stop(5, 'gap', 'Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm', 2600, 'Ngõ 11 Lê Hồng Phong'),
    stop(6, 'start', 'Trụ sở', 3000),
  ] };
  // One road, whatever sets the stops' names apart.
  assert.deepEqual(routeStops(plan).map((s) => s.repeat), [null, null, { after: 1, metres: 70 }, { after: 2, metres: 140 }, null, null]);
  // Without distances the stop still says which it follows.
  const noAlong = markRepeats([{ order: 1, kind: 'gap', name: 'A', along: null }, { order: 2, kind: 'gap', name: 'A', along: null }]);
  assert.deepEqual(noAlong[1].repeat, { after: 1, metres: null });
  // Unnamed stops and a return to the start are not repeats.
  assert.deepEqual(markRepeats([{ order: 1, kind: 'gap', name: '', along: 1 }, { order: 2, kind: 'gap', name: '', along: 9 }]).map((s) => s.repeat), [null, null]);
  assert.equal(WORDS.vi.onFrom(1, '70'), 'đi tiếp 70 m từ điểm 1');
  assert.equal(WORDS.en.onFrom(2, '1.400'), '1.400 m on from stop 2');
  assert.equal(WORDS.en.onFrom(2, null), 'right after stop 2, same road');
});
