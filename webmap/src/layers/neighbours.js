// neighbours.js finds each hexagon's ring of neighbours from the drawn
// features alone (no H3 library in the browser): hexagons of one resolution
// have their centres a fixed distance apart, so the neighbours of a cell are
// the cells whose centres lie within 1.5 times the smallest centre spacing.
// The popups use it to say in plain words how much of a hot spot comes from
// the cell itself and how much from the cells around it (Gi* counts both).

// centreOf returns the mean [lon, lat] of a polygon's outer ring.
function centreOf(geometry) {
  const ring = geometry?.type === 'Polygon' ? geometry.coordinates[0] : geometry?.type === 'MultiPolygon' ? geometry.coordinates[0][0] : null;
  if (!ring || ring.length < 3) return null;
  let x = 0;
  let y = 0;
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    x += ring[i][0];
    y += ring[i][1];
  }
  return [x / n, y / n];
}

// neighbourSums returns Map(cell → {near, cells}): the sum of value(p) over
// the cell's neighbours and how many neighbours it has.
export function neighbourSums(features, value) {
  const pts = [];
  for (const f of features) {
    const c = centreOf(f.geometry);
    const cell = f.properties?.cell;
    if (!c || !cell) continue;
    // Local metres: good enough across a ward or a district.
    const k = Math.cos((c[1] * Math.PI) / 180);
    pts.push({ cell, x: c[0] * 111320 * k, y: c[1] * 110574, v: Number(value(f.properties)) || 0 });
  }
  const out = new Map();
  if (pts.length < 2) {
    for (const p of pts) out.set(p.cell, { near: 0, cells: 0 });
    return out;
  }
  // The spacing: the smallest distance from a sample of cells to any other.
  let spacing = Infinity;
  const sample = pts.slice(0, 40);
  for (const a of sample) {
    for (const b of pts) {
      if (a === b) continue;
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d > 0 && d < spacing) spacing = d;
    }
  }
  const reach = spacing * 1.5;
  const grid = new Map();
  const key = (i, j) => `${i}:${j}`;
  for (const p of pts) {
    const k = key(Math.floor(p.x / reach), Math.floor(p.y / reach));
    if (!grid.has(k)) grid.set(k, []);
    grid.get(k).push(p);
  }
  for (const p of pts) {
    const i = Math.floor(p.x / reach);
    const j = Math.floor(p.y / reach);
    let near = 0;
    let cells = 0;
    for (let di = -1; di <= 1; di++) {
      for (let dj = -1; dj <= 1; dj++) {
        for (const q of grid.get(key(i + di, j + dj)) || []) {
          if (q !== p && Math.hypot(q.x - p.x, q.y - p.y) <= reach) {
            near += q.v;
            cells++;
          }
        }
      }
    }
    out.set(p.cell, { near, cells });
  }
  return out;
}
