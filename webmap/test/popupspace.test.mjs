import { test } from 'node:test';
import assert from 'node:assert/strict';
import { popupPadding, boxWithin, POPUP_MARGIN } from '../src/popupspace.js';

// The phone at 390×844 as the demo shows it, in the map container's pixels: the summary cards
// across the top, the zoom buttons under their left end, the scale and the attribution at the
// bottom.
const phone = { x: 390, y: 788 };
const cards = { top: 6, bottom: 70, left: 6, right: 384 };
const zoom = { top: 74, bottom: 138, left: 10, right: 44 };
const scale = { top: 762, bottom: 782, left: 5, right: 70 };
const attribution = { top: 770, bottom: 788, left: 330, right: 390 };
const controls = [cards, zoom, scale, attribution];

test('a wide popup on a phone keeps below the zoom buttons and above the scale', () => {
  const p = popupPadding({ popup: { left: 5, width: 347 }, size: phone, obstacles: controls });
  assert.deepEqual(p, { topLeft: [8, 138 + POPUP_MARGIN], bottomRight: [8, 788 - 762 + POPUP_MARGIN] });
});

test('a popup beside the zoom buttons only keeps below the cards', () => {
  const desktop = { x: 960, y: 804 };
  const p = popupPadding({
    popup: { left: 400, width: 300 },
    size: desktop,
    obstacles: [{ top: 10, bottom: 80, left: 56, right: 950 }, { top: 84, bottom: 146, left: 10, right: 42 }],
  });
  assert.deepEqual(p.topLeft, [8, 88]);
  assert.deepEqual(p.bottomRight, [8, 8]);
});

test('the sideways pan decides which controls the popup shares columns with', () => {
  // Placed past the right edge, Leaflet pans it left, over the zoom buttons' column.
  const p = popupPadding({ popup: { left: 100, width: 360 }, size: phone, obstacles: [zoom] });
  assert.equal(p.topLeft[1], 146);
  // Placed well right of them on a wide map it stays clear of their column.
  const wide = popupPadding({ popup: { left: 100, width: 200 }, size: { x: 800, y: 600 }, obstacles: [zoom] });
  assert.equal(wide.topLeft[1], 8);
  // A popup whose left edge is within the margin of the buttons' right edge still counts them.
  const near = popupPadding({ popup: { left: 50, width: 200 }, size: { x: 800, y: 600 }, obstacles: [zoom] });
  assert.equal(near.topLeft[1], 146);
});

test('hidden controls and the popup’s own paddings', () => {
  const hidden = { top: 0, bottom: 0, left: 0, right: 0 };
  const p = popupPadding({ popup: { left: 20, width: 200 }, size: phone, obstacles: [hidden],
    asked: { topLeft: [12, 60], bottomRight: [4, 30] } });
  assert.deepEqual(p, { topLeft: [12, 60], bottomRight: [8, 30] });
});

test('boxWithin measures from the container’s corner', () => {
  assert.deepEqual(boxWithin({ top: 130, bottom: 194, left: 10, right: 44 }, { top: 56, left: 0 }),
    { top: 74, bottom: 138, left: 10, right: 44 });
});
