// palette.js is the web map's side of the one palette (palette/palette.json
// at the repository root, which the Go report embeds too): what a gap, a hot
// spot, an emerging category or an officer's track looks like, and what it
// means in each language.

import data from '../../palette/palette.json' with { type: 'json' };

export const PALETTE = data.entries;
export const TRACK_LINES = data.tracks;

// entry returns the palette entry for key ({fill, stroke, opacity, weight,
// dash, vi, en}), an empty object for an unknown key.
export function entry(key) {
  return PALETTE[key] || {};
}

// fill returns the fill colour of key (its stroke when it has no fill).
export function fill(key) {
  const e = entry(key);
  return e.fill || e.stroke || 'transparent';
}

// stroke returns the stroke colour of key (its fill when it has no stroke).
export function stroke(key) {
  const e = entry(key);
  return e.stroke || e.fill || 'transparent';
}

// meaning returns what key means in lang ('vi' or 'en').
export function meaning(key, lang) {
  const e = entry(key);
  return (lang === 'en' ? e.en : e.vi) || e.vi || key;
}

// hotspotKey returns the palette key of a Gi* bin: 'hot.99' … 'cold.90' or
// 'hotspot.none'.
export function hotspotKey(cls, confidence) {
  const c = Number(confidence);
  if ((cls === 'hot' || cls === 'cold') && (c === 99 || c === 95 || c === 90)) return `${cls}.${c}`;
  return 'hotspot.none';
}

// emergingKey returns the palette key of an emerging category.
export function emergingKey(category) {
  const key = `emerging.${category}`;
  return PALETTE[key] ? key : 'emerging.no_pattern';
}

// trackLine returns the i-th officer's line {stroke, dash}.
export function trackLine(i) {
  const n = TRACK_LINES.length;
  return TRACK_LINES[((i % n) + n) % n];
}
