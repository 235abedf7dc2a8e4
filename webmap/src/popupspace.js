// popupspace.js works out where on the map a popup may lie: clear of the
// map's own controls (zoom buttons, scale, attribution, draw tools) and of
// what covers the map (the chief's summary cards). Pure: it takes boxes in
// the map container's pixels and returns Leaflet auto-pan paddings.

// POPUP_MARGIN is the room a popup keeps from the map's edges and from the
// controls.
export const POPUP_MARGIN = 8;

// popupPadding returns the auto-pan paddings ({topLeft: [x, y], bottomRight:
// [x, y]}) that keep a popup clear of the obstacles. popup is its box
// ({left, width}) where Leaflet placed it, before panning; size the map's
// {x, y}; obstacles the boxes ({top, bottom, left, right}) it must not
// cover; asked the paddings the popup asked for itself. Leaflet first pans
// the popup sideways into the map; an obstacle above the map's middle that
// still shares columns with it then pushes the top padding below that
// obstacle, one below the middle pushes the bottom padding above it.
export function popupPadding({ popup, size, obstacles = [], margin = POPUP_MARGIN, asked = {} }) {
  const askedTL = asked.topLeft || [0, 0];
  const askedBR = asked.bottomRight || [0, 0];
  const left = Math.max(askedTL[0], margin);
  const right = Math.max(askedBR[0], margin);
  let top = Math.max(askedTL[1], margin);
  let bottom = Math.max(askedBR[1], margin);

  const x = pannedLeft(popup.left, popup.width, size.x, left, right);
  for (const o of obstacles) {
    if (!(o.right > o.left && o.bottom > o.top)) continue; // not shown
    if (o.right + margin <= x || o.left - margin >= x + popup.width) continue; // beside the popup
    if ((o.top + o.bottom) / 2 < size.y / 2) top = Math.max(top, Math.ceil(o.bottom + margin));
    else bottom = Math.max(bottom, Math.ceil(size.y - o.top + margin));
  }
  return { topLeft: [left, top], bottomRight: [right, bottom] };
}

// pannedLeft is where Leaflet's auto-pan puts a popup's left edge: inside
// the right padding, then inside the left one (which wins on a narrow map).
function pannedLeft(x, width, mapWidth, padLeft, padRight) {
  let dx = 0;
  if (x + width + padRight > mapWidth) dx = x + width - mapWidth + padRight;
  if (x - dx - padLeft < 0) dx = x - padLeft;
  return x - dx;
}

// boxWithin returns an element's box relative to the box of its container.
export function boxWithin(rect, container) {
  return {
    top: rect.top - container.top,
    bottom: rect.bottom - container.top,
    left: rect.left - container.left,
    right: rect.right - container.left,
  };
}
