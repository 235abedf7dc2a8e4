// cluster.js groups points that are close on screen, for the incident
// layer at low zoom. Pure: it works on screen coordinates, no Leaflet.

// CLUSTER_CELL_PX is the grid cell size in screen pixels.
export const CLUSTER_CELL_PX = 56;

// gridCluster groups items that carry screen coordinates {x, y} by the
// square grid cell of cellPx pixels they fall in. Each group has its
// items, their mean x and y, and the most frequent category (ties go to the
// category seen first).
export function gridCluster(items, cellPx = CLUSTER_CELL_PX) {
  const cells = new Map();
  for (const item of items) {
    const key = `${Math.floor(item.x / cellPx)}:${Math.floor(item.y / cellPx)}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { items: [], x: 0, y: 0 };
      cells.set(key, cell);
    }
    cell.items.push(item);
  }
  const groups = [];
  for (const cell of cells.values()) {
    const n = cell.items.length;
    const counts = new Map();
    let x = 0;
    let y = 0;
    for (const item of cell.items) {
      x += item.x;
      y += item.y;
      counts.set(item.category, (counts.get(item.category) || 0) + 1);
    }
    let top = null;
    for (const [category, c] of counts) if (top === null || c > counts.get(top)) top = category;
    groups.push({ items: cell.items, x: x / n, y: y / n, category: top });
  }
  return groups;
}
