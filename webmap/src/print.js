// print.js makes the map printable: a heading with the unit, the period and
// the time of printing that only paper shows, the map resized to the page
// while printing, and a Print button. The print stylesheet (styles.css,
// @media print) hides the controls and keeps the legends of the layers on.

import { h, byId } from './dom.js';
import { t, formatLocalDate, formatDateTime, onLanguageChange } from './i18n.js';

// createPrintTools returns {element (the Print button), update(view)}.
export function createPrintTools({ map }) {
  const title = h('h1', { class: 'print-title' });
  const meta = h('p', { class: 'print-meta' });
  const header = h('header', { class: 'print-header', testid: 'print-header', 'aria-hidden': 'true' }, title, meta);
  byId('map-view').prepend(header);
  let view = null;

  const render = () => {
    if (!view) return;
    title.textContent = t('print.title', { unit: view.unit.name || view.unit.code });
    meta.textContent = t('print.meta', {
      from: formatLocalDate(view.range.from),
      to: formatLocalDate(view.range.to),
      window: t(`window.${view.window}`, { start: view.unit.night_start || '22:00', end: view.unit.night_end || '05:00' }),
      printed: formatDateTime(new Date(), view.timeZone),
    });
  };
  onLanguageChange(render);

  // Leaflet must learn the page size before printing and the screen size
  // after.
  const resize = () => map.invalidateSize({ pan: false });
  const printing = window.matchMedia ? window.matchMedia('print') : null;
  printing?.addEventListener?.('change', resize);
  window.addEventListener('beforeprint', () => {
    render();
    resize();
  });
  window.addEventListener('afterprint', resize);

  const button = h('button', { type: 'button', class: 'button', testid: 'print-map' });
  const renderButton = () => {
    button.textContent = t('print.button');
  };
  renderButton();
  onLanguageChange(renderButton);
  button.addEventListener('click', () => {
    render();
    window.print();
  });

  return {
    element: button,
    update(next) {
      view = next;
      render();
    },
  };
}
