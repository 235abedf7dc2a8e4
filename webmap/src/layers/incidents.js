// incidents.js draws the period's incidents (GET /api/v1/incidents) as
// dots coloured by category and sized by severity. Below street zoom, dots
// closer than a grid cell on screen are merged into numbered clusters;
// clicking a cluster zooms to it.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h, definitionList, confirmTwice } from '../dom.js';
import { legend } from '../legend.js';
import { gridCluster } from './cluster.js';
import { t, label, formatNumber, formatDateTime } from '../i18n.js';
import { fill } from '../palette.js';

export const CATEGORY_COLORS = Object.fromEntries(
  ['theft', 'robbery', 'drugs', 'gambling', 'prostitution', 'disorder', 'traffic_accident', 'fire', 'fraud', 'other']
    .map((c) => [c, fill(`incident.${c}`)]),
);
export const CLUSTER_BELOW_ZOOM = 16;

function colorOf(category) {
  return CATEGORY_COLORS[category] || CATEGORY_COLORS.other;
}

// createIncidentsLayer returns the layer definition for incidents. actions
// may hold canEdit, edit(feature) and void(feature), looked up when a popup
// opens.
export function createIncidentsLayer({ map, actions = {} }) {
  const group = L.layerGroup([], { pane: PANES.incidents.name });
  let points = []; // {latlng, feature, category}
  let shownView = null;
  let categories = new Set();

  const dot = (point) => {
    const p = point.feature.properties || {};
    const severity = Math.min(5, Math.max(1, Number(p.severity) || 3));
    const marker = L.circleMarker(point.latlng, {
      pane: PANES.incidents.name,
      pmIgnore: true,
      radius: 3 + severity,
      color: '#ffffff',
      weight: 1.5,
      fillColor: colorOf(point.category),
      fillOpacity: 0.92,
    });
    marker.bindPopup(() => incidentPopup(point.feature, shownView, actions), { maxWidth: 300, minWidth: 220 });
    return marker;
  };

  const cluster = (g, zoom) => {
    const latlngs = g.items.map((item) => item.latlng);
    const center = map.unproject([g.x, g.y], zoom);
    const size = Math.round(26 + Math.min(18, Math.log2(g.items.length) * 4));
    const text = t('incident.cluster', { count: formatNumber(g.items.length) });
    const badge = h('span', { class: 'incident-cluster' }, formatNumber(g.items.length));
    badge.style.borderColor = colorOf(g.category);
    const marker = L.marker(center, {
      pane: PANES.incidents.name,
      pmIgnore: true,
      title: text,
      alt: text,
      keyboard: true,
      icon: L.divIcon({ className: 'incident-cluster-icon', html: badge, iconSize: [size, size] }),
    });
    marker.on('click', () => {
      map.fitBounds(L.latLngBounds(latlngs), { padding: [40, 40], maxZoom: CLUSTER_BELOW_ZOOM });
    });
    return marker;
  };

  const render = () => {
    group.clearLayers();
    const zoom = map.getZoom();
    if (zoom >= CLUSTER_BELOW_ZOOM) {
      for (const point of points) group.addLayer(dot(point));
      return;
    }
    const items = points.map((point) => {
      const px = map.project(point.latlng, zoom);
      return { ...point, x: px.x, y: px.y };
    });
    for (const g of gridCluster(items)) {
      group.addLayer(g.items.length === 1 ? dot(g.items[0]) : cluster(g, zoom));
    }
  };

  group.on('add', () => {
    map.on('zoomend', render);
    render();
  });
  group.on('remove', () => map.off('zoomend', render));

  return {
    name: 'incidents',
    defaultOn: false,
    depends: ['unit', 'period'],
    layer: group,
    swatch: { shape: 'dot', fill: CATEGORY_COLORS.theft, stroke: '#ffffff' },
    async load(view, signal) {
      const fc = await api.incidents(view.query, signal);
      shownView = view;
      points = [];
      categories = new Set();
      for (const feature of fc.features) {
        const g = feature?.geometry;
        if (!g || g.type !== 'Point' || !Array.isArray(g.coordinates)) continue;
        if (feature.properties?.status === 'void') continue;
        const category = feature.properties?.category || 'other';
        points.push({ latlng: L.GeoJSON.coordsToLatLng(g.coordinates), feature, category });
        categories.add(CATEGORY_COLORS[category] ? category : 'other');
      }
      if (map.hasLayer(group)) render();
      return points.length;
    },
    clear() {
      points = [];
      group.clearLayers();
    },
    toGeoJSON: () => ({ type: 'FeatureCollection', features: points.map((point) => point.feature) }),
    legend: () =>
      legend(
        Object.keys(CATEGORY_COLORS)
          .filter((c) => categories.has(c))
          .map((c) => ({ label: label('category', c), shape: 'dot', fill: CATEGORY_COLORS[c], stroke: '#ffffff' })),
      ),
  };
}

function incidentPopup(feature, view, actions) {
  const p = feature.properties || {};
  const rows = [
    [t('incident.time'), p.time ? formatDateTime(p.time, view?.timeZone) : null],
    [t('incident.category'), label('category', p.category)],
    [t('incident.severity'), p.severity != null ? `${formatNumber(Number(p.severity))}/5` : null],
    [t('incident.status'), p.status ? label('status', p.status) : null],
    [t('incident.externalId'), p.external_id ? String(p.external_id) : null],
  ];
  return h('div', { class: 'popup', testid: 'incident-popup', dataset: { incidentId: p.id ?? '' } },
    h('h3', { class: 'popup-title' }, label('category', p.category)),
    definitionList(rows),
    p.description ? h('p', { class: 'popup-text' }, String(p.description)) : null,
    actions.canEdit && p.id !== undefined && p.id !== null ? incidentButtons(feature, actions) : null,
  );
}

function incidentButtons(feature, actions) {
  const edit = h('button', { type: 'button', class: 'button small', testid: 'incident-edit' }, t('incident.edit'));
  const voidButton = h('button', { type: 'button', class: 'button small danger', testid: 'incident-void' }, t('incident.void'));
  edit.addEventListener('click', () => actions.edit?.(feature));
  confirmTwice(voidButton, 'incident-void-confirm', t('incident.confirmVoid'), () => actions.void?.(feature));
  return h('div', { class: 'popup-actions' }, edit, voidButton);
}
