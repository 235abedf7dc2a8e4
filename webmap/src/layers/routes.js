// routes.js draws the planned and suggested patrol routes of a night (GET
// /api/v1/plan?unit&night: a FeatureCollection with the route as a
// LineString or MultiLineString and its stops as Points). The night is the
// last date of the period. Where the server has no planner yet the layer
// says "not available" and stays quiet.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h, definitionList } from '../dom.js';
import { legend } from '../legend.js';
import { t, formatNumber, formatFixed, formatLocalDate } from '../i18n.js';

export const ROUTE_COLORS = { planned: '#283593', suggested: '#00838f' };

// routeKind returns 'planned' or 'suggested' for a route feature.
export function routeKind(p) {
  const kind = String(p.kind || p.source || p.type || '').toLowerCase();
  return kind === 'planned' || kind === 'drawn' ? 'planned' : 'suggested';
}

function lengthKm(p) {
  if (Number.isFinite(Number(p.km))) return Number(p.km);
  if (Number.isFinite(Number(p.length_m))) return Number(p.length_m) / 1000;
  return null;
}

// createRoutesLayer returns the layer definition for routes.
export function createRoutesLayer() {
  const group = L.layerGroup();
  let shown = [];
  let kinds = new Set();
  let night = null;

  const drawRoute = (f) => {
    const p = f.properties || {};
    const kind = routeKind(p);
    kinds.add(kind);
    const casing = L.geoJSON(f, { pane: PANES.routes.name, interactive: false, style: () => ({ color: '#ffffff', weight: 8, opacity: 0.9 }) });
    const line = L.geoJSON(f, {
      pane: PANES.routes.name,
      style: () => ({ color: ROUTE_COLORS[kind], weight: 4.5, opacity: 0.95, dashArray: kind === 'suggested' ? '10 6' : null }),
    });
    const km = lengthKm(p);
    line.bindPopup(() => h('div', { class: 'popup', testid: 'route-popup' },
      h('h3', { class: 'popup-title' }, p.name || t(`routes.${kind}`)),
      definitionList([
        [t('routes.night'), night ? formatLocalDate(night) : null],
        [t('routes.length'), km !== null ? `${formatFixed(km, 1)} km` : null],
        [t('routes.stops'), Number.isFinite(Number(p.stops)) ? formatNumber(Number(p.stops)) : null],
      ]),
    ), { maxWidth: 280 });
    group.addLayer(casing);
    group.addLayer(line);
  };

  const drawStop = (f, i) => {
    const p = f.properties || {};
    const [lon, lat] = f.geometry.coordinates;
    const n = Number.isFinite(Number(p.order)) ? Number(p.order) : i + 1;
    const badge = h('span', { class: 'route-stop' }, formatNumber(n));
    const text = p.name ? `${formatNumber(n)}. ${p.name}` : t('routes.stop', { n: formatNumber(n) });
    group.addLayer(L.marker([lat, lon], {
      pane: PANES.routes.name,
      pmIgnore: true,
      keyboard: true,
      title: text,
      alt: text,
      icon: L.divIcon({ className: 'route-stop-icon', html: badge, iconSize: [24, 24] }),
    }));
  };

  return {
    name: 'routes',
    defaultOn: false,
    depends: ['unit', 'period'],
    layer: group,
    swatch: { shape: 'line', stroke: ROUTE_COLORS.suggested, dashed: true },
    async load(view, signal) {
      night = view.range.to;
      const fc = await api.plan({ unit: view.unit.code, night }, signal);
      group.clearLayers();
      kinds = new Set();
      shown = fc.features.filter((f) => f?.geometry);
      let stop = 0;
      for (const f of shown) if (/LineString$/.test(f.geometry.type)) drawRoute(f);
      for (const f of shown) if (f.geometry.type === 'Point') drawStop(f, stop++);
      return shown.filter((f) => /LineString$/.test(f.geometry.type)).length;
    },
    clear() {
      group.clearLayers();
      shown = [];
    },
    legend: () =>
      legend(['planned', 'suggested'].filter((k) => kinds.has(k)).map((k) => ({
        label: t(`routes.${k}`), shape: 'line', stroke: ROUTE_COLORS[k], dashed: k === 'suggested',
      })), { note: night ? t('routes.note', { night: formatLocalDate(night) }) : null }),
    toGeoJSON: () => ({ type: 'FeatureCollection', features: shown }),
  };
}
