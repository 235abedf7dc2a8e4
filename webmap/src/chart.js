// chart.js draws the small inline SVG charts of the popups: a cell's series
// per step (incident counts as bars, the Gi* z-score as a line, significant
// steps coloured) and a key area's nights (met, visited, not visited). The
// layout functions are pure so they can be tested without a browser.

import { h } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  return el;
}

function finite(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

const round2 = (v) => Math.round(v * 100) / 100;

// seriesLayout places a cell's series in a width × height box: one bar per
// step (height by count against the largest count), the z-score as a
// polyline on its own scale (at least −2…2, so small values stay flat) with
// the zero line, and each bar's kind: 'hot' or 'cold' where hot[i] is 1 or
// −1 (significant at that step), 'some' for other steps with incidents,
// 'none' for the rest.
export function seriesLayout({ counts = [], zs = [], hot = [] }, width = 260, height = 64) {
  const n = Math.max(counts.length, zs.length);
  if (n === 0) return { n: 0, bars: [], line: '', zeroY: null };
  const pad = 3;
  const step = width / n;
  const maxCount = Math.max(1, ...counts.map(finite));
  const bars = [];
  for (let i = 0; i < n; i++) {
    const c = finite(counts[i]);
    const barH = c > 0 ? Math.max(2, (c / maxCount) * (height - 2 * pad)) : 1;
    const sig = Number(hot[i]);
    const kind = sig === 1 ? 'hot' : sig === -1 ? 'cold' : c > 0 ? 'some' : 'none';
    bars.push({ x: round2(i * step + step * 0.15), y: round2(height - pad - barH), width: round2(step * 0.7), height: round2(barH), kind, count: c });
  }
  let line = '';
  let zeroY = null;
  if (zs.length > 0) {
    const values = zs.map(finite);
    const top = Math.max(2, ...values);
    const bottom = Math.min(-2, ...values);
    const y = (z) => round2(pad + ((top - z) / (top - bottom)) * (height - 2 * pad));
    line = values.map((z, i) => `${round2(i * step + step / 2)},${y(z)}`).join(' ');
    zeroY = y(0);
  }
  return { n, bars, line, zeroY };
}

// seriesChart returns a <figure> with the chart of a cell's series. labels:
// {caption, summary (the accessible text), legend: [{kind, text}]}; selected
// marks one step (the replay's).
export function seriesChart(series, { caption, summary, legend = [], selected = null } = {}, width = 260, height = 64) {
  const layout = seriesLayout(series, width, height);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'series-chart', role: 'img', 'aria-label': summary || caption });
  if (layout.zeroY !== null) chart.append(svg('line', { x1: 0, x2: width, y1: layout.zeroY, y2: layout.zeroY, class: 'zero' }));
  layout.bars.forEach((bar, i) => {
    const rect = svg('rect', { x: bar.x, y: bar.y, width: bar.width, height: bar.height, class: `bar ${bar.kind}` });
    chart.append(rect);
    if (i === selected) {
      chart.append(svg('rect', { x: round2(bar.x - 1.5), y: 0.75, width: round2(bar.width + 3), height: height - 1.5, class: 'selected-step' }));
    }
  });
  if (layout.line) chart.append(svg('polyline', { points: layout.line, class: 'z-line' }));
  return h('figure', { class: 'series', testid: 'series-chart' },
    caption ? h('figcaption', {}, caption) : null,
    chart,
    legend.length > 0
      ? h('ul', { class: 'series-legend' }, legend.map((item) => h('li', {}, h('span', { class: `key ${item.kind}`, 'aria-hidden': 'true' }), item.text)))
      : null,
  );
}

// nightState says how a key area fared on one night: 'met' (the
// requirement held), 'open' (the night is not over and not met yet: not
// judged), 'short' (visited, but too few visits or too short) or 'missed'
// (not visited).
export function nightState(night) {
  if (night?.meets) return 'met';
  if (night?.open) return 'open';
  return finite(night?.visits) > 0 ? 'short' : 'missed';
}

// nightsLayout places one square per night in rows that fit width.
export function nightsLayout(nights, width = 260, cell = 12, gap = 2) {
  const perRow = Math.max(1, Math.floor((width + gap) / (cell + gap)));
  const squares = nights.map((night, i) => ({
    x: (i % perRow) * (cell + gap),
    y: Math.floor(i / perRow) * (cell + gap),
    state: nightState(night),
    date: night?.date || '',
  }));
  const rows = Math.max(1, Math.ceil(nights.length / perRow));
  return { squares, width: Math.min(width, perRow * (cell + gap) - gap), height: rows * (cell + gap) - gap, cell };
}

// nightsChart returns a <figure> with a key area's nights; title(square)
// gives each square's tooltip.
export function nightsChart(nights, { caption, summary, legend = [], title } = {}) {
  const layout = nightsLayout(nights);
  const chart = svg('svg', {
    viewBox: `0 0 ${layout.width} ${layout.height}`, width: layout.width, height: layout.height,
    class: 'nights-chart', role: 'img', 'aria-label': summary || caption,
  });
  for (const sq of layout.squares) {
    const rect = svg('rect', { x: sq.x, y: sq.y, width: layout.cell, height: layout.cell, rx: 2, class: `night ${sq.state}` });
    if (title) {
      const tip = svg('title');
      tip.textContent = title(sq);
      rect.append(tip);
    }
    chart.append(rect);
  }
  return h('figure', { class: 'series nights', testid: 'nights-chart' },
    caption ? h('figcaption', {}, caption) : null,
    chart,
    legend.length > 0
      ? h('ul', { class: 'series-legend' }, legend.map((item) => h('li', {}, h('span', { class: `key ${item.kind}`, 'aria-hidden': 'true' }), item.text)))
      : null,
  );
}
