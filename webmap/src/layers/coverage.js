// coverage.js draws patrol coverage (GET /api/v1/coverage): the hexagons
// with at least one pass in the period and window, shaded by the share of
// the period's nights they were visited on, by dwell minutes or by passes
// (the measure picker under the legend).

import { api } from '../api.js';
import { h } from '../dom.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { t, formatNumber, formatDuration, formatDateTime, onLanguageChange } from '../i18n.js';

// COVERAGE_COLORS run from light (rarely) to dark (often).
const COVERAGE_COLORS = ['#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#0c4f9e'];

// COVERAGE_CLASSES are the pass-count classes, lowest first.
export const COVERAGE_CLASSES = [
  { min: 1, max: 1, color: COVERAGE_COLORS[0] },
  { min: 2, max: 4, color: COVERAGE_COLORS[1] },
  { min: 5, max: 9, color: COVERAGE_COLORS[2] },
  { min: 10, max: 19, color: COVERAGE_COLORS[3] },
  { min: 20, max: Infinity, color: COVERAGE_COLORS[4] },
];

// DWELL_CLASSES are dwell classes in minutes: [min, max).
export const DWELL_CLASSES = [
  { min: 0, max: 1, color: COVERAGE_COLORS[0] },
  { min: 1, max: 5, color: COVERAGE_COLORS[1] },
  { min: 5, max: 15, color: COVERAGE_COLORS[2] },
  { min: 15, max: 60, color: COVERAGE_COLORS[3] },
  { min: 60, max: Infinity, color: COVERAGE_COLORS[4] },
];

// NIGHT_SHARES are classes of the share of the period's nights a cell was
// visited on: [min, max).
export const NIGHT_SHARES = [
  { min: 0, max: 0.1, color: COVERAGE_COLORS[0] },
  { min: 0.1, max: 0.25, color: COVERAGE_COLORS[1] },
  { min: 0.25, max: 0.5, color: COVERAGE_COLORS[2] },
  { min: 0.5, max: 0.75, color: COVERAGE_COLORS[3] },
  { min: 0.75, max: Infinity, color: COVERAGE_COLORS[4] },
];

export const MEASURES = ['nights', 'dwell', 'passes'];

// coverageClass returns the class for a number of passes.
export function coverageClass(passes) {
  const n = Number(passes) || 0;
  for (let i = COVERAGE_CLASSES.length - 1; i >= 0; i--) {
    if (n >= COVERAGE_CLASSES[i].min) return COVERAGE_CLASSES[i];
  }
  return COVERAGE_CLASSES[0];
}

function halfOpenClass(classes, value) {
  const v = Number(value) || 0;
  return classes.find((c) => v >= c.min && v < c.max) || classes[0];
}

// measureClass returns the class of a cell for a measure; periodNights is
// the number of nights in the period (for the share of nights).
export function measureClass(measure, p, periodNights) {
  if (measure === 'dwell') return halfOpenClass(DWELL_CLASSES, (Number(p.dwell_s) || 0) / 60);
  if (measure === 'passes') return coverageClass(p.passes);
  const nights = Number(p.nights) || 0;
  if (!(periodNights > 0)) return coverageClass(nights);
  return halfOpenClass(NIGHT_SHARES, nights / periodNights);
}

function passLabel(c) {
  if (c.min === c.max && c.min === 1) return t('coverage.class1');
  if (c.max === Infinity) return t('coverage.classMin', { min: formatNumber(c.min) });
  return t('coverage.classRange', { min: formatNumber(c.min), max: formatNumber(c.max) });
}

function dwellLabel(c) {
  if (c.min === 0) return t('coverage.dwellUnder', { max: formatNumber(c.max) });
  if (c.max === Infinity) return t('coverage.dwellMin', { min: formatNumber(c.min) });
  return t('coverage.dwellRange', { min: formatNumber(c.min), max: formatNumber(c.max) });
}

function shareLabel(c, nights) {
  const pct = (v) => formatNumber(Math.round(v * 100));
  const count = (v) => formatNumber(Math.ceil(v * nights));
  if (c.min === 0) return t('coverage.shareUnder', { max: pct(c.max) });
  if (c.max === Infinity) return t('coverage.shareMin', { min: pct(c.min), nights: count(c.min) });
  return t('coverage.shareRange', { min: pct(c.min), max: pct(c.max) });
}

// createCoverageLayer returns the layer definition for coverage.
export function createCoverageLayer({ renderer, stack }) {
  let measure = 'nights';
  const select = h('select', { id: 'coverage-measure', testid: 'coverage-measure' },
    MEASURES.map((m) => h('option', { value: m, selected: m === measure })));
  const label = h('label', { class: 'field compact', for: select.id }, h('span', {}), select);
  const renderTexts = () => {
    label.firstChild.textContent = t('coverage.measure');
    for (const option of select.options) option.textContent = t(`coverage.measure.${option.value}`);
  };
  renderTexts();
  onLanguageChange(renderTexts);

  const def = createHexLayer({
    name: 'coverage',
    order: 0,
    depends: ['unit', 'period', 'window'],
    renderer,
    stack,
    swatch: { shape: 'box', fill: COVERAGE_CLASSES[2].color },
    controls: label,
    fetch: (view, signal) => api.coverage({ ...view.query, window: view.window }, signal),
    summarize(features, fc) {
      const nights = Number(fc?.query?.nights);
      return { features, periodNights: Number.isFinite(nights) && nights > 0 ? nights : 0 };
    },
    style(p, stats) {
      const c = measureClass(measure, p, stats.periodNights);
      return { color: c.color, weight: 0.6, opacity: 0.9, fillColor: c.color, fillOpacity: 0.6 };
    },
    describe(p, view) {
      return {
        title: t('layer.coverage'),
        rows: [
          [t('coverage.nights'), formatNumber(p.nights)],
          [t('coverage.passes'), formatNumber(p.passes)],
          [t('coverage.dwell'), formatDuration(p.dwell_s)],
          [t('coverage.lastVisit'), p.last_visit ? formatDateTime(p.last_visit, view?.timeZone) : null],
        ],
      };
    },
    legend(stats) {
      const present = new Set((stats.features || []).map((f) => measureClass(measure, f.properties || {}, stats.periodNights)));
      let classes = COVERAGE_CLASSES;
      let text = passLabel;
      let title = t('coverage.legend');
      if (measure === 'dwell') {
        classes = DWELL_CLASSES;
        text = dwellLabel;
        title = t('coverage.legendDwell');
      } else if (measure === 'nights' && stats.periodNights > 0) {
        classes = NIGHT_SHARES;
        text = (c) => shareLabel(c, stats.periodNights);
        title = t('coverage.legendNights', { nights: formatNumber(stats.periodNights) });
      } else if (measure === 'nights') {
        title = t('coverage.nights');
      }
      return legend(classes.filter((c) => present.has(c)).map((c) => ({ label: text(c), fill: c.color, stroke: c.color })), { title });
    },
  });
  select.addEventListener('change', () => {
    measure = select.value;
    def.restyle();
    def.onLegendChange?.();
  });
  return def;
}
