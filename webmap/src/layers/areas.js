// areas.js draws the unit's areas from GET /api/v1/areas: residential
// groups as one layer, key areas, key roads and other areas as another
// (styled by kind). Both share one request per unit. A key road is a line
// drawn with its buffer (buffer_m either side) to scale.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h, definitionList } from '../dom.js';
import { legend } from '../legend.js';
import { t, label, formatNumber } from '../i18n.js';

export const AREA_STYLES = {
  residential_group: { color: '#6a3d9a', weight: 1.5, fillColor: '#6a3d9a', fillOpacity: 0.05 },
  key_area: { color: '#d95f02', weight: 2.5, fillColor: '#d95f02', fillOpacity: 0.18 },
  key_road: { color: '#c51b7d', weight: 3, fillColor: '#c51b7d', fillOpacity: 0.2 },
  other: { color: '#4d4d4d', weight: 2, dashArray: '4 4', fillColor: '#4d4d4d', fillOpacity: 0.08 },
};

const DEFAULT_BUFFER_M = 25;

// createAreaSource caches the areas of one unit so both area layers share
// one request; invalidate() after a change.
export function createAreaSource() {
  let unit = null;
  let pending = null;
  return {
    get(code) {
      if (code !== unit || !pending) {
        unit = code;
        pending = api.areas(code).catch((err) => {
          pending = null;
          throw err;
        });
      }
      return pending;
    },
    invalidate() {
      pending = null;
    },
  };
}

// metersPerPixel returns the ground size of one screen pixel at a latitude
// and zoom in Web Mercator.
export function metersPerPixel(lat, zoom) {
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (zoom + 8);
}

// translucent turns "#rrggbb" into an rgba() colour with the given alpha.
export function translucent(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function styleFor(kind) {
  return AREA_STYLES[kind] || AREA_STYLES.other;
}

function isLine(geometry) {
  return geometry && (geometry.type === 'LineString' || geometry.type === 'MultiLineString');
}

// createAreaLayers returns the two layer definitions. actions may hold
// canEdit, edit(feature) and remove(feature) — looked up when a popup opens.
export function createAreaLayers({ map, source, actions }) {
  const residential = createAreaLayer({
    name: 'residential-groups',
    map,
    source,
    actions,
    accept: (kind) => kind === 'residential_group',
    swatch: { shape: 'box', fill: translucent(AREA_STYLES.residential_group.fillColor, 0.15), stroke: AREA_STYLES.residential_group.color },
    legend: () => null,
  });
  const keyAreas = createAreaLayer({
    name: 'key-areas',
    map,
    source,
    actions,
    accept: (kind) => kind !== 'residential_group',
    swatch: { shape: 'box', fill: translucent(AREA_STYLES.key_area.fillColor, 0.36), stroke: AREA_STYLES.key_area.color },
    legend: (kinds) =>
      legend(
        ['key_area', 'key_road', 'other']
          .filter((k) => kinds.has(k))
          .map((k) => ({
            label: label('kind', k),
            shape: k === 'key_road' ? 'line' : 'box',
            fill: translucent(AREA_STYLES[k].fillColor, Math.min(1, AREA_STYLES[k].fillOpacity * 2)),
            stroke: AREA_STYLES[k].color,
            dashed: Boolean(AREA_STYLES[k].dashArray),
          })),
      ),
  });
  return [residential, keyAreas];
}

function createAreaLayer({ name, map, source, actions, accept, swatch, legend: legendFor }) {
  const group = L.layerGroup();
  const bands = []; // {path, bufferM, lat}
  let kinds = new Set();

  const resizeBands = () => {
    const zoom = map.getZoom();
    for (const band of bands) {
      const px = (2 * band.bufferM) / metersPerPixel(band.lat, zoom);
      band.path.setStyle({ weight: Math.min(400, Math.max(4, px)) });
    }
  };
  group.on('add', () => {
    map.on('zoomend', resizeBands);
    resizeBands();
  });
  group.on('remove', () => map.off('zoomend', resizeBands));

  const draw = (feature) => {
    const props = feature.properties || {};
    const kind = props.kind || 'other';
    const style = styleFor(kind);
    const line = isLine(feature.geometry);
    if (line) {
      const bufferM = Number.isFinite(props.buffer_m) && props.buffer_m > 0 ? props.buffer_m : DEFAULT_BUFFER_M;
      const band = L.geoJSON(feature, {
        pane: PANES.areas.name,
        interactive: false,
        style: () => ({ color: style.color, opacity: 0.28, weight: 8, lineCap: 'round', lineJoin: 'round' }),
      });
      const center = band.getBounds().getCenter();
      band.eachLayer((path) => bands.push({ path, bufferM, lat: center.lat }));
      group.addLayer(band);
    }
    const shape = L.geoJSON(feature, {
      pane: PANES.areas.name,
      style: () => (line ? { color: style.color, weight: 3, dashArray: style.dashArray } : style),
    });
    shape.bindTooltip(() => h('span', {}, props.name || label('kind', kind)), { sticky: true, direction: 'top' });
    shape.bindPopup(() => areaPopup(feature, actions), { maxWidth: 300, minWidth: 200 });
    group.addLayer(shape);
  };

  return {
    name,
    defaultOn: true,
    depends: ['unit'],
    layer: group,
    swatch,
    async load(view) {
      const fc = await source.get(view.unit.code);
      group.clearLayers();
      bands.length = 0;
      kinds = new Set();
      let count = 0;
      for (const feature of fc.features) {
        const kind = feature?.properties?.kind || 'other';
        if (!feature?.geometry || !accept(kind)) continue;
        draw(feature);
        kinds.add(kind);
        count++;
      }
      if (map.hasLayer(group)) resizeBands();
      return count;
    },
    clear() {
      group.clearLayers();
      bands.length = 0;
    },
    legend: () => legendFor(kinds),
  };
}

function areaPopup(feature, actions) {
  const p = feature.properties || {};
  const rows = [[t('area.kind'), label('kind', p.kind)]];
  if (isLine(feature.geometry)) {
    rows.push([t('area.buffer'), t('area.meters', { n: formatNumber(p.buffer_m ?? DEFAULT_BUFFER_M) })]);
  }
  if (p.kind !== 'residential_group' || p.required_night_visits) {
    rows.push([t('area.visitsShort'), formatNumber(p.required_night_visits ?? 1)]);
    rows.push([t('area.dwellShort'), t('area.minutes', { n: formatNumber(p.min_dwell_min ?? 0) })]);
  }
  const box = h('div', { class: 'popup', testid: 'area-popup' },
    h('h3', { class: 'popup-title' }, p.name || label('kind', p.kind)),
    definitionList(rows),
  );
  if (actions.canEdit && p.id !== undefined && p.id !== null) box.append(areaButtons(feature, actions));
  return box;
}

function areaButtons(feature, actions) {
  const edit = h('button', { type: 'button', class: 'button small', testid: 'area-edit' }, t('area.edit'));
  const remove = h('button', { type: 'button', class: 'button small danger', testid: 'area-delete' }, t('area.delete'));
  edit.addEventListener('click', () => actions.edit?.(feature));
  remove.addEventListener('click', async () => {
    if (remove.dataset.confirm !== 'true') {
      remove.dataset.confirm = 'true';
      remove.dataset.testid = 'area-delete-confirm';
      remove.textContent = t('area.confirmDelete');
      return;
    }
    remove.disabled = true;
    await actions.remove?.(feature);
  });
  return h('div', { class: 'popup-actions' }, edit, remove);
}
