// legend.js draws the small legends under each layer toggle. A legend item
// is {label, shape, fill, stroke, dashed}; shape is 'box' (a filled area),
// 'outline' (an unfilled area), 'line' or 'dot'.

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
export function swatch({ shape = 'box', fill = 'transparent', stroke = fill, dashed = false }) {
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
      style.backgroundColor = fill;
      style.borderColor = stroke;
      style.borderStyle = dashed ? 'dashed' : 'solid';
  }
  return el;
}
