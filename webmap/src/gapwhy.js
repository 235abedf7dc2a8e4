// gapwhy.js says why a coverage gap (a feature of GET /api/v1/gaps) is one, in
// the active language: a cell's nights visited, a key area's nights met of
// those counted — a night not over and not met yet (open_nights) is not
// counted and is said apart, as the area popup says it — and the incident
// history. No Leaflet here, so node tests read it.

import { t, label, formatNumber, formatFixed, formatLocalDate } from './i18n.js';

// MIN_NIGHTS is the min_nights the gaps layer asks for.
export const MIN_NIGHTS = 1;

const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : null);

// isAreaGap reports whether a gap is a key area's (else a cell's).
export function isAreaGap(p) {
  return p.area_id !== undefined && p.area_id !== null;
}

// gapExplanation returns the sentences that say why a gap is one, in the
// active language, from the gap's fields (the server's English reason is
// the fallback).
export function gapExplanation(p) {
  const lines = [];
  if (isAreaGap(p)) {
    if (num(p.nights_judged) !== null && num(p.nights_met) !== null) {
      const judged = num(p.nights_judged);
      const met = num(p.nights_met);
      lines.push(t('gaps.areaNights', { met: formatNumber(met), judged: formatNumber(judged), missed: formatNumber(num(p.nights_missed) ?? judged - met), required: formatNumber(num(p.required) ?? 1) }));
    }
    // A night still open (not over, not met yet) is not counted: said apart, as the area popup does.
    const open = Array.isArray(p.open_nights) ? p.open_nights : [];
    if (open.length > 0) lines.push(t('gaps.areaOpen', { dates: open.map((d) => formatLocalDate(d)).join(', ') }));
  } else if (num(p.nights) !== null && num(p.nights_visited) !== null) {
    lines.push(num(p.nights_visited) === 0
      ? t('gaps.neverVisited', { nights: formatNumber(num(p.nights)) })
      : t('gaps.fewNights', { visited: formatNumber(num(p.nights_visited)), nights: formatNumber(num(p.nights)), min: formatNumber(MIN_NIGHTS) }));
  }
  if (num(p.incidents) !== null) {
    lines.push(t('gaps.incidents', { n: formatNumber(num(p.incidents)), near: formatNumber(num(p.incidents_near) ?? 0) }));
  }
  if (Array.isArray(p.key_areas) && p.key_areas.length > 0) {
    lines.push(t('gaps.inKeyAreas', { names: p.key_areas.map((a) => (typeof a === 'string' ? a : a?.name || '')).filter(Boolean).join(', ') }));
  }
  if (lines.length === 0 && p.reason) lines.push(label('reason', p.reason));
  return lines;
}

// areaMet is a key area's nights met of those counted, with the share, as the
// area popup writes it ("26/28 (92,9 %)").
export function areaMet(p) {
  const share = num(p.percent) !== null ? ` (${formatFixed(num(p.percent), 1)} %)` : '';
  return `${formatNumber(num(p.nights_met) ?? 0)}/${formatNumber(num(p.nights_judged))}${share}`;
}

