// compliance.js reads GET /api/v1/compliance (one feature per key area or
// key road: area_id, required, percent, nights_judged, nights [{date, visits,
// dwell_min, meets, open}]) into what the key-area layer styles and explains.
// An open night (not over at the answer's as_of, not met yet) is not judged:
// percent counts the judged nights only. Pure.

import { stroke } from './palette.js';

// COMPLIANCE_TIERS are the classes of the share of nights a key area met its
// requirement, best first, with their colour.
export const COMPLIANCE_TIERS = [
  { tier: 'met', min: 90, color: stroke('keyarea.met') },
  { tier: 'partial', min: 50, color: stroke('keyarea.partial') },
  { tier: 'poor', min: 0, color: stroke('gap.key_area_unmet') },
];

// complianceTier returns the tier of a percentage, or null when the period
// held no night to judge.
export function complianceTier(percent) {
  if (percent === null || percent === undefined || percent === '') return null;
  const p = Number(percent);
  if (!Number.isFinite(p)) return null;
  return COMPLIANCE_TIERS.find((c) => p >= c.min) || COMPLIANCE_TIERS[COMPLIANCE_TIERS.length - 1];
}

// summarizeNights counts a key area's nights: total, met (requirement held),
// open (not over, not met yet), judged (total less open), visited (at least
// one visit) and the last night with a visit.
export function summarizeNights(nights) {
  const list = Array.isArray(nights) ? nights : [];
  let met = 0;
  let open = 0;
  let visited = 0;
  let lastVisited = null;
  for (const n of list) {
    if (n?.meets) met++;
    else if (n?.open) open++;
    if (Number(n?.visits) > 0) {
      visited++;
      if (!lastVisited || n.date > lastVisited) lastVisited = n.date;
    }
  }
  return { total: list.length, met, open, judged: list.length - open, visited, lastVisited };
}

// complianceByArea indexes a compliance FeatureCollection by area id.
export function complianceByArea(fc) {
  const out = new Map();
  for (const f of fc?.features || []) {
    const p = f?.properties;
    if (p && p.area_id !== undefined && p.area_id !== null) out.set(String(p.area_id), p);
  }
  return out;
}
