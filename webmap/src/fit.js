// fit.js chooses the zoom a unit is first shown at on a phone. No Leaflet
// here, so node tests read it.

// PHONE_FILL_EXTRA is how far past the zoom that shows the whole unit a
// phone may zoom in to fill its screen: one zoom level, the unit at most
// twice as wide (or high) as the screen.
export const PHONE_FILL_EXTRA = 1;

// fillZoom returns the zoom that fills a phone's map with the unit: the zoom
// at which the unit covers the whole screen (cover), but at most
// PHONE_FILL_EXTRA past the zoom at which all of it shows (contain), so a
// ward much wider than the screen is still mostly seen. A unit shaped like
// the screen gets contain; never less than contain.
export function fillZoom(contain, cover, extra = PHONE_FILL_EXTRA) {
  if (!Number.isFinite(contain)) return contain;
  if (!Number.isFinite(cover) || cover <= contain) return contain;
  return Math.min(cover, contain + extra);
}
