// gaps.js draws coverage gaps (GET /api/v1/gaps): study-area hexagons not
// patrolled on enough nights and key areas below their requirement on some
// night counted (a night not over and not met yet is not counted), shaded
// by risk relative to the worst gap, with the top ranks numbered. Gaps take
// the palette's "not patrolled" magenta (gap.never, gap.few,
// gap.key_area_unmet), strong against the light basemap and apart from the
// reds of hot spots; the riskier a gap, the more opaque.

import { api } from '../api.js';
import { legend } from '../legend.js';
import { createHexLayer } from './hexagons.js';
import { entry } from '../palette.js';
import { t, language, formatNumber, formatFixed, formatLocalDate } from '../i18n.js';
import { isAreaGap, gapExplanation, areaMet, MIN_NIGHTS } from '../gapwhy.js';

const NEVER = entry('gap.never');
const FEW = entry('gap.few');
const AREA_GAP = entry('gap.key_area_unmet');
// GAP_TIERS shade never-patrolled cells by risk; even the lowest tier is far
// from the basemap and the residential-group outline (package palette tests).
export const GAP_TIERS = {
  high: { color: NEVER.stroke, fill: NEVER.fill, opacity: Math.min(0.85, NEVER.opacity + 0.13) },
  medium: { color: NEVER.stroke, fill: NEVER.fill, opacity: NEVER.opacity },
  low: { color: NEVER.stroke, fill: NEVER.fill, opacity: Math.max(0.45, NEVER.opacity - 0.14) },
};
const AREA_GAP_COLOR = AREA_GAP.stroke;
export const LABELLED_RANKS = 5;
export { MIN_NIGHTS };

const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : null);

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

// createGapsLayer returns the layer definition for coverage gaps.
export function createGapsLayer({ renderer, stack }) {
  return createHexLayer({
    name: 'gaps',
    order: 1,
    defaultOn: true,
    // lang: the gaps' reasons (in an export, the popup's fallback) come in the page's language.
    depends: ['unit', 'period', 'lang'],
    renderer,
    stack,
    swatch: { shape: 'box', fill: GAP_TIERS.high.fill, stroke: GAP_TIERS.high.color },
    fetch: (view, signal) => api.gaps({ ...view.query, minNights: MIN_NIGHTS, lang: language() }, signal),
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
      for (const f of features) if (!isAreaGap(f.properties || {})) tiers.add(gapTier(f.properties || {}, stats));
      return stats;
    },
    style(p, stats, feature) {
      if (isAreaGap(p)) {
        const line = /LineString$/.test(feature.geometry.type);
        return { color: AREA_GAP_COLOR, weight: line ? AREA_GAP.weight + 2 : AREA_GAP.weight, dashArray: AREA_GAP.dash, opacity: 0.95, fillColor: AREA_GAP.fill, fillOpacity: AREA_GAP.opacity, z: 1 };
      }
      const tier = GAP_TIERS[gapTier(p, stats)];
      if (num(p.nights_visited) > 0) return { color: FEW.stroke, weight: 1, opacity: 0.9, fillColor: FEW.fill, fillOpacity: FEW.opacity };
      return { color: tier.color, weight: 1, opacity: 0.9, fillColor: tier.fill, fillOpacity: tier.opacity };
    },
    labelClass: 'gap-rank map-badge',
    label(p) {
      const rank = Number(p.rank);
      return Number.isInteger(rank) && rank >= 1 && rank <= LABELLED_RANKS ? String(rank) : null;
    },
    describe(p) {
      const area = isAreaGap(p);
      return {
        title: area ? `${t('gaps.areaGap')}: ${p.name || ''}` : t('gaps.cellGap'),
        rows: [
          [t('gaps.rank'), num(p.rank) !== null ? formatNumber(num(p.rank)) : null],
          [t('gaps.risk'), num(p.risk) !== null ? formatFixed(num(p.risk), 1) : null],
          [t('coverage.nights'), !area && num(p.nights_visited) !== null ? `${formatNumber(num(p.nights_visited))}/${formatNumber(num(p.nights))}` : null],
          [t('compliance.nightsMet'), area && num(p.nights_judged) !== null ? areaMet(p) : null],
          [t('compliance.nightsOpen'), area && num(p.nights_open) > 0 ? formatNumber(num(p.nights_open)) : null],
          [t('gaps.lastVisit'), p.last_visit_date ? formatLocalDate(p.last_visit_date) : null],
        ],
        why: gapExplanation(p),
      };
    },
    legend(stats) {
      const items = ['high', 'medium', 'low']
        .filter((tier) => stats.tiers?.has(tier))
        .map((tier) => ({ label: t(`gaps.${tier}`), fill: GAP_TIERS[tier].fill, stroke: GAP_TIERS[tier].color, opacity: GAP_TIERS[tier].opacity }));
      if (stats.areas) items.push({ label: t('gaps.areaOutline'), shape: 'outline', stroke: AREA_GAP_COLOR, dashed: true });
      return legend(items, { note: stats.count > 0 ? t('gaps.rankLabel', { n: formatNumber(LABELLED_RANKS) }) : null });
    },
  });
}
