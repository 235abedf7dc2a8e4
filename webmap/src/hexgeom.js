// hexgeom.js packs many GeoJSON features into flat typed arrays in Web
// Mercator "world" units (0–1 across the world, as Leaflet's EPSG:3857 map
// has them at zoom 0, divided by 256), indexes them on a grid and finds the
// feature under a point. It is what lets one canvas path draw and hit-test
// tens of thousands of hexagons (layers/hexcanvas.js). Pure: no Leaflet, no
// DOM.

// MAX_LATITUDE is Leaflet's SphericalMercator limit.
const MAX_LATITUDE = 85.0511287798;

// worldX returns a longitude's x in world units (0 at −180°, 1 at 180°).
export function worldX(lng) {
  return lng / 360 + 0.5;
}

// worldY returns a latitude's y in world units (0 at the north edge of the
// Mercator square, 1 at the south edge), exactly as L.CRS.EPSG3857 does.
export function worldY(lat) {
  const s = Math.sin((Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat)) * Math.PI) / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
}

// ringsOf returns a geometry's rings (polygons: every ring of every part)
// or lines, as arrays of [lng, lat], and whether they are closed.
export function ringsOf(geometry) {
  switch (geometry?.type) {
    case 'Polygon':
      return { rings: geometry.coordinates, closed: true };
    case 'MultiPolygon':
      return { rings: geometry.coordinates.flat(), closed: true };
    case 'LineString':
      return { rings: [geometry.coordinates], closed: false };
    case 'MultiLineString':
      return { rings: geometry.coordinates, closed: false };
    default:
      return { rings: [], closed: true };
  }
}

// packFeatures turns features into {n, coords (x, y pairs), ringStart
// (offsets into coords, in points, with an end entry), featureRing (index of
// each feature's first ring, with an end entry), closed (1 for areas),
// bbox (minX, minY, maxX, maxY per feature), bounds}.
export function packFeatures(features) {
  let points = 0;
  let ringCount = 0;
  const parts = features.map((f) => {
    const r = ringsOf(f?.geometry);
    for (const ring of r.rings) points += ring.length;
    ringCount += r.rings.length;
    return r;
  });
  const n = features.length;
  const coords = new Float64Array(points * 2);
  const ringStart = new Int32Array(ringCount + 1);
  const featureRing = new Int32Array(n + 1);
  const closed = new Uint8Array(n);
  const bbox = new Float64Array(n * 4);
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  let p = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    featureRing[i] = r;
    closed[i] = parts[i].closed ? 1 : 0;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const ring of parts[i].rings) {
      ringStart[r++] = p;
      for (const c of ring) {
        const x = worldX(c[0]);
        const y = worldY(c[1]);
        coords[2 * p] = x;
        coords[2 * p + 1] = y;
        p++;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    bbox.set([minX, minY, maxX, maxY], 4 * i);
    if (minX < bounds[0]) bounds[0] = minX;
    if (minY < bounds[1]) bounds[1] = minY;
    if (maxX > bounds[2]) bounds[2] = maxX;
    if (maxY > bounds[3]) bounds[3] = maxY;
  }
  ringStart[r] = p;
  featureRing[n] = r;
  return { n, coords, ringStart, featureRing, closed, bbox, bounds };
}

// buildGrid indexes the packed features by the grid cells their boxes
// touch: about one feature per cell. It returns {cols, rows, x0, y0, w, h,
// start, items} where the features of cell c are items[start[c] …
// start[c+1]).
export function buildGrid(packed) {
  const { n, bbox, bounds } = packed;
  const side = Math.max(1, Math.ceil(Math.sqrt(n)));
  const x0 = bounds[0];
  const y0 = bounds[1];
  const w = Math.max(bounds[2] - bounds[0], 1e-12) / side;
  const h = Math.max(bounds[3] - bounds[1], 1e-12) / side;
  const cellRange = (i) => [
    Math.min(side - 1, Math.max(0, Math.floor((bbox[4 * i] - x0) / w))),
    Math.min(side - 1, Math.max(0, Math.floor((bbox[4 * i + 1] - y0) / h))),
    Math.min(side - 1, Math.max(0, Math.floor((bbox[4 * i + 2] - x0) / w))),
    Math.min(side - 1, Math.max(0, Math.floor((bbox[4 * i + 3] - y0) / h))),
  ];
  const counts = new Int32Array(side * side + 1);
  const ranges = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = cellRange(i);
    ranges.push([a, b, c, d]);
    for (let y = b; y <= d; y++) for (let x = a; x <= c; x++) counts[y * side + x + 1]++;
  }
  for (let c = 1; c <= side * side; c++) counts[c] += counts[c - 1];
  const start = counts.slice();
  const fill = counts.slice(0, side * side);
  const items = new Int32Array(start[side * side]);
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = ranges[i];
    for (let y = b; y <= d; y++) for (let x = a; x <= c; x++) items[fill[y * side + x]++] = i;
  }
  return { cols: side, rows: side, x0, y0, w, h, start, items };
}

// candidates returns the features whose grid cells touch the square of
// half-size tol around (x, y), each once, in ascending order.
export function candidates(grid, x, y, tol = 0) {
  const { cols, rows, x0, y0, w, h, start, items } = grid;
  const a = Math.floor((x - tol - x0) / w);
  const b = Math.floor((y - tol - y0) / h);
  const c = Math.floor((x + tol - x0) / w);
  const d = Math.floor((y + tol - y0) / h);
  if (c < 0 || d < 0 || a >= cols || b >= rows) return [];
  const seen = new Set();
  for (let gy = Math.max(0, b); gy <= Math.min(rows - 1, d); gy++) {
    for (let gx = Math.max(0, a); gx <= Math.min(cols - 1, c); gx++) {
      const cell = gy * cols + gx;
      for (let k = start[cell]; k < start[cell + 1]; k++) seen.add(items[k]);
    }
  }
  return [...seen].sort((p, q) => p - q);
}

// insideRings reports whether (x, y) lies inside feature i's rings by the
// even-odd rule.
export function insideRings(packed, i, x, y) {
  const { coords, ringStart, featureRing } = packed;
  let inside = false;
  for (let r = featureRing[i]; r < featureRing[i + 1]; r++) {
    const s = ringStart[r];
    const e = ringStart[r + 1];
    for (let j = s, k = e - 1; j < e; k = j++) {
      const xj = coords[2 * j];
      const yj = coords[2 * j + 1];
      const xk = coords[2 * k];
      const yk = coords[2 * k + 1];
      if (yj > y !== yk > y && x < ((xk - xj) * (y - yj)) / (yk - yj) + xj) inside = !inside;
    }
  }
  return inside;
}

// nearRings reports whether (x, y) lies within tol of feature i's lines
// (or its rings' edges).
export function nearRings(packed, i, x, y, tol) {
  const { coords, ringStart, featureRing } = packed;
  const tol2 = tol * tol;
  for (let r = featureRing[i]; r < featureRing[i + 1]; r++) {
    const s = ringStart[r];
    const e = ringStart[r + 1];
    for (let j = s + 1; j < e; j++) {
      const ax = coords[2 * j - 2];
      const ay = coords[2 * j - 1];
      const dx = coords[2 * j] - ax;
      const dy = coords[2 * j + 1] - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
      const ex = ax + t * dx - x;
      const ey = ay + t * dy - y;
      if (ex * ex + ey * ey <= tol2) return true;
    }
  }
  return false;
}
