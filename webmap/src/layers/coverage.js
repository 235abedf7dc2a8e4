// coverage.js draws patrol coverage (GET /api/v1/coverage): the hexagons
// with at least one pass in the period and window, shaded by passes.

import { api } from '../api.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { t, formatNumber, formatDuration, formatDateTime } from '../i18n.js';

// COVERAGE_CLASSES are the pass-count classes, lowest first.
export const COVERAGE_CLASSES = [
  { min: 1, max: 1, color: '#c7e9b4' },
  { min: 2, max: 4, color: '#7fcdbb' },
  { min: 5, max: 9, color: '#41b6c4' },
  { min: 10, max: 19, color: '#1d91c0' },
  { min: 20, max: Infinity, color: '#0c4f9e' },
];

// coverageClass returns the class for a number of passes.
export function coverageClass(passes) {
  const n = Number(passes) || 0;
  for (let i = COVERAGE_CLASSES.length - 1; i >= 0; i--) {
    if (n >= COVERAGE_CLASSES[i].min) return COVERAGE_CLASSES[i];
  }
  return COVERAGE_CLASSES[0];
}

function classLabel(c) {
  if (c.min === c.max && c.min === 1) return t('coverage.class1');
  if (c.max === Infinity) return t('coverage.classMin', { min: formatNumber(c.min) });
  return t('coverage.classRange', { min: formatNumber(c.min), max: formatNumber(c.max) });
}

// createCoverageLayer returns the layer definition for coverage.
export function createCoverageLayer({ renderer }) {
  return createHexLayer({
    name: 'coverage',
    depends: ['unit', 'period', 'window'],
    renderer,
    swatch: { shape: 'box', fill: COVERAGE_CLASSES[2].color },
    fetch: (view, signal) => api.coverage({ ...view.query, window: view.window }, signal),
    summarize(features) {
      const present = new Set(features.map((f) => coverageClass(f.properties?.passes)));
      return { present };
    },
    style(p) {
      const c = coverageClass(p.passes);
      return { color: c.color, weight: 0.6, opacity: 0.9, fillColor: c.color, fillOpacity: 0.6 };
    },
    popup(p, stats, view) {
      return {
        title: t('layer.coverage'),
        rows: [
          [t('coverage.passes'), formatNumber(p.passes)],
          [t('coverage.dwell'), formatDuration(p.dwell_s)],
          [t('coverage.nights'), formatNumber(p.nights)],
          [t('coverage.lastVisit'), p.last_visit ? formatDateTime(p.last_visit, view?.timeZone) : null],
          [t('coverage.cell'), p.cell],
        ],
      };
    },
    legend: (stats) =>
      legend(
        COVERAGE_CLASSES.filter((c) => stats.present?.has(c)).map((c) => ({ label: classLabel(c), fill: c.color, stroke: c.color })),
        { title: t('coverage.legend') },
      ),
  });
}
