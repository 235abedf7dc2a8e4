// gaps.js draws coverage gaps (GET /api/v1/gaps): study-area hexagons not
// patrolled on enough nights and key areas below their requirement, shaded
// by risk relative to the worst gap, with the top ranks numbered.

import { api } from '../api.js';
import { h } from '../dom.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { t, label, formatNumber, formatFixed } from '../i18n.js';

export const GAP_TIERS = {
  high: { color: '#b2182b', fill: '#d6604d' },
  medium: { color: '#d6604d', fill: '#f4a582' },
  low: { color: '#e08c6c', fill: '#fddbc7' },
};
const LABELLED_RANKS = 5;

// gapTier returns 'high', 'medium' or 'low' for a gap: by risk against the
// largest risk when risks are known, else by rank among n gaps.
export function gapTier(props, { maxRisk = 0, count = 0 } = {}) {
  const risk = Number(props.risk);
  if (maxRisk > 0 && Number.isFinite(risk)) {
    const ratio = risk / maxRisk;
    if (ratio >= 2 / 3) return 'high';
    if (ratio >= 1 / 3) return 'medium';
    return 'low';
  }
  const rank = Number(props.rank);
  if (count > 0 && Number.isFinite(rank)) {
    if (rank <= Math.ceil(count / 3)) return 'high';
    if (rank <= Math.ceil((2 * count) / 3)) return 'medium';
  }
  return 'low';
}

function isAreaGap(p) {
  return p.area_id !== undefined && p.area_id !== null;
}

// createGapsLayer returns the layer definition for coverage gaps.
export function createGapsLayer({ renderer }) {
  return createHexLayer({
    name: 'gaps',
    defaultOn: true,
    depends: ['unit', 'period'],
    renderer,
    swatch: { shape: 'box', fill: GAP_TIERS.high.fill, stroke: GAP_TIERS.high.color },
    fetch: (view, signal) => api.gaps({ ...view.query, minNights: 1 }, signal),
    summarize(features) {
      let maxRisk = 0;
      const tiers = new Set();
      let areas = false;
      for (const f of features) {
        const risk = Number(f.properties?.risk);
        if (Number.isFinite(risk) && risk > maxRisk) maxRisk = risk;
        if (isAreaGap(f.properties || {})) areas = true;
      }
      const stats = { maxRisk, count: features.length, tiers, areas };
      for (const f of features) tiers.add(gapTier(f.properties || {}, stats));
      return stats;
    },
    style(p, stats, feature) {
      const tier = GAP_TIERS[gapTier(p, stats)];
      const line = /LineString$/.test(feature.geometry.type);
      if (isAreaGap(p)) {
        return { color: GAP_TIERS.high.color, weight: line ? 6 : 2.5, dashArray: '6 4', fillColor: tier.fill, fillOpacity: 0.35 };
      }
      return { color: tier.color, weight: 0.8, opacity: 0.9, fillColor: tier.fill, fillOpacity: 0.6 };
    },
    decorate(path, p) {
      const rank = Number(p.rank);
      if (Number.isInteger(rank) && rank >= 1 && rank <= LABELLED_RANKS) {
        path.bindTooltip(h('span', {}, String(rank)), {
          permanent: true,
          direction: 'center',
          className: 'gap-rank',
          interactive: false,
        });
      }
    },
    popup(p) {
      return {
        title: t(isAreaGap(p) ? 'gaps.areaGap' : 'gaps.cellGap'),
        rows: [
          [t('gaps.rank'), Number.isFinite(Number(p.rank)) ? formatNumber(Number(p.rank)) : null],
          [t('gaps.risk'), typeof p.risk === 'number' ? formatFixed(p.risk, 2) : null],
          [t('gaps.reason'), p.reason ? label('reason', p.reason) : null],
          [t('coverage.cell'), p.cell],
        ],
      };
    },
    legend(stats) {
      const items = ['high', 'medium', 'low']
        .filter((tier) => stats.tiers?.has(tier))
        .map((tier) => ({ label: t(`gaps.${tier}`), fill: GAP_TIERS[tier].fill, stroke: GAP_TIERS[tier].color }));
      if (stats.areas) items.push({ label: t('gaps.areaOutline'), shape: 'outline', stroke: GAP_TIERS.high.color, dashed: true });
      return legend(items, { note: stats.count > 0 ? t('gaps.rankLabel') : null });
    },
  });
}
