// hexagons.js is the common part of the four analysis layers (coverage,
// gaps, hot spots, emerging hot spots): it fetches a FeatureCollection of H3
// hexagons (or area geometries) from the server and draws it as a
// choropleth on the shared canvas renderer (one HexCanvasPath per layer, so
// 50,000 cells draw in a blink), with a legend built from what was drawn.
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
import { HexCanvasPath } from './hexcanvas.js';
import { worldY } from '../hexgeom.js';

// BIG_LAYER is the number of features above which loading takes a break
// between reading the answer and drawing it.
const BIG_LAYER = 5000;

// nextFrame resolves after the page has painted a frame.
function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// createHexStack returns the shared state of the hexagon layers on map.
export function createHexStack(map) {
  const entries = []; // {order, name, layer, path, cells: Map, describe}
  const onMap = () => entries.filter((e) => map.hasLayer(e.layer)).sort((a, b) => a.order - b.order);
  return {
    add(entry) {
      entries.push(entry);
    },
    // restack brings the layers on the map to front in their order, except
    // the lowest, which no layer needs to be under.
    restack() {
      onMap().slice(1).forEach((e) => e.path.bringToFront());
    },
    // explain builds the popup of one cell from every layer on the map that
    // drew it, top layer first; first names the layer that was clicked. A
    // layer that draws the cell see-through (an emerging cell of no pattern,
    // which still takes the click) comes after those that colour it, so a
    // magenta gap cell opens with why it is a gap.
    explain(cell, view, first) {
      const sections = [];
      for (const e of onMap().reverse()) {
        const props = e.cells.get(cell);
        if (props) sections.push({ name: e.name, seen: e.colours(props), ...e.describe(props, view) });
      }
      const rank = (s) => (s.seen ? 0 : 2) + (s.name === first ? 0 : 1);
      sections.sort((a, b) => rank(a) - rank(b));
      return cellPopup(cell, sections);
    },
  };
}

// featureCentre returns the centre of a feature's box as a LatLng.
function featureCentre(feature) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      minX = Math.min(minX, c[0]);
      maxX = Math.max(maxX, c[0]);
      minY = Math.min(minY, c[1]);
      maxY = Math.max(maxY, c[1]);
    } else c.forEach(visit);
  };
  visit(feature.geometry.coordinates);
  // The middle in Mercator, so the label sits where the eye expects it.
  const y = (worldY(minY) + worldY(maxY)) / 2;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
  return L.latLng(lat, (minX + maxX) / 2);
}

// createHexLayer returns a layer definition. options:
//   name, order (in the stack), defaultOn, depends, renderer (L.Canvas),
//   stack, swatch,
//   fetch(view, signal) → FeatureCollection,
//   summarize(features, fc) → stats (optional, passed to style and legend),
//   style(properties, stats, feature) → path options and z (drawing order),
//   describe(properties, view, stats) → {title, why?: [plain sentences],
//     rows: [[term, value]], extra?: Node},
//   flagged(features, stats) → what the badge counts (optional),
//   legend(stats) → Node | null,
//   label(properties) → a short text shown on the feature, or null,
//   controls (optional element under the legend).
// The definition also has restyle() to repaint after a change of state.
export function createHexLayer(options) {
  const { name, order = 0, defaultOn = false, depends, renderer, stack, swatch, fetch, summarize, style, describe, legend, label, controls, flagged, labelClass = 'gap-rank' } = options;
  let stats = {};
  let shownView = null;
  const cells = new Map();
  const path = new HexCanvasPath({ renderer, pane: PANES.hexagons.name });
  const labels = L.layerGroup();
  const layer = L.layerGroup([path, labels]);
  const styleOf = (feature) => style(feature.properties || {}, stats, feature);

  path.on('click', (event) => {
    const feature = path.feature();
    if (!feature) return;
    const props = feature.properties || {};
    const content = props.cell && stack ? stack.explain(props.cell, shownView, name) : cellPopup(null, [{ name, ...describe(props, shownView, stats) }]);
    L.popup({ maxWidth: 300, minWidth: 220 }).setLatLng(event.latlng).setContent(content).openOn(path._map);
  });
  // colours says whether the layer paints the cell of props (a fill that shows).
  const colours = (props) => {
    const s = styleOf({ properties: props }) || {};
    return s.fill !== false && (s.fillOpacity ?? 0.2) > 0;
  };
  stack?.add({ order, name, layer, path, cells, colours, describe: (props, view) => describe(props, view, stats) });

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
      if (features.length > BIG_LAYER) {
        // Reading a big answer took a while: let the page paint a frame (and
        // take a click) before drawing it.
        await nextFrame();
        if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      }
      cells.clear();
      labels.clearLayers();
      stats = summarize ? summarize(features, fc) : {};
      shownView = view;
      path.setData(features, styleOf);
      for (const f of features) {
        const p = f.properties || {};
        if (p.cell) cells.set(p.cell, p);
        const text = label?.(p);
        if (text) {
          labels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: labelClass, interactive: false })
            .setLatLng(featureCentre(f))
            .setContent(h('span', {}, text)));
        }
      }
      stack?.restack();
      return features.length;
    },
    clear() {
      path.setData([], styleOf);
      labels.clearLayers();
      cells.clear();
      stats = {};
    },
    legend: () => legend(stats),
    flagged: flagged ? () => flagged(path.features(), stats) : undefined,
    toGeoJSON: () => ({ type: 'FeatureCollection', features: path.features() }),
    restyle() {
      path.restyle(styleOf);
    },
    get stats() {
      return stats;
    },
  };
}

// placeLookup names a cell for its popup title (setPlaceLookup): a function
// of the cell's id answering a promise of {title, description} or null.
let placeLookup = null;

// setPlaceLookup sets how cell popups find the name of their place.
export function setPlaceLookup(fn) {
  placeLookup = typeof fn === 'function' ? fn : null;
}

// cellPopup lays out the sections ({name, title, rows, extra}) of a popup;
// with a cell it is headed by the cell's place ("Ngõ 25 Bách Quang, Tổ dân
// phố 17", filled in when the server answers) and, small, its H3 id.
function cellPopup(cell, sections) {
  const several = sections.length > 1 || cell;
  let head = null;
  if (cell) {
    const place = h('span', { class: 'popup-place', testid: 'popup-place', dataset: { state: 'loading' } }, t('cell.title'));
    head = h('header', { class: 'popup-head' },
      h('h3', { class: 'popup-title' }, place),
      h('p', { class: 'popup-cell muted' }, t('cell.id', { cell })),
    );
    if (placeLookup) {
      placeLookup(cell).then((p) => {
        place.textContent = p?.title || t('cell.title');
        place.title = p?.description || '';
        place.dataset.state = p?.title ? 'named' : 'unnamed';
      }, () => {
        place.dataset.state = 'unnamed';
      });
    } else {
      place.dataset.state = 'unnamed';
    }
  }
  return h('div', { class: 'popup cell-popup', testid: 'feature-popup', dataset: { cell: cell || '' } },
    head,
    sections.map((s) =>
      h('section', { class: 'popup-section', dataset: { layer: s.name } },
        s.title ? h(several ? 'h4' : 'h3', { class: several ? 'popup-subtitle' : 'popup-title' }, s.title) : null,
        s.why && s.why.length ? h('ul', { class: 'popup-why', testid: `popup-why-${s.name}` }, s.why.map((line) => h('li', {}, line))) : null,
        definitionList(s.rows || []),
        s.extra || null,
      ),
    ),
  );
}
