// The report card's pure parts: the half-open query of an inclusive period,
// the links, the last day of an archived report, and its strings in both
// languages.
import test from 'node:test';
import assert from 'node:assert/strict';
import { reportMessages } from '../src/reportmessages.js';

// reportpanel.js imports the DOM helpers; load it only for its pure exports.
globalThis.document ??= { createElement: () => ({}) };
const { reportQuery, reportURL, reportFileName, shortHash, lastDayOf } = await import('../src/reportpanel.js');

test('reportQuery makes "đến hết ngày" inclusive: to is the day after the last day', () => {
  assert.deepEqual(reportQuery('demo', { from: '2028-02-01', to: '2028-02-29' }, 'vi'),
    { unit: 'demo', from: '2028-02-01', to: '2028-03-01', lang: 'vi' });
  assert.deepEqual(reportQuery('demo', { from: '2026-12-01', to: '2026-12-31' }, 'en').to, '2027-01-01');
});

test('reportURL asks for the page or the PDF', () => {
  const q = { unit: 'demo', from: '2026-11-01', to: '2026-12-01', lang: 'vi' };
  assert.equal(reportURL(q, 'html'), '/api/v1/report?unit=demo&from=2026-11-01&to=2026-12-01&lang=vi');
  assert.equal(reportURL(q, 'pdf'), '/api/v1/report?unit=demo&from=2026-11-01&to=2026-12-01&lang=vi&format=pdf');
});

test('reportFileName names the PDF in the report\'s own language', () => {
  const range = { from: '2026-11-01', to: '2026-11-30' };
  assert.equal(reportFileName({ unit: 'demo', lang: 'vi' }, range), 'bao-cao-demo-2026-11-01-2026-11-30.pdf');
  assert.equal(reportFileName({ unit: 'demo', lang: 'en' }, range), 'report-demo-2026-11-01-2026-11-30.pdf');
});

test('lastDayOf reads the last included day of an archived period', () => {
  assert.equal(lastDayOf('2028-03-01'), '2028-02-29');
  assert.equal(lastDayOf('2027-01-01'), '2026-12-31');
  assert.equal(lastDayOf('2026-12-01T17:00:00Z'), '');
});

test('shortHash keeps both ends of a SHA-256', () => {
  assert.equal(shortHash('a'.repeat(56) + '12345678'), 'aaaaaaaa…12345678');
});

test('the report card speaks Vietnamese and English with the same keys and placeholders', () => {
  const vi = reportMessages.vi;
  const en = reportMessages.en;
  assert.deepEqual(Object.keys(vi).sort(), Object.keys(en).sort());
  const holes = (s) => (s.match(/\{\w+\}/g) || []).sort();
  for (const k of Object.keys(vi)) assert.deepEqual(holes(vi[k]), holes(en[k]), k);
  assert.equal(vi['report.to'], 'Đến hết ngày');
});
