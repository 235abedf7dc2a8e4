// tonight.js turns the server's answers into what the officer view shows. Pure, so it is
// tested in node.

const STATUS_ORDER = { overdue: 0, pending: 1, missed: 2, met: 3 };

// routeStops returns the stops of a plan FeatureCollection (GET /api/v1/plan) in order:
// {order, name, kind, dwell, lat, lon}; the closing return to the start is left out.
export function routeStops(plan) {
  const stops = (plan?.features || [])
    .filter((f) => f?.properties?.role === 'stop' && f.geometry?.type === 'Point')
    .map((f) => ({
      order: Number(f.properties.order),
      name: String(f.properties.name || ''),
      kind: String(f.properties.kind || ''),
      dwell: Number(f.properties.dwell_min) || 0,
      lat: f.geometry.coordinates[1],
      lon: f.geometry.coordinates[0],
    }))
    .sort((a, b) => a.order - b.order);
  if (stops.length > 1 && stops[stops.length - 1].kind === 'start') stops.pop();
  return stops;
}

// routeLines returns the plan's route as Leaflet [lat, lng] lines.
export function routeLines(plan) {
  const out = [];
  for (const f of plan?.features || []) {
    if (f?.properties?.role === 'stop') continue;
    const g = f?.geometry;
    if (g?.type === 'LineString') out.push(g.coordinates.map(([x, y]) => [y, x]));
    if (g?.type === 'MultiLineString') for (const l of g.coordinates) out.push(l.map(([x, y]) => [y, x]));
  }
  return out;
}

// boardAreas returns the board's key areas, the urgent first: overdue, pending (earliest
// deadline first), missed, met.
export function boardAreas(board) {
  return [...(board?.areas || [])].sort((a, b) =>
    (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) ||
    String(a.deadline_at || '~').localeCompare(String(b.deadline_at || '~')) ||
    String(a.name).localeCompare(String(b.name), 'vi'));
}

// nightRange returns the local dates {from, to} that select one night, for /tracks.
export function nightRange(night) {
  const d = new Date(`${night}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return { from: night, to: d.toISOString().slice(0, 10) };
}

// displayDate writes YYYY-MM-DD as dd/MM/yyyy.
export function displayDate(night, lang) {
  const [y, m, d] = String(night).split('-');
  if (!d) return String(night);
  return lang === 'en' ? `${d}/${m}/${y}` : `${d}/${m}/${y}`;
}
