// map.js creates the Leaflet map: panes that keep layers in a fixed order,
// the basemap from the configured tile URL (or none), zoom and scale
// controls, and one canvas renderer shared by the hexagon layers.

import L from './leaflet.js';
import { t, language, onLanguageChange } from './i18n.js';
import { basemapLayer as configuredBasemap, basemapKind, usableTileURL } from './basemap.js';
import { fill } from './palette.js';
import { popupPadding, boxWithin } from './popupspace.js';
import { fillZoom } from './fit.js';

// PANES lists our panes bottom to top (Leaflet's overlayPane is 400,
// markerPane 600, tooltipPane 650, popupPane 700).
export const PANES = {
  hexagons: { name: 'pm-hexagons', zIndex: 405 },
  boundary: { name: 'pm-boundary', zIndex: 410 },
  areas: { name: 'pm-areas', zIndex: 420 },
  roads: { name: 'pm-roads', zIndex: 430 },
  tracks: { name: 'pm-tracks', zIndex: 435 },
  routes: { name: 'pm-routes', zIndex: 440 },
  incidents: { name: 'pm-incidents', zIndex: 610 },
  live: { name: 'pm-live', zIndex: 620 },
};

const VIETNAM = { center: [16.0, 106.0], zoom: 6 };

// Every popup pans clear of the map's controls and of what covers the map
// (elements marked data-covers-map: the chief's summary cards). Leaflet
// measures a popup, then pans it inside its auto-pan paddings; just before
// that pan the paddings are set from the controls' boxes as they are on
// screen now (popupspace.js), on top of what the popup asked for. This wraps
// Leaflet 1.9's Popup._adjustPan, the one step between the popup's layout
// and its pan (the version is pinned by the lockfile).
const askedPadding = new WeakMap();
const leafletAdjustPan = L.Popup.prototype._adjustPan;
L.Popup.include({
  _adjustPan(...args) {
    if (this._map && this.options.autoPan) clearControls(this);
    return leafletAdjustPan.apply(this, args);
  },
});

// OBSTACLES are what a popup must not lie under, inside the map container.
const OBSTACLES = '.leaflet-control-container .leaflet-control, [data-covers-map]';

function clearControls(popup) {
  const container = popup._map.getContainer();
  const element = popup.getElement();
  if (!element) return;
  if (!askedPadding.has(popup)) {
    const o = popup.options;
    const both = L.point(o.autoPanPadding || [0, 0]);
    const tl = L.point(o.autoPanPaddingTopLeft || both);
    const br = L.point(o.autoPanPaddingBottomRight || both);
    askedPadding.set(popup, { topLeft: [tl.x, tl.y], bottomRight: [br.x, br.y] });
  }
  const frame = container.getBoundingClientRect();
  const box = boxWithin(element.getBoundingClientRect(), frame);
  const obstacles = [...container.querySelectorAll(OBSTACLES)].map((el) => boxWithin(el.getBoundingClientRect(), frame));
  const padding = popupPadding({
    popup: { left: box.left, width: box.right - box.left },
    size: popup._map.getSize(),
    obstacles,
    asked: askedPadding.get(popup),
  });
  popup.options.autoPanPaddingTopLeft = padding.topLeft;
  popup.options.autoPanPaddingBottomRight = padding.bottomRight;
}

// createMap builds the map in container. config is the body of
// GET /api/v1/config ({tile_url, tile_attribution, version}).
export function createMap(container, config = {}) {
  const map = L.map(container, {
    zoomControl: false,
    minZoom: 3,
    maxZoom: 20,
    zoomSnap: 0.25,
    keyboard: true,
  });
  for (const pane of Object.values(PANES)) {
    map.createPane(pane.name).style.zIndex = String(pane.zIndex);
  }
  // The boundary and the tracks are not interactive; clicks go through them
  // to the areas and hexagons below (a canvas would otherwise take them).
  map.getPane(PANES.boundary.name).style.pointerEvents = 'none';
  map.getPane(PANES.tracks.name).style.pointerEvents = 'none';

  let zoom = null;
  const addZoom = () => {
    if (zoom) zoom.remove();
    zoom = L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map);
  };
  addZoom();
  onLanguageChange(addZoom);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');

  const basemap = configuredBasemap(config, language());
  container.dataset.basemap = basemapKind(config);
  // Under a vector basemap the map's own background is land too, so a tile
  // still drawing (or an edge of the extract) reads as land, not as a hole.
  if (container.dataset.basemap === 'pmtiles') container.style.background = fill('basemap.earth');
  if (basemap) {
    basemap.addTo(map);
  } else {
    container.classList.add('no-basemap');
    addNoBasemapNote(map);
  }

  map.setView(VIETNAM.center, VIETNAM.zoom);

  // Area labels crowd the map when zoomed out: styles.css hides them then.
  const LABEL_MIN_ZOOM = 15;
  const labelZoom = () => container.classList.toggle('pm-small-zoom', map.getZoom() < LABEL_MIN_ZOOM);
  map.on('zoomend', labelZoom);
  labelZoom();

  return {
    map,
    basemapKind: basemapKind(config),
    hexRenderer: L.canvas({ pane: PANES.hexagons.name, padding: 0.3 }),
    trackRenderer: L.canvas({ pane: PANES.tracks.name, padding: 0.3 }),
    // fitGeometry shows a unit: all of it on a large screen; on a phone it
    // fills the screen around the unit (fillZoom), so a ward wider than
    // the phone is tall does not lie as a band between empty ones; with
    // whole, all of it on a phone too.
    fitGeometry(geometry, { whole = false } = {}) {
      if (!geometry) return false;
      const bounds = L.geoJSON(geometry).getBounds();
      if (!bounds.isValid()) return false;
      const small = map.getSize().x < 600;
      if (whole && small) {
        map.fitBounds(bounds, { paddingTopLeft: [6, 70], paddingBottomRight: [6, 6], maxZoom: 17 });
        return true;
      }
      if (!small) {
        map.fitBounds(bounds, { paddingTopLeft: [24, 80], paddingBottomRight: [24, 24], maxZoom: 17 });
        return true;
      }
      const topLeft = L.point(6, 70);
      const bottomRight = L.point(6, 6);
      const padding = topLeft.add(bottomRight);
      const zoom = Math.min(fillZoom(map.getBoundsZoom(bounds, false, padding), map.getBoundsZoom(bounds, true, padding)), 17);
      // The unit's centre in the middle of the padded screen, as fitBounds places it.
      const middle = map.project(bounds.getSouthWest(), zoom).add(map.project(bounds.getNorthEast(), zoom)).divideBy(2)
        .add(bottomRight.subtract(topLeft).divideBy(2));
      map.setView(map.unproject(middle, zoom), zoom);
      return true;
    },
  };
}

export { usableTileURL };

// plainAttribution turns the configured attribution (which may hold HTML
// such as "&copy; <a …>OpenStreetMap</a>") into escaped plain text, because
// Leaflet writes attributions as HTML. It parses nothing: tags are dropped
// and the common character references decoded by hand.
export function plainAttribution(raw) {
  if (typeof raw !== 'string' || raw.trim() === '') return '';
  const text = decodeEntities(raw.replace(/<[^>]*>?/g, ' '));
  return escapeHTML(text.replace(/\s+/g, ' ').trim());
}

const NAMED_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', middot: '·', ndash: '–', mdash: '—' };

function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function addNoBasemapNote(map) {
  const NoBasemap = L.Control.extend({
    options: { position: 'bottomright' },
    onAdd() {
      const el = L.DomUtil.create('div', 'no-basemap-note');
      el.dataset.testid = 'no-basemap';
      el.textContent = t('map.noBasemap');
      onLanguageChange(() => {
        el.textContent = t('map.noBasemap');
      });
      return el;
    },
  });
  new NoBasemap().addTo(map);
}
