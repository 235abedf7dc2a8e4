// labels.js keeps the map's numbered badges apart: the gap ranks (1–5) and
// the route's stop numbers often mark the same few cells. Stops stay where
// they are (they sit on the route); a gap rank that would touch a stop or
// another rank moves to the nearest free place around its cell, with a thin
// leader back to it. Runs after every redraw and zoom.

const STOP = '.route-stop-icon';
const RANK = '.map-badge';
const PAD = 2;
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

// deconflict moves the rank badges inside container off the stops and off
// each other; it answers how many it moved.
export function deconflict(container) {
  const ranks = [...container.querySelectorAll(RANK)].filter(visible);
  for (const el of ranks) {
    el.style.marginLeft = '';
    el.style.marginTop = '';
    el.classList.remove('moved');
    delete el.dataset.moved;
  }
  const placed = [...container.querySelectorAll(STOP)].filter(visible).map((el) => box(el));
  // Lower ranks (1 first) keep their place before higher ones.
  ranks.sort((a, b) => Number(a.textContent) - Number(b.textContent));
  let moved = 0;
  for (const el of ranks) {
    let best = [0, 0];
    if (placed.some((p) => overlaps(p, box(el)))) {
      best = OFFSETS.find(([dx, dy]) => !placed.some((p) => overlaps(p, box(el, dx, dy)))) || OFFSETS[0];
      el.style.marginLeft = `${best[0]}px`;
      el.style.marginTop = `${best[1]}px`;
      el.style.setProperty('--leader-x', `${-best[0]}px`);
      el.style.setProperty('--leader-y', `${-best[1]}px`);
      el.classList.add('moved');
      el.dataset.moved = 'true';
      moved++;
    }
    placed.push(box(el));
  }
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
