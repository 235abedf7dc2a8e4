// hexcanvas.js is one Leaflet path that draws a whole collection of
// features (the hexagons of an analysis layer, and a few area outlines) on a
// canvas renderer, and finds the feature under the mouse. Leaflet makes an
// object per polygon with its own options, points and events; for 50,000
// hexagons that costs seconds of allocation and garbage collection. This
// keeps every coordinate in one typed array (hexgeom.js), draws features
// that share a style as one canvas path, and answers clicks from a grid.
//
// It plugs into L.Canvas like any L.Path: the renderer calls _project on
// zoom, _update on pans, _updatePath while it draws and _containsPoint for
// the mouse. After a hit, feature() is the feature under the pointer.

import L from '../leaflet.js';
import { packFeatures, buildGrid, candidates, insideRings, nearRings } from '../hexgeom.js';

const CLICK_TOLERANCE_PX = 3;

function styleKey(s) {
  return [s.color, s.weight, s.opacity, s.fill, s.fillColor, s.fillOpacity, s.dashArray, s.z].join('|');
}

export const HexCanvasPath = L.Path.extend({
  options: {
    interactive: true,
    pmIgnore: true,
    // The widest stroke drawn, for the redraw margins Leaflet keeps.
    weight: 6,
  },

  initialize(options) {
    L.setOptions(this, options);
    this._features = [];
    this._packed = packFeatures([]);
    this._grid = null;
    this._styles = [];
    this._styleOf = new Int32Array(0);
    this._groups = null;
    this._hit = null;
  },

  // setData replaces the features; style(feature) gives each its path
  // options (color, weight, opacity, fill, fillColor, fillOpacity,
  // dashArray) and z, the drawing order of its style (higher on top).
  setData(features, style) {
    this._features = features;
    this._packed = packFeatures(features);
    this._grid = features.length > 0 ? buildGrid(this._packed) : null;
    this._hit = null;
    this.restyle(style);
    return this;
  },

  // restyle recomputes every feature's style and redraws.
  restyle(style) {
    const keys = new Map();
    this._styles = [];
    this._styleOf = new Int32Array(this._features.length);
    this._features.forEach((f, i) => {
      const s = { stroke: true, weight: 1, opacity: 1, fill: true, fillOpacity: 0.2, z: 0, ...style(f) };
      s.color = s.color || '#3388ff';
      const key = styleKey(s);
      let k = keys.get(key);
      if (k === undefined) {
        k = this._styles.length;
        keys.set(key, k);
        s.dash = typeof s.dashArray === 'string' ? s.dashArray.split(/[ ,]+/).map(Number) : [];
        this._styles.push(s);
      }
      this._styleOf[i] = k;
    });
    // Features grouped by style, the styles in z order (then first seen).
    const byStyle = this._styles.map(() => []);
    this._styleOf.forEach((k, i) => byStyle[k].push(i));
    this._groups = this._styles
      .map((s, k) => ({ s, k }))
      .sort((a, b) => a.s.z - b.s.z || a.k - b.k)
      .map(({ s, k }) => ({ style: s, features: byStyle[k] }));
    // Topmost first, for hit tests.
    this._rank = new Int32Array(this._features.length);
    let r = 0;
    for (const group of this._groups) for (const i of group.features) this._rank[i] = r++;
    if (this._map) this.redraw();
    return this;
  },

  // feature returns the feature found by the last hit test.
  feature() {
    return this._hit;
  },

  features() {
    return this._features;
  },

  getBounds() {
    const [minX, minY, maxX, maxY] = this._packed.bounds;
    if (!Number.isFinite(minX)) return L.latLngBounds([]);
    const crs = L.CRS.EPSG3857;
    return L.latLngBounds(crs.pointToLatLng(L.point(minX * 256, maxY * 256), 0), crs.pointToLatLng(L.point(maxX * 256, minY * 256), 0));
  },

  _project() {
    const map = this._map;
    this._scale = map.options.crs.scale(map.getZoom());
    this._origin = map.getPixelOrigin();
    const [minX, minY, maxX, maxY] = this._packed.bounds;
    if (!Number.isFinite(minX)) {
      this._pxBounds = null;
      return;
    }
    const pad = this.options.weight;
    this._pxBounds = L.bounds(
      [minX * this._scale - this._origin.x - pad, minY * this._scale - this._origin.y - pad],
      [maxX * this._scale - this._origin.x + pad, maxY * this._scale - this._origin.y + pad],
    );
  },

  _update() {
    // Nothing to clip: the canvas clips, and drawing skips what is out of view.
  },

  _updatePath() {
    const renderer = this._renderer;
    if (!renderer._drawing || !this._groups) return;
    const ctx = renderer._ctx;
    const { coords, ringStart, featureRing, closed, bbox } = this._packed;
    const scale = this._scale;
    const ox = this._origin.x;
    const oy = this._origin.y;
    // The part of the world the renderer's canvas covers, in world units.
    const b = renderer._bounds;
    const vx0 = (b.min.x + ox) / scale;
    const vy0 = (b.min.y + oy) / scale;
    const vx1 = (b.max.x + ox) / scale;
    const vy1 = (b.max.y + oy) / scale;
    for (const { style, features } of this._groups) {
      ctx.beginPath();
      let any = false;
      for (const i of features) {
        if (bbox[4 * i + 2] < vx0 || bbox[4 * i] > vx1 || bbox[4 * i + 3] < vy0 || bbox[4 * i + 1] > vy1) continue;
        any = true;
        for (let r = featureRing[i]; r < featureRing[i + 1]; r++) {
          const s = ringStart[r];
          const e = ringStart[r + 1];
          for (let j = s; j < e; j++) {
            const x = coords[2 * j] * scale - ox;
            const y = coords[2 * j + 1] * scale - oy;
            if (j === s) ctx.moveTo(x, y);
            else ctx.lineTo(x, y);
          }
          // A ring is closed by a line back to its start, not closePath():
          // Chrome's closePath gets slower with every subpath of a big path.
          // GeoJSON rings repeat their first point already.
          if (closed[i] && e - s > 1 && (coords[2 * s] !== coords[2 * e - 2] || coords[2 * s + 1] !== coords[2 * e - 1])) {
            ctx.lineTo(coords[2 * s] * scale - ox, coords[2 * s + 1] * scale - oy);
          }
        }
      }
      if (!any) continue;
      if (style.fill && style.fillOpacity > 0) {
        ctx.globalAlpha = style.fillOpacity;
        ctx.fillStyle = style.fillColor || style.color;
        ctx.fill('evenodd');
      }
      if (style.stroke && style.weight > 0 && style.opacity > 0) {
        ctx.setLineDash(style.dash);
        ctx.globalAlpha = style.opacity;
        ctx.lineWidth = style.weight;
        ctx.strokeStyle = style.color;
        ctx.lineCap = 'round';
        ctx.lineJoin = 'round';
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  },

  _containsPoint(p) {
    this._hit = null;
    if (!this._grid || !this._pxBounds || !this._pxBounds.contains(p)) return false;
    const scale = this._scale;
    const x = (p.x + this._origin.x) / scale;
    const y = (p.y + this._origin.y) / scale;
    let best = -1;
    for (const i of candidates(this._grid, x, y, (CLICK_TOLERANCE_PX + 3) / scale)) {
      if (best >= 0 && this._rank[i] < this._rank[best]) continue;
      const style = this._styles[this._styleOf[i]];
      const area = this._packed.closed[i] && style.fill;
      const hit = area
        ? insideRings(this._packed, i, x, y)
        : nearRings(this._packed, i, x, y, (style.weight / 2 + CLICK_TOLERANCE_PX) / scale);
      if (hit) best = i;
    }
    if (best < 0) return false;
    this._hit = this._features[best];
    return true;
  },
});
