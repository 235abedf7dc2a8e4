import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complianceTier, summarizeNights, complianceByArea } from '../src/compliance.js';
import { createDevicePalette, DEVICE_COLORS } from '../src/devices.js';
import { seriesLayout, nightsLayout, nightState } from '../src/chart.js';
import { exportFileName, featureCollection } from '../src/export.js';
import { validateIncident, incidentFieldOf } from '../src/incidentform.js';

test('complianceTier classes the share of nights met', () => {
  assert.equal(complianceTier(100).tier, 'met');
  assert.equal(complianceTier(90).tier, 'met');
  assert.equal(complianceTier(89.9).tier, 'partial');
  assert.equal(complianceTier(50).tier, 'partial');
  assert.equal(complianceTier(0).tier, 'poor');
  assert.equal(complianceTier(null), null);
  assert.equal(complianceTier(undefined), null);
  assert.equal(complianceTier('n/a'), null);
});

test('summarizeNights counts met and visited nights and the last visit', () => {
  const s = summarizeNights([
    { date: '2024-03-01', visits: 2, meets: true },
    { date: '2024-03-02', visits: 1, meets: false },
    { date: '2024-03-03', visits: 0, meets: false },
  ]);
  assert.deepEqual(s, { total: 3, met: 1, open: 0, judged: 3, visited: 2, lastVisited: '2024-03-02' });
  assert.deepEqual(summarizeNights(undefined), { total: 0, met: 0, open: 0, judged: 0, visited: 0, lastVisited: null });
});

test('summarizeNights leaves an open night (tonight, not met yet) out of the judged ones', () => {
  const s = summarizeNights([
    { date: '2024-03-01', visits: 1, meets: true, open: false },
    { date: '2024-03-02', visits: 0, meets: false, open: false },
    { date: '2024-03-03', visits: 0, meets: false, open: true },
  ]);
  assert.deepEqual(s, { total: 3, met: 1, open: 1, judged: 2, visited: 1, lastVisited: '2024-03-01' });
  // met early, tonight counts as met and judged
  const early = summarizeNights([{ date: '2024-03-03', visits: 1, meets: true, open: false }]);
  assert.deepEqual([early.met, early.open, early.judged], [1, 0, 1]);
});

test('complianceByArea indexes by area id as text', () => {
  const m = complianceByArea({ features: [{ properties: { area_id: 7, percent: 50 } }, { properties: {} }, null] });
  assert.equal(m.size, 1);
  assert.equal(m.get('7').percent, 50);
});

test('device colours follow sorted ids and stay put', () => {
  const p = createDevicePalette();
  p.register(['phone-b', 'phone-a']);
  assert.equal(p.colorOf('phone-a'), DEVICE_COLORS[0]);
  assert.equal(p.colorOf('phone-b'), DEVICE_COLORS[1]);
  assert.equal(p.colorOf('phone-c'), DEVICE_COLORS[2]);
  p.register(['phone-0']); // a newcomer does not move the others
  assert.equal(p.colorOf('phone-a'), DEVICE_COLORS[0]);
  p.reset();
  assert.equal(p.colorOf('phone-c'), DEVICE_COLORS[0]);
});

test('seriesLayout scales bars to the largest count and marks significant steps', () => {
  const l = seriesLayout({ counts: [0, 2, 4], zs: [-1, 0, 3], hot: [0, 0, 1] }, 300, 64);
  assert.equal(l.n, 3);
  assert.deepEqual(l.bars.map((b) => b.kind), ['none', 'some', 'hot']);
  assert.equal(l.bars[2].height, 58); // the largest count fills the box less its padding
  assert.equal(l.bars[1].height, 29);
  assert.equal(l.bars[0].height, 1);
  assert.equal(l.bars[1].x, 115); // 100 px per step, bars 70 % wide and centred
  // z runs from 3 (top) to −2 (bottom): zero sits 3/5 of the way down.
  assert.equal(l.zeroY, 3 + 0.6 * 58);
  assert.equal(l.line.split(' ').length, 3);
  assert.deepEqual(seriesLayout({}), { n: 0, bars: [], line: '', zeroY: null });
  assert.equal(seriesLayout({ counts: [1], hot: [-1] }).bars[0].kind, 'cold');
});

test('nightsLayout wraps the nights into rows', () => {
  const nights = Array.from({ length: 30 }, (_, i) => ({ date: `2024-03-${String(i + 1).padStart(2, '0')}`, visits: i % 3, meets: i % 3 === 2 }));
  const l = nightsLayout(nights, 260, 12, 2);
  assert.equal(l.squares.length, 30);
  assert.equal(l.squares[18].x, 0); // 18 squares of 14 px fit in 260
  assert.equal(l.squares[18].y, 14);
  assert.equal(l.height, 26);
  assert.deepEqual(nights.slice(0, 3).map(nightState), ['missed', 'short', 'met']);
  assert.deepEqual([{ visits: 0, open: true }, { visits: 1, open: true }, { visits: 1, meets: true }].map(nightState), ['open', 'open', 'met']);
});

test('exportFileName names the unit, layer and period safely', () => {
  assert.equal(exportFileName({ unit: 'demo', layer: 'gaps', from: '2024-03-01', to: '2024-03-30' }), 'patrolmap-demo-gaps-2024-03-01_2024-03-30.geojson');
  assert.equal(exportFileName({ unit: 'a/b c', layer: 'key-areas' }), 'patrolmap-a-b-c-key-areas.geojson');
  assert.deepEqual(featureCollection(null, { unit: 'demo' }), { type: 'FeatureCollection', unit: 'demo', features: [] });
});

test('validateIncident checks the fields and converts the time to UTC', () => {
  const now = new Date('2024-03-02T00:00:00Z');
  const ok = validateIncident({ category: 'theft', severity: '4', time: '2024-03-01T22:30', description: '  túi xách  ' }, 'Asia/Ho_Chi_Minh', now);
  assert.deepEqual(ok.problems, {});
  assert.deepEqual(ok.incident, { category: 'theft', severity: 4, time: '2024-03-01T15:30:00.000Z', description: 'túi xách' });
  const bad = validateIncident({ category: '', severity: '9', time: '2024-03-02T23:00', description: 'x'.repeat(4001) }, 'Asia/Ho_Chi_Minh', now);
  assert.deepEqual(Object.keys(bad.problems).sort(), ['category', 'description', 'severity', 'time']);
  assert.equal(bad.problems.time, 'incident.timeFuture');
  // Vietnamese letters take more than one byte each.
  assert.equal(validateIncident({ category: 'other', severity: 3, time: '2024-03-01T10:00', description: 'ệ'.repeat(1400) }, 'UTC', now).problems.description, 'incident.descriptionLong');
});

test('incidentFieldOf reads the server error paths', () => {
  assert.equal(incidentFieldOf('time'), 'time');
  assert.equal(incidentFieldOf('incidents[0].category'), 'category');
  assert.equal(incidentFieldOf('/incidents/0/severity'), 'severity');
  assert.equal(incidentFieldOf('external_id'), null);
  assert.equal(incidentFieldOf(undefined), null);
});

test('gapExplanation counts a key area on nights counted and says an open night apart', async () => {
  const { gapExplanation, areaMet } = await import('../src/gapwhy.js');
  const { setLanguage } = await import('../src/i18n.js');
  const area = { area_id: 3, name: 'Chợ', required: 1, nights: 30, nights_met: 26, nights_judged: 28, nights_missed: 2, nights_open: 2,
    open_nights: ['2026-12-07', '2026-12-08'], percent: 92.9, incidents: 0, incidents_near: 0 };
  setLanguage('vi');
  const vi = gapExplanation(area);
  assert.equal(vi[0], 'Đạt yêu cầu 26/28 đêm đã tính, bỏ sót 2 đêm (yêu cầu 1 lượt mỗi đêm).');
  assert.equal(vi[1], 'Đêm chưa tính: 07/12/2026, 08/12/2026 (đêm chưa kết thúc, chưa đạt yêu cầu; không tính là bỏ sót).');
  assert.equal(areaMet(area), '26/28 (92,9 %)');
  setLanguage('en');
  const en = gapExplanation(area);
  assert.match(en[0], /^Met its requirement on 26 of 28 nights counted, missed 2 /);
  assert.match(en[1], /^Not counted yet: /);
  // No open night: nothing said of one.
  const closed = gapExplanation({ ...area, nights_judged: 30, nights_missed: 4, nights_open: 0, open_nights: [] });
  assert.equal(closed.filter((l) => /Not counted yet/.test(l)).length, 0);
  assert.match(closed[0], /on 26 of 30 nights counted, missed 4/);
  setLanguage('vi');
});
