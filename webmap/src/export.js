// export.js downloads what a layer shows as a GeoJSON file, built in the
// browser (no request to the server).

// exportFileName names the download after the unit, the layer and the
// period: patrolmap-demo-gaps-2024-03-01_2024-03-30.geojson.
export function exportFileName({ unit, layer, from, to }) {
  const safe = (s) => String(s ?? '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  const parts = ['patrolmap', safe(unit), safe(layer)].filter(Boolean);
  const period = [safe(from), safe(to)].filter(Boolean).join('_');
  return `${parts.join('-')}${period ? `-${period}` : ''}.geojson`;
}

// featureCollection wraps features with a few foreign members that say
// where they come from.
export function featureCollection(features, meta = {}) {
  return { type: 'FeatureCollection', ...meta, features: Array.isArray(features) ? features : [] };
}

// downloadGeoJSON saves fc as fileName through a temporary object URL.
export function downloadGeoJSON(fc, fileName) {
  const blob = new Blob([JSON.stringify(fc)], { type: 'application/geo+json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}
