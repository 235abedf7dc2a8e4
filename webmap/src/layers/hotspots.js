// hotspots.js draws Getis-Ord Gi* hot and cold spots (GET
// /api/v1/hotspots) in the usual 99/95/90 % confidence colours. Cells that
// are not significant are drawn as faint outlines so the study area shows.

import { api } from '../api.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { neighbourSums } from './neighbours.js';
import { t, formatNumber, formatFixed, formatP } from '../i18n.js';
import { fill, stroke } from '../palette.js';

// HOTSPOT_COLORS maps class and confidence to a fill colour.
export const HOTSPOT_COLORS = {
  hot: { 99: fill('hot.99'), 95: fill('hot.95'), 90: fill('hot.90') },
  cold: { 99: fill('cold.99'), 95: fill('cold.95'), 90: fill('cold.90') },
};
const NONE_STROKE = stroke('hotspot.none');
const LEGEND_ORDER = [
  ['hot', 99], ['hot', 95], ['hot', 90], ['none', 0], ['cold', 90], ['cold', 95], ['cold', 99],
];

// hotspotBin returns [class, confidence] for a cell, with 'none' when the
// cell is not significant at any level.
export function hotspotBin(p) {
  const c = Number(p.confidence);
  if ((p.class === 'hot' || p.class === 'cold') && HOTSPOT_COLORS[p.class][c]) return [p.class, c];
  return ['none', 0];
}

function binLabel([cls, c]) {
  return cls === 'none' ? t('hotspot.none') : t(`hotspot.${cls}`, { c });
}

// hotspotWhy says in plain words why a cell is (or is not) a hot spot: Gi*
// weighs the cell together with the cells around it against the ward.
export function hotspotWhy(p, stats = {}) {
  const [cls, c] = hotspotBin(p);
  const own = Number(p.count) || 0;
  const n = stats.near?.get(p.cell) || { near: 0, cells: 0 };
  const counts = { own: formatNumber(own), near: formatNumber(n.near), k: formatNumber(n.cells), c: formatNumber(c),
    mean: formatFixed((stats.mean || 0) * (n.cells + 1), 1) };
  if (cls === 'none') return [t('why.hotspot.none', counts)];
  const lines = [t(`why.hotspot.${cls}`, counts)];
  if (cls === 'hot' && own === 0) lines.push(t('why.neighboursOnly'));
  return lines;
}

// createHotspotsLayer returns the layer definition for hot spots.
export function createHotspotsLayer({ renderer, stack }) {
  return createHexLayer({
    name: 'hotspots',
    order: 2,
    depends: ['unit', 'period'],
    renderer,
    stack,
    swatch: { shape: 'box', fill: HOTSPOT_COLORS.hot[99] },
    fetch: (view, signal) => api.hotspots(view.query, signal),
    summarize(features) {
      const present = new Set(features.map((f) => hotspotBin(f.properties || {}).join(':')));
      const near = neighbourSums(features, (p) => p.count);
      let total = 0;
      for (const f of features) total += Number(f.properties?.count) || 0;
      return { present, near, mean: features.length ? total / features.length : 0 };
    },
    // The badge counts the hot spots (hot cells at 90 % or more after FDR),
    // not the cells analysed.
    flagged: (features) => features.filter((f) => hotspotBin(f.properties || {})[0] === 'hot').length,
    style(p) {
      const [cls, c] = hotspotBin(p);
      if (cls === 'none') return { color: NONE_STROKE, weight: 0.4, opacity: 0.5, fill: true, fillOpacity: 0 };
      const color = HOTSPOT_COLORS[cls][c];
      return { color, weight: 0.6, opacity: 1, fillColor: color, fillOpacity: 0.7, z: 1 };
    },
    describe(p, view, stats) {
      return {
        title: `${t('layer.hotspots')}: ${binLabel(hotspotBin(p))}`,
        why: hotspotWhy(p, stats),
        rows: [
          [t('hotspot.count'), formatNumber(p.count)],
          [t('hotspot.z'), typeof p.z === 'number' ? formatFixed(p.z, 2) : null],
          [t('hotspot.p'), formatP(p.p)],
          [t('hotspot.confidence'), Number(p.confidence) > 0 ? `${formatNumber(Number(p.confidence))} %` : '–'],
          [t('hotspot.significant'), t(p.significant ? 'common.yes' : 'common.no')],
        ],
      };
    },
    legend(stats) {
      const items = LEGEND_ORDER.filter((bin) => stats.present?.has(bin.join(':'))).map((bin) =>
        bin[0] === 'none'
          ? { label: binLabel(bin), shape: 'outline', stroke: NONE_STROKE }
          : { label: binLabel(bin), fill: HOTSPOT_COLORS[bin[0]][bin[1]] },
      );
      return legend(items, { note: t('hotspot.note') });
    },
  });
}
