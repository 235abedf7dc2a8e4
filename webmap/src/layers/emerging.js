// emerging.js draws emerging hot spot categories (GET /api/v1/emerging,
// weekly steps): the 16 hot and cold patterns in colour, "no pattern" cells
// as faint outlines; each cell explains its category with the weekly counts,
// the z-score series and the Mann-Kendall trend. A step slider under the
// legend replays the analysis week by week (the significant hot and cold
// spots of each step, from hot_series), and plays it like a film.

import { api } from '../api.js';
import { h } from '../dom.js';
import { legend } from '../legend.js';
import { seriesChart } from '../chart.js';
import { createHexLayer } from './hexagons.js';
import { neighbourSums } from './neighbours.js';
import { HOTSPOT_COLORS } from './hotspots.js';
import { wholeWeeksEnding, addDays } from '../time.js';
import { t, label, formatNumber, formatFixed, formatP, formatLocalDate, onLanguageChange } from '../i18n.js';
import { fill, stroke } from '../palette.js';

// EMERGING_COLORS lists the categories in legend order with their fill from
// the shared palette: reds for hot patterns, blues for cold ones, the new and
// consecutive ones the darkest.
export const EMERGING_COLORS = Object.fromEntries([
  'new_hot_spot',
  'consecutive_hot_spot',
  'intensifying_hot_spot',
  'persistent_hot_spot',
  'diminishing_hot_spot',
  'sporadic_hot_spot',
  'oscillating_hot_spot',
  'historical_hot_spot',
  'new_cold_spot',
  'consecutive_cold_spot',
  'intensifying_cold_spot',
  'persistent_cold_spot',
  'diminishing_cold_spot',
  'sporadic_cold_spot',
  'oscillating_cold_spot',
  'historical_cold_spot',
].map((c) => [c, fill(`emerging.${c}`)]));
const NO_PATTERN = 'no_pattern';
// MIN_WEEKS is the shortest history analysed: the server (like ArcGIS)
// wants at least 10 weekly steps, and 12 give the trend test some power.
export const MIN_WEEKS = 12;
const NONE_STROKE = stroke('emerging.no_pattern');
// In the replay a step's significant cells take the 99 % hot and cold colours.
const STEP_COLORS = { hot: HOTSPOT_COLORS.hot[99], cold: HOTSPOT_COLORS.cold[99], incidents: '#fdd49e' };
const PLAY_MS = 900;

function categoryOf(p) {
  return Object.prototype.hasOwnProperty.call(EMERGING_COLORS, p.category) ? p.category : NO_PATTERN;
}

// stepState returns 'hot', 'cold', 'incidents' or 'none' for a cell at a
// step of the replay.
export function stepState(p, step) {
  const sig = Number(Array.isArray(p.hot_series) ? p.hot_series[step] : 0);
  if (sig === 1) return 'hot';
  if (sig === -1) return 'cold';
  const count = Number(Array.isArray(p.count_series) ? p.count_series[step] : 0);
  return count > 0 ? 'incidents' : 'none';
}

// emergingWhy says in plain words why a cell has its category: what the
// pattern means, how many incidents were in the cell and how many around it
// (Gi* counts both, so a cell with none can be hot because of its
// neighbours), and whether the trend is clear.
export function emergingWhy(p, stats = {}, weeks = null) {
  const category = categoryOf(p);
  const lines = [t(`why.emerging.${category}`)];
  const own = Number(p.count) || 0;
  const n = stats.near?.get(p.cell) || { near: 0, cells: 0 };
  const w = formatNumber(weeks?.weeks || (Array.isArray(p.count_series) ? p.count_series.length : 0));
  if (category !== NO_PATTERN || own > 0) {
    lines.push(t(own === 0 && n.near > 0 ? 'why.emerging.neighbours' : 'why.emerging.counts',
      { own: formatNumber(own), near: formatNumber(n.near), k: formatNumber(n.cells), weeks: w }));
  }
  if (typeof p.trend_p === 'number' && typeof p.trend_z === 'number') {
    const key = p.trend_p < 0.05 ? (p.trend_z > 0 ? 'why.trend.up' : 'why.trend.down') : 'why.trend.none';
    lines.push(t(key, { p: formatP(p.trend_p) }));
  }
  return lines;
}

// stepRange returns the local dates {from, to} (inclusive) of step i of
// whole weeks starting on from.
export function stepRange(from, i) {
  return { from: addDays(from, 7 * i), to: addDays(from, 7 * i + 6) };
}

// createEmergingLayer returns the layer definition for emerging hot spots.
export function createEmergingLayer({ renderer, stack }) {
  let weeks = null;
  let step = null; // null: the categories; else the replayed step
  let playing = 0;
  let def = null;

  const slider = h('input', { type: 'range', id: 'emerging-step', testid: 'emerging-step', min: 0, max: 0, step: 1, value: 0 });
  const sliderLabel = h('label', { class: 'replay-label', for: slider.id });
  const status = h('p', { class: 'replay-status', testid: 'emerging-step-label', 'aria-live': 'polite' });
  const play = h('button', { type: 'button', class: 'button small', testid: 'emerging-play', 'aria-pressed': 'false' });
  const summary = h('button', { type: 'button', class: 'button small', testid: 'emerging-summary' });
  const controls = h('div', { class: 'replay', testid: 'emerging-replay', dataset: { step: 'summary' } },
    sliderLabel, slider, status, h('div', { class: 'replay-buttons' }, play, summary));

  const hotCount = (i) => {
    let n = 0;
    for (const f of def?.toGeoJSON().features || []) if (stepState(f.properties || {}, i) === 'hot') n++;
    return n;
  };

  const renderControls = () => {
    sliderLabel.textContent = t('emerging.replay');
    play.textContent = playing ? t('emerging.pause') : t('emerging.play');
    play.setAttribute('aria-pressed', String(Boolean(playing)));
    summary.textContent = t('emerging.showCategories');
    summary.disabled = step === null;
    controls.dataset.step = step === null ? 'summary' : String(step);
    if (!weeks) {
      status.textContent = '';
      return;
    }
    if (step === null) {
      status.textContent = t('emerging.summaryStatus', { n: formatNumber(weeks.weeks) });
      slider.setAttribute('aria-valuetext', status.textContent);
      return;
    }
    const r = stepRange(weeks.from, step);
    const hot = hotCount(step);
    controls.dataset.hot = String(hot);
    status.textContent = t('emerging.stepStatus', {
      i: formatNumber(step + 1), n: formatNumber(weeks.weeks), from: formatLocalDate(r.from), to: formatLocalDate(r.to), hot: formatNumber(hot),
    });
    slider.setAttribute('aria-valuetext', status.textContent);
  };

  const setStep = (value) => {
    step = value;
    slider.value = value === null ? slider.max : String(value);
    def.restyle();
    renderControls();
    def.onLegendChange?.();
  };
  const stop = () => {
    clearInterval(playing);
    playing = 0;
  };

  // The slider's last notch, right of the weeks, is the summary: from it the
  // left arrow steps back into the last week.
  slider.addEventListener('input', () => {
    stop();
    const v = Number(slider.value);
    setStep(weeks && v < weeks.weeks ? v : null);
  });
  play.addEventListener('click', () => {
    if (playing) {
      stop();
      renderControls();
      return;
    }
    const last = (weeks?.weeks || 1) - 1;
    if (step === null || step >= last) setStep(0);
    playing = setInterval(() => {
      if (step >= last) {
        stop();
        renderControls();
        return;
      }
      setStep(step + 1);
    }, PLAY_MS);
    renderControls();
  });
  summary.addEventListener('click', () => {
    stop();
    setStep(null);
  });
  onLanguageChange(renderControls);

  def = createHexLayer({
    name: 'emerging',
    order: 3,
    defaultOn: true,
    depends: ['unit', 'period'],
    renderer,
    stack,
    swatch: { shape: 'box', fill: EMERGING_COLORS.new_hot_spot },
    controls,
    // The analysis runs over whole weeks ending with the chosen period and
    // at least MIN_WEEKS long; the legend says which weeks.
    async fetch(view, signal) {
      stop();
      const w = wholeWeeksEnding(view.query, MIN_WEEKS);
      const fc = await api.emerging({ unit: view.query.unit, from: w.from, to: w.to, step: 'week' }, signal);
      weeks = w;
      step = null;
      slider.max = String(w.weeks);
      slider.value = slider.max;
      return fc;
    },
    summarize(features) {
      queueMicrotask(renderControls);
      return { present: new Set(features.map((f) => categoryOf(f.properties || {}))), weeks, near: neighbourSums(features, (p) => p.count) };
    },
    // The badge counts the emerging hot spot patterns, not the cells analysed.
    flagged: (features) => features.filter((f) => categoryOf(f.properties || {}).endsWith('_hot_spot')).length,
    style(p) {
      if (step !== null) {
        const state = stepState(p, step);
        if (state === 'none') return { color: NONE_STROKE, weight: 0.4, opacity: 0.5, fill: true, fillOpacity: 0 };
        const color = STEP_COLORS[state];
        return { color: state === 'incidents' ? '#c98a2c' : color, weight: 0.8, opacity: 1, fillColor: color, fillOpacity: state === 'incidents' ? 0.55 : 0.75, z: state === 'incidents' ? 1 : 2 };
      }
      const category = categoryOf(p);
      if (category === NO_PATTERN) return { color: NONE_STROKE, weight: 0.4, opacity: 0.5, fill: true, fillOpacity: 0 };
      const color = EMERGING_COLORS[category];
      return { color: '#5a0000', weight: 1, opacity: 0.9, fillColor: color, fillOpacity: 0.8, z: 1 };
    },
    describe(p, view, stats) {
      const trend =
        typeof p.trend_z === 'number'
          ? t('emerging.trendValue', { z: formatFixed(p.trend_z, 2), p: formatP(p.trend_p) })
          : null;
      const counts = Array.isArray(p.count_series) ? p.count_series : [];
      const zs = Array.isArray(p.z_series) ? p.z_series : [];
      const hotSteps = (Array.isArray(p.hot_series) ? p.hot_series : []).filter((v) => Number(v) === 1).length;
      const rows = [
        [t('emerging.category'), label('emerging', p.category)],
        [t('emerging.count'), formatNumber(p.count)],
        [t('emerging.hotSteps'), weeks ? `${formatNumber(hotSteps)}/${formatNumber(weeks.weeks)}` : formatNumber(hotSteps)],
        [t('emerging.trend'), trend],
      ];
      if (step !== null) {
        const z = Number(zs[step]);
        rows.push([t('emerging.stepValues', { i: formatNumber(step + 1) }),
          t('emerging.stepValueText', { count: formatNumber(Number(counts[step]) || 0), z: Number.isFinite(z) ? formatFixed(z, 2) : '–' })]);
      }
      const summaryText = `${t('emerging.series')}: ${counts.map((v) => formatNumber(Number(v) || 0)).join('; ')}. ${t('emerging.zSeries')}: ${zs.map((v) => formatFixed(Number(v) || 0, 1)).join('; ')}`;
      return {
        title: `${t('layer.emerging')}: ${label('emerging', p.category)}`,
        why: emergingWhy(p, stats, weeks),
        rows,
        extra: counts.length > 0 || zs.length > 0
          ? seriesChart({ counts, zs, hot: p.hot_series || [] }, {
            caption: t('emerging.chartCaption'),
            summary: summaryText,
            selected: step,
            legend: [
              { kind: 'some', text: t('emerging.chartBars') },
              { kind: 'hot', text: t('emerging.chartHot') },
              { kind: 'line', text: t('emerging.chartLine') },
            ],
          })
          : null,
      };
    },
    legend(stats) {
      const w = stats.weeks;
      if (step !== null && w) {
        const r = stepRange(w.from, step);
        return legend([
          { label: t('emerging.stepHot'), fill: STEP_COLORS.hot },
          { label: t('emerging.stepCold'), fill: STEP_COLORS.cold },
          { label: t('emerging.stepIncidents'), fill: STEP_COLORS.incidents, stroke: '#c98a2c' },
        ], { note: t('emerging.stepNote', { from: formatLocalDate(r.from), to: formatLocalDate(r.to) }) });
      }
      const items = Object.keys(EMERGING_COLORS)
        .filter((c) => stats.present?.has(c))
        .map((c) => ({ label: label('emerging', c), fill: EMERGING_COLORS[c], stroke: '#5a0000' }));
      if (stats.present?.has(NO_PATTERN)) items.push({ label: label('emerging', NO_PATTERN), shape: 'outline', stroke: NONE_STROKE });
      const note = w
        ? t('emerging.weeks', { n: formatNumber(w.weeks), from: formatLocalDate(w.from), to: formatLocalDate(addDays(w.to, -1)) })
        : null;
      return legend(items, { note });
    },
  });
  const originalClear = def.clear;
  def.clear = () => {
    stop();
    originalClear();
  };
  renderControls();
  return def;
}
