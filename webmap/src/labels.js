// labels.js keeps the map's numbered badges apart: the gap ranks (1–5) and
// the route's stop numbers often mark the same few cells. Stops keep their
// place on the route unless an earlier stop sits there; a gap rank that
// would touch a stop or another rank moves to the nearest free place around
// its cell (outlined, so it reads as moved). Runs after every redraw and zoom.

const STOP = '.route-stop';
const RANK = '.map-badge';
const PAD = 1;
// Where a moved rank may go, nearest first (pixels from its place).
const OFFSETS = [
  [0, -24], [24, 0], [0, 24], [-24, 0], [20, -20], [20, 20], [-20, 20], [-20, -20],
  [0, -44], [44, 0], [0, 44], [-44, 0], [36, -36], [36, 36], [-36, 36], [-36, -36],
];

function box(el, dx = 0, dy = 0) {
  const r = el.getBoundingClientRect();
  return { left: r.left + dx - PAD, right: r.right + dx + PAD, top: r.top + dy - PAD, bottom: r.bottom + dy + PAD };
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function visible(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}

// place moves el (by the CSS translate property, which composes with the
// transform Leaflet positions it by) to the first offset where it touches
// nothing placed, and adds its box to placed; it reports whether it moved.
function place(el, placed) {
  let moved = false;
  if (placed.some((p) => overlaps(p, box(el)))) {
    const best = OFFSETS.find(([dx, dy]) => !placed.some((p) => overlaps(p, box(el, dx, dy)))) || OFFSETS[0];
    el.style.translate = `${best[0]}px ${best[1]}px`;
    el.classList.add('moved');
    el.dataset.moved = 'true';
    moved = true;
  }
  placed.push(box(el));
  return moved;
}

// deconflict keeps the badges inside container apart: route stops in their
// order (a stop a few metres after the last one moves aside), then gap ranks
// (1 first) around them. It answers how many badges it moved.
export function deconflict(container) {
  const stops = [...container.querySelectorAll(STOP)].filter(visible);
  const ranks = [...container.querySelectorAll(RANK)].filter(visible);
  for (const el of [...stops, ...ranks]) {
    el.style.translate = '';
    el.classList.remove('moved');
    delete el.dataset.moved;
  }
  const order = (el) => (el.classList.contains('start') ? -1 : Number(el.textContent) || 0);
  stops.sort((a, b) => order(a) - order(b));
  ranks.sort((a, b) => Number(a.textContent) - Number(b.textContent));
  const placed = [];
  let moved = 0;
  for (const el of stops) if (place(el, placed)) moved++;
  for (const el of ranks) if (place(el, placed)) moved++;
  return moved;
}

// overlapCount returns how many pairs of badges (ranks and stops) inside
// container overlap; the browser tests expect 0.
export function overlapCount(container) {
  const els = [...container.querySelectorAll(`${RANK}, ${STOP}`)].filter(visible);
  const boxes = els.map((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  });
  let n = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i], boxes[j])) n++;
  return n;
}

// watchLabels deconflicts after each zoom or pan of map and when asked.
export function watchLabels(map) {
  let frame = 0;
  const run = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const n = deconflict(map.getContainer());
      map.getContainer().dataset.badgesMoved = String(n);
    });
  };
  map.on('zoomend moveend', run);
  return { schedule: run };
}
