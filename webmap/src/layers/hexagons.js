// hexagons.js is the common part of the four analysis layers (coverage,
// gaps, hot spots, emerging hot spots): it fetches a FeatureCollection of H3
// hexagons (or area geometries) from the server and draws it as an
// L.geoJSON choropleth on the shared canvas renderer, with a legend built
// from what was drawn.
//
// The layers share a stack (createHexStack) that keeps their drawing order on
// the one canvas (coverage at the bottom, emerging on top) and knows every
// drawn cell, so a click on any hexagon explains that cell with what each
// layer on the map says about it: passes and nights, gap rank, Gi* and the
// emerging category with its series.

import L from '../leaflet.js';
import { h, definitionList } from '../dom.js';
import { PANES } from '../map.js';
import { t } from '../i18n.js';

// CHUNK is how many features are added to the map before the page gets a
// turn, so a 50,000-cell layer never freezes it.
const CHUNK = 4000;

function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function abortError() {
  return new DOMException('aborted', 'AbortError');
}

// createHexStack returns the shared state of the hexagon layers on map.
export function createHexStack(map) {
  const entries = []; // {order, name, layer, cells: Map, describe}
  const onMap = () => entries.filter((e) => map.hasLayer(e.layer)).sort((a, b) => a.order - b.order);
  return {
    add(entry) {
      entries.push(entry);
    },
    // restack brings the layers on the map to front in their order, except
    // the lowest, which no layer needs to be under.
    restack() {
      onMap().slice(1).forEach((e) => e.layer.bringToFront());
    },
    // explain builds the popup of one cell from every layer on the map that
    // drew it; first names the layer that was clicked.
    explain(cell, view, first) {
      const sections = [];
      for (const e of onMap().reverse()) {
        const props = e.cells.get(cell);
        if (props) sections.push({ name: e.name, ...e.describe(props, view) });
      }
      sections.sort((a, b) => (a.name === first ? -1 : b.name === first ? 1 : 0));
      return cellPopup(cell, sections);
    },
  };
}

// createHexLayer returns a layer definition. options:
//   name, order (in the stack), defaultOn, depends, renderer (L.Canvas),
//   stack, swatch,
//   fetch(view, signal) → FeatureCollection,
//   summarize(features) → stats (optional, passed to style and legend),
//   style(properties, stats, feature) → Leaflet path options,
//   describe(properties, view) → {title, rows: [[term, value]], extra?: Node},
//   legend(stats) → Node | null,
//   decorate(path, properties, stats) (optional: tooltips, labels),
//   controls (optional element under the legend).
// The definition also has restyle() to repaint after a change of state.
export function createHexLayer(options) {
  const { name, order = 0, defaultOn = false, depends, renderer, stack, swatch, fetch, summarize, style, describe, legend, decorate, controls } = options;
  let stats = {};
  let shownView = null;
  let drawn = [];
  const cells = new Map();
  const layer = L.geoJSON(null, {
    renderer,
    pane: PANES.hexagons.name,
    pmIgnore: true,
    style: (feature) => style(feature.properties || {}, stats, feature),
    onEachFeature(feature, path) {
      const props = feature.properties || {};
      const content = () =>
        props.cell && stack ? stack.explain(props.cell, shownView, name) : cellPopup(null, [{ name, ...describe(props, shownView) }]);
      path.bindPopup(content, { maxWidth: 300, minWidth: 220, autoPanPaddingTopLeft: [10, 60] });
      decorate?.(path, props, stats);
    },
  });
  stack?.add({ order, name, layer, cells, describe: (props, view) => describe(props, view) });

  return {
    name,
    defaultOn,
    depends,
    layer,
    swatch,
    controls,
    async load(view, signal) {
      const fc = await fetch(view, signal);
      const features = fc.features.filter((f) => f && f.geometry && f.type === 'Feature');
      layer.clearLayers();
      cells.clear();
      drawn = [];
      stats = summarize ? summarize(features, fc) : {};
      shownView = view;
      for (let i = 0; i < features.length; i += CHUNK) {
        if (i > 0) {
          await nextTask();
          if (signal?.aborted) throw abortError();
        }
        layer.addData({ type: 'FeatureCollection', features: features.slice(i, i + CHUNK) });
      }
      for (const f of features) if (f.properties?.cell) cells.set(f.properties.cell, f.properties);
      drawn = features;
      stack?.restack();
      return features.length;
    },
    clear() {
      layer.clearLayers();
      cells.clear();
      drawn = [];
      stats = {};
    },
    legend: () => legend(stats),
    toGeoJSON: () => ({ type: 'FeatureCollection', features: drawn }),
    restyle() {
      layer.setStyle((feature) => style(feature.properties || {}, stats, feature));
    },
    get stats() {
      return stats;
    },
  };
}

// cellPopup lays out the sections ({name, title, rows, extra}) of a popup;
// with a cell it is headed by the cell's id.
function cellPopup(cell, sections) {
  const several = sections.length > 1 || cell;
  return h('div', { class: 'popup cell-popup', testid: 'feature-popup', dataset: { cell: cell || '' } },
    cell ? h('h3', { class: 'popup-title' }, t('cell.title'), h('span', { class: 'cell-id' }, cell)) : null,
    sections.map((s) =>
      h('section', { class: 'popup-section', dataset: { layer: s.name } },
        s.title ? h(several ? 'h4' : 'h3', { class: several ? 'popup-subtitle' : 'popup-title' }, s.title) : null,
        definitionList(s.rows || []),
        s.extra || null,
      ),
    ),
  );
}
