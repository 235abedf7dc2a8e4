// tonight.js turns the server's answers into what the officer view shows. Pure, so it is
// tested in node.

const STATUS_ORDER = { overdue: 0, pending: 1, missed: 2, met: 3 };

// routeStops returns the stops of a plan FeatureCollection (GET /api/v1/plan) in order:
// {order, name, road, kind, dwell, along (metres along the route, or null), lat, lon}, each with
// repeat (markRepeats); the closing return to the start is left out.
export function routeStops(plan) {
  const stops = (plan?.features || [])
    .filter((f) => f?.properties?.role === 'stop' && f.geometry?.type === 'Point')
    .map((f) => ({
      order: Number(f.properties.order),
      name: String(f.properties.name || ''),
      road: String(f.properties.road || ''),
      kind: String(f.properties.kind || ''),
      dwell: Number(f.properties.dwell_min) || 0,
      along: Number.isFinite(Number(f.properties.along_m)) && f.properties.along_m !== null ? Number(f.properties.along_m) : null,
      lat: f.geometry.coordinates[1],
      lon: f.geometry.coordinates[0],
    }))
    .sort((a, b) => a.order - b.order);
  if (stops.length > 1 && stops[stops.length - 1].kind === 'start') stops.pop();
  return markRepeats(stops);
}

// markRepeats says where a stop lies from the one before it when both are at one place: the
// server names a gap stop by the road it lies on (road) and what sets it apart, so two cells in
// a row along one lane share a road. A stop at the place of the stop before it (its road, or its
// name when it has none) gets repeat = {after: that stop's order, metres: how far on along the
// route, to 10 m, or null when the plan gives no distances}; every other stop repeat = null.
export function markRepeats(stops) {
  const place = (s) => s.road || s.name;
  return stops.map((s, i) => {
    const prev = stops[i - 1];
    if (!prev || s.kind === 'start' || place(s) === '' || place(s) !== place(prev)) return { ...s, repeat: null };
    const metres = s.along !== null && prev.along !== null && s.along > prev.along ? Math.round((s.along - prev.along) / 10) * 10 : null;
    return { ...s, repeat: { after: prev.order, metres: metres || null } };
  });
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
