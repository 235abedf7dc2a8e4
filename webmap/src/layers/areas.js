// areas.js draws the unit's areas from GET /api/v1/areas: residential
// groups as one layer, key areas, key roads and other areas as another. Both
// share one request per unit. Key areas and key roads are styled by
// compliance (GET /api/v1/compliance for the period): the share of nights
// their requirement held, green, amber or red; their popup shows each night.
// A key road is a line drawn with its buffer (buffer_m either side) to scale.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h, definitionList, confirmTwice } from '../dom.js';
import { legend } from '../legend.js';
import { nightsChart } from '../chart.js';
import { COMPLIANCE_TIERS, complianceTier, complianceByArea, summarizeNights } from '../compliance.js';
import { t, label, formatNumber, formatFixed, formatLocalDate } from '../i18n.js';
import { entry } from '../palette.js';

// AREA_STYLES come from the shared palette: residential groups are a thin
// dashed outline with almost no fill, so they never read as gaps.
export const AREA_STYLES = Object.fromEntries(['residential_group', 'key_area', 'key_road', 'other'].map((kind) => {
  const e = entry(`area.${kind}`);
  return [kind, { color: e.stroke, weight: e.weight, dashArray: e.dash || null, fillColor: e.fill, fillOpacity: e.opacity }];
}));

const DEFAULT_BUFFER_M = 25;
const COMPLIANCE_KINDS = new Set(['key_area', 'key_road']);

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

// areaStyle returns the path options of an area: by kind, with the colour
// of its compliance tier when the period was judged.
export function areaStyle(kind, compliance) {
  const base = AREA_STYLES[kind] || AREA_STYLES.other;
  const tier = COMPLIANCE_KINDS.has(kind) ? complianceTier(compliance?.percent) : null;
  if (!tier) return base;
  return { ...base, color: tier.color, fillColor: tier.color, weight: 3, fillOpacity: 0.22 };
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
    depends: ['unit'],
    // Residential groups tile the ward: they take no clicks (the hexagons and
    // key areas under and over them do) and show their names as labels.
    interactive: false,
    accept: (kind) => kind === 'residential_group',
    swatch: { shape: 'box', fill: translucent(AREA_STYLES.residential_group.fillColor, 0.15), stroke: AREA_STYLES.residential_group.color },
    legend: () => null,
  });
  const keyAreas = createAreaLayer({
    name: 'key-areas',
    map,
    source,
    actions,
    depends: ['unit', 'period'],
    withCompliance: true,
    accept: (kind) => kind !== 'residential_group',
    swatch: { shape: 'box', fill: translucent(COMPLIANCE_TIERS[0].color, 0.3), stroke: COMPLIANCE_TIERS[0].color },
    legend: ({ kinds, tiers, judged }) => {
      const items = [];
      if (judged) {
        for (const c of COMPLIANCE_TIERS.filter((c) => tiers.has(c.tier))) {
          items.push({ label: t(`compliance.${c.tier}`), fill: translucent(c.color, 0.35), stroke: c.color });
        }
      }
      for (const k of ['key_area', 'key_road', 'other'].filter((k) => kinds.has(k) && (!judged || k === 'other'))) {
        items.push({
          label: label('kind', k),
          shape: k === 'key_road' ? 'line' : 'box',
          fill: translucent(AREA_STYLES[k].fillColor, Math.min(1, AREA_STYLES[k].fillOpacity * 2)),
          stroke: AREA_STYLES[k].color,
          dashed: Boolean(AREA_STYLES[k].dashArray),
        });
      }
      return legend(items, { title: judged ? t('compliance.legend') : null, note: judged ? t('compliance.note') : null });
    },
  });
  return [residential, keyAreas];
}

function createAreaLayer({ name, map, source, actions, depends, interactive = true, withCompliance = false, accept, swatch, legend: legendFor }) {
  const group = L.layerGroup();
  const bands = []; // {path, bufferM, lat}
  let kinds = new Set();
  let tiers = new Set();
  let judged = false;
  let shown = [];

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

  const draw = (feature, compliance, view) => {
    const props = feature.properties || {};
    const kind = props.kind || 'other';
    const style = areaStyle(kind, compliance);
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
      interactive,
      style: () => (line ? { color: style.color, weight: 3, dashArray: style.dashArray } : style),
    });
    const name = props.name || label('kind', kind);
    if (interactive) {
      shape.bindTooltip(() => h('span', {}, name), { sticky: true, direction: 'top' });
      shape.bindPopup(() => areaPopup(feature, compliance, actions, view), { maxWidth: 300, minWidth: 220 });
    } else {
      shape.bindTooltip(() => h('span', {}, name), { permanent: true, direction: 'center', className: 'area-label', interactive: false });
    }
    group.addLayer(shape);
  };

  return {
    name,
    defaultOn: true,
    depends,
    layer: group,
    swatch,
    async load(view, signal) {
      const fc = await source.get(view.unit.code);
      let byArea = new Map();
      judged = false;
      if (withCompliance && fc.features.some((f) => COMPLIANCE_KINDS.has(f?.properties?.kind))) {
        try {
          byArea = complianceByArea(await api.compliance(view.query, signal));
          judged = byArea.size > 0;
        } catch (err) {
          if (signal?.aborted) throw err;
          // Without compliance the areas are still drawn, styled by kind.
          console.warn(`compliance: ${err?.message || err}`);
        }
      }
      group.clearLayers();
      bands.length = 0;
      kinds = new Set();
      tiers = new Set();
      shown = [];
      for (const feature of fc.features) {
        const kind = feature?.properties?.kind || 'other';
        if (!feature?.geometry || !accept(kind)) continue;
        const compliance = byArea.get(String(feature.properties.id));
        draw(feature, compliance, view);
        kinds.add(kind);
        const tier = COMPLIANCE_KINDS.has(kind) ? complianceTier(compliance?.percent) : null;
        if (tier) tiers.add(tier.tier);
        shown.push(compliance ? { ...feature, properties: { ...feature.properties, compliance } } : feature);
      }
      if (map.hasLayer(group)) resizeBands();
      return shown.length;
    },
    clear() {
      group.clearLayers();
      bands.length = 0;
      shown = [];
    },
    legend: () => legendFor({ kinds, tiers, judged }),
    toGeoJSON: () => ({ type: 'FeatureCollection', features: shown }),
  };
}

function areaPopup(feature, compliance, actions, view) {
  const p = feature.properties || {};
  const rows = [[t('area.kind'), label('kind', p.kind)]];
  if (isLine(feature.geometry)) {
    rows.push([t('area.buffer'), t('area.meters', { n: formatNumber(p.buffer_m ?? DEFAULT_BUFFER_M) })]);
  }
  if (p.kind !== 'residential_group' || p.required_night_visits) {
    rows.push([t('area.requirement'), t('area.requirementText', {
      visits: formatNumber(p.required_night_visits ?? 1),
      dwell: formatNumber(p.min_dwell_min ?? 0),
    })]);
  }
  let chart = null;
  if (compliance && Array.isArray(compliance.nights)) {
    const s = summarizeNights(compliance.nights);
    rows.push([t('compliance.nightsVisited'), `${formatNumber(s.visited)}/${formatNumber(s.total)}`]);
    rows.push([t('compliance.nightsMet'), compliance.percent === null || compliance.percent === undefined
      ? `${formatNumber(s.met)}/${formatNumber(s.judged)}`
      : `${formatNumber(s.met)}/${formatNumber(s.judged)} (${formatFixed(Number(compliance.percent), 1)} %)`]);
    if (s.open > 0) rows.push([t('compliance.nightsOpen'), formatNumber(s.open)]);
    rows.push([t('compliance.lastVisit'), s.lastVisited ? formatLocalDate(s.lastVisited) : t('compliance.never')]);
    if (s.total > 0) {
      const stateText = (state) => t(`compliance.night.${state}`);
      chart = nightsChart(compliance.nights, {
        caption: t('compliance.chartCaption'),
        summary: t('compliance.chartSummary', { met: formatNumber(s.met), visited: formatNumber(s.visited), total: formatNumber(s.total) }),
        title: (sq) => `${formatLocalDate(sq.date)}: ${stateText(sq.state)}`,
        legend: ['met', 'short', 'missed', ...(s.open > 0 ? ['open'] : [])].map((state) => ({ kind: state, text: stateText(state) })),
      });
    }
  }
  const box = h('div', { class: 'popup', testid: 'area-popup', dataset: { areaId: p.id ?? '' } },
    h('h3', { class: 'popup-title' }, p.name || label('kind', p.kind)),
    definitionList(rows),
    chart,
  );
  if (view && compliance) box.dataset.period = `${view.range.from}/${view.range.to}`;
  if (actions.canEdit && p.id !== undefined && p.id !== null) box.append(areaButtons(feature, actions));
  return box;
}

function areaButtons(feature, actions) {
  const edit = h('button', { type: 'button', class: 'button small', testid: 'area-edit' }, t('area.edit'));
  const remove = h('button', { type: 'button', class: 'button small danger', testid: 'area-delete' }, t('area.delete'));
  edit.addEventListener('click', () => actions.edit?.(feature));
  confirmTwice(remove, 'area-delete-confirm', t('area.confirmDelete'), () => actions.remove?.(feature));
  return h('div', { class: 'popup-actions' }, edit, remove);
}
