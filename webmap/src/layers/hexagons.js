// hexagons.js is the common part of the four analysis layers (coverage,
// gaps, hot spots, emerging hot spots): it fetches a FeatureCollection of H3
// hexagons (or area geometries) from the server and draws it as an
// L.geoJSON choropleth on the shared canvas renderer, with a popup per
// feature and a legend built from what was drawn.

import L from '../leaflet.js';
import { h, definitionList } from '../dom.js';
import { PANES } from '../map.js';

// createHexLayer returns a layer definition. options:
//   name, defaultOn, depends, renderer (L.Canvas), swatch,
//   fetch(view, signal) → FeatureCollection,
//   summarize(features) → stats (optional, passed to style and legend),
//   style(properties, stats, feature) → Leaflet path options,
//   popup(properties, stats, view) → {title, rows: [[term, value]], extra?: Node},
//   legend(stats) → Node | null,
//   decorate(path, properties, stats) (optional: tooltips, labels).
export function createHexLayer(options) {
  const { name, defaultOn = false, depends, renderer, swatch, fetch, summarize, style, popup, legend, decorate } = options;
  let stats = {};
  let shownView = null;
  const layer = L.geoJSON(null, {
    renderer,
    pane: PANES.hexagons.name,
    pmIgnore: true,
    style: (feature) => style(feature.properties || {}, stats, feature),
    onEachFeature(feature, path) {
      const props = feature.properties || {};
      path.bindPopup(() => popupContent(popup(props, stats, shownView)), { maxWidth: 300, minWidth: 180 });
      decorate?.(path, props, stats);
    },
  });

  return {
    name,
    defaultOn,
    depends,
    layer,
    swatch,
    async load(view, signal) {
      const fc = await fetch(view, signal);
      const features = fc.features.filter((f) => f && f.geometry && f.type === 'Feature');
      layer.clearLayers();
      stats = summarize ? summarize(features) : {};
      shownView = view;
      layer.addData({ type: 'FeatureCollection', features });
      return features.length;
    },
    clear() {
      layer.clearLayers();
      stats = {};
    },
    legend: () => legend(stats),
  };
}

function popupContent({ title, rows, extra }) {
  return h('div', { class: 'popup', testid: 'feature-popup' },
    title ? h('h3', { class: 'popup-title' }, title) : null,
    definitionList(rows),
    extra || null,
  );
}
