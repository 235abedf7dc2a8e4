// legend.js draws the small legends under each layer toggle. A legend item
// is {label, shape, fill, stroke, dashed, opacity}; shape is 'box' (a filled
// area), 'outline' (an unfilled area), 'line' or 'dot'; opacity is the fill's,
// as the map draws it (items that differ only by it look different).

import { h } from './dom.js';

// legend returns a legend element for items, with an optional title and
// footnote.
export function legend(items, { title, note } = {}) {
  return h('div', { class: 'legend' },
    title ? h('p', { class: 'legend-title' }, title) : null,
    h('ul', { class: 'legend-items' }, items.map((item) => h('li', { class: 'legend-item' }, swatch(item), h('span', {}, item.label)))),
    note ? h('p', { class: 'legend-note' }, note) : null,
  );
}

// swatch returns the little coloured sample for one legend item.
export function swatch({ shape = 'box', fill = 'transparent', stroke = fill, dashed = false, opacity = 1 }) {
  const el = h('span', { class: `swatch swatch-${shape}`, 'aria-hidden': 'true' });
  const style = el.style;
  switch (shape) {
    case 'line':
      style.borderTopColor = stroke;
      style.borderTopStyle = dashed ? 'dashed' : 'solid';
      break;
    case 'dot':
      style.backgroundColor = fill;
      style.borderColor = stroke;
      break;
    case 'outline':
      style.borderColor = stroke;
      style.borderStyle = dashed ? 'dashed' : 'solid';
      break;
    default:
      style.backgroundColor = withOpacity(fill, opacity);
      style.borderColor = stroke;
      style.borderStyle = dashed ? 'dashed' : 'solid';
  }
  return el;
}

// withOpacity returns a #rrggbb colour at opacity as rgba(); other colours
// and full opacity are returned as they are.
export function withOpacity(color, opacity) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || '');
  if (!m || !(opacity >= 0 && opacity < 1)) return color;
  const [r, g, b] = m.slice(1).map((x) => parseInt(x, 16));
  return `rgba(${r}, ${g}, ${b}, ${opacity})`;
}
