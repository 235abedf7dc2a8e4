// emerging.js draws emerging hot spot categories (GET /api/v1/emerging,
// weekly steps): the 16 hot and cold patterns in colour, "no pattern" cells
// as faint outlines; each popup explains the category with the weekly counts
// and the Mann-Kendall trend.

import { api } from '../api.js';
import { h } from '../dom.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { wholeWeeksEnding, addDays } from '../time.js';
import { t, label, formatNumber, formatFixed, formatP, formatLocalDate } from '../i18n.js';

// EMERGING_COLORS lists the categories in legend order with their fill.
export const EMERGING_COLORS = {
  new_hot_spot: '#ff1f1f',
  consecutive_hot_spot: '#fc8d59',
  intensifying_hot_spot: '#a50026',
  persistent_hot_spot: '#d6604d',
  diminishing_hot_spot: '#f4a582',
  sporadic_hot_spot: '#fdae61',
  oscillating_hot_spot: '#c51b7d',
  historical_hot_spot: '#d9b38c',
  new_cold_spot: '#1f78ff',
  consecutive_cold_spot: '#67a9cf',
  intensifying_cold_spot: '#08306b',
  persistent_cold_spot: '#4393c3',
  diminishing_cold_spot: '#92c5de',
  sporadic_cold_spot: '#80cdc1',
  oscillating_cold_spot: '#5e3c99',
  historical_cold_spot: '#b8cde0',
};
const NO_PATTERN = 'no_pattern';
// MIN_WEEKS is the shortest history analysed: the server (like ArcGIS)
// wants at least 10 weekly steps, and 12 give the trend test some power.
export const MIN_WEEKS = 12;
const NONE_STROKE = '#9a9a9a';

function categoryOf(p) {
  return Object.prototype.hasOwnProperty.call(EMERGING_COLORS, p.category) ? p.category : NO_PATTERN;
}

// createEmergingLayer returns the layer definition for emerging hot spots.
export function createEmergingLayer({ renderer }) {
  let weeks = null;
  return createHexLayer({
    name: 'emerging',
    defaultOn: true,
    depends: ['unit', 'period'],
    renderer,
    swatch: { shape: 'box', fill: EMERGING_COLORS.new_hot_spot },
    // The analysis runs over whole weeks ending with the chosen period and
    // at least MIN_WEEKS long; the legend says which weeks.
    async fetch(view, signal) {
      weeks = wholeWeeksEnding(view.query, MIN_WEEKS);
      return api.emerging({ unit: view.query.unit, from: weeks.from, to: weeks.to, step: 'week' }, signal);
    },
    summarize(features) {
      return { present: new Set(features.map((f) => categoryOf(f.properties || {}))), weeks };
    },
    style(p) {
      const category = categoryOf(p);
      if (category === NO_PATTERN) return { color: NONE_STROKE, weight: 0.4, opacity: 0.5, fill: true, fillOpacity: 0 };
      const color = EMERGING_COLORS[category];
      return { color, weight: 0.8, opacity: 1, fillColor: color, fillOpacity: 0.7 };
    },
    popup(p) {
      const trend =
        typeof p.trend_z === 'number'
          ? t('emerging.trendValue', { z: formatFixed(p.trend_z, 2), p: formatP(p.trend_p) })
          : null;
      return {
        title: label('emerging', p.category),
        rows: [
          [t('emerging.count'), formatNumber(p.count)],
          [t('emerging.trend'), trend],
          [t('coverage.cell'), p.cell],
        ],
        extra: Array.isArray(p.count_series) && p.count_series.length > 0 ? seriesChart(p.count_series) : null,
      };
    },
    legend(stats) {
      const items = Object.keys(EMERGING_COLORS)
        .filter((c) => stats.present?.has(c))
        .map((c) => ({ label: label('emerging', c), fill: EMERGING_COLORS[c] }));
      if (stats.present?.has(NO_PATTERN)) items.push({ label: label('emerging', NO_PATTERN), shape: 'outline', stroke: NONE_STROKE });
      const w = stats.weeks;
      const note = w
        ? t('emerging.weeks', { n: formatNumber(w.weeks), from: formatLocalDate(w.from), to: formatLocalDate(addDays(w.to, -1)) })
        : null;
      return legend(items, { note });
    },
  });
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

// seriesChart draws the counts per step as small bars with the values as an
// accessible label.
function seriesChart(series) {
  const values = series.map((v) => (Number.isFinite(Number(v)) ? Number(v) : 0));
  const width = 200;
  const height = 40;
  const max = Math.max(1, ...values);
  const step = width / values.length;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'series-chart', role: 'img' });
  chart.setAttribute('aria-label', `${t('emerging.series')}: ${values.map((v) => formatNumber(v)).join('; ')}`);
  values.forEach((v, i) => {
    const barHeight = Math.max(v > 0 ? 2 : 1, (v / max) * (height - 2));
    chart.append(svg('rect', {
      x: (i * step + step * 0.15).toFixed(2),
      y: (height - barHeight).toFixed(2),
      width: (step * 0.7).toFixed(2),
      height: barHeight.toFixed(2),
      class: v > 0 ? 'bar' : 'bar empty',
    }));
  });
  return h('figure', { class: 'series' }, h('figcaption', {}, t('emerging.series')), chart);
}
