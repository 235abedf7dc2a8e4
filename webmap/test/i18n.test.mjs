import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../src/messages.js';
import {
  formatDate, formatDateTime, formatDuration, formatFixed, formatLocalDate, formatNumber, formatP, formatTime,
  initLanguage, label, language, onLanguageChange, setLanguage, t,
} from '../src/i18n.js';

test('Vietnamese and English have the same keys and placeholders', () => {
  const vi = Object.keys(messages.vi).sort();
  const en = Object.keys(messages.en).sort();
  assert.deepEqual(en, vi);
  const holes = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
  for (const key of vi) assert.equal(holes(messages.en[key]), holes(messages.vi[key]), key);
});

test('Vietnamese is the default and formats the ward way', () => {
  assert.equal(initLanguage(), 'vi');
  assert.equal(formatNumber(1234.5), '1.234,5');
  assert.equal(formatFixed(2, 2), '2,00');
  assert.equal(formatP(0.0004), '< 0,001');
  assert.equal(formatLocalDate('2024-03-01'), '01/03/2024');
  // 15:05 UTC is 22:05 in Hanoi; 17:30 UTC is 00:30 the next day.
  assert.equal(formatTime('2024-03-01T15:05:00Z'), '22:05');
  assert.equal(formatDate('2024-03-01T17:30:00Z'), '02/03/2024');
  assert.equal(formatDateTime('2024-03-01T17:30:00Z', 'Asia/Ho_Chi_Minh'), '02/03/2024 00:30');
  assert.equal(formatDuration(3900), '1 giờ 5 phút');
  assert.equal(t('role.analyst'), 'cán bộ phân tích');
});

test('switching to English notifies listeners and keeps unknown codes readable', () => {
  const seen = [];
  const stop = onLanguageChange((lang) => seen.push(lang));
  setLanguage('en');
  stop();
  assert.deepEqual(seen, ['en']);
  assert.equal(language(), 'en');
  assert.equal(formatNumber(1234.5), '1,234.5');
  assert.equal(label('category', 'traffic_accident'), 'Traffic accident');
  assert.equal(label('category', 'smuggling'), 'smuggling');
  assert.equal(t('panel.summary', { from: 'a', to: 'b', days: 3 }), 'a – b · 3 days');
  assert.equal(t('no.such.key'), 'no.such.key');
  setLanguage('xx');
  assert.equal(language(), 'en');
  setLanguage('vi');
});
