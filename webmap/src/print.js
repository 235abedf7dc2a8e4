// print.js makes the map printable: a heading with the unit, the period and
// the time of printing that only paper shows, the map resized to the page
// while printing, and a Print button. The print stylesheet (styles.css,
// @media print) hides the controls and keeps the legends of the layers on.

import L from './leaflet.js';
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

  // Paper is another shape than the screen: while printing, the map shows
  // what the screen showed (fitted to the page), and gets its view back
  // afterwards.
  let saved = null;
  const enter = () => {
    if (saved) return;
    saved = { center: map.getCenter(), zoom: map.getZoom(), bounds: map.getBounds(), snap: map.options.zoomSnap };
    render();
    map.invalidateSize({ pan: false });
    // A finer zoom step than on screen, so the page is filled, not a half
    // step smaller.
    map.options.zoomSnap = 0.1;
    map.fitBounds(printBounds(saved.bounds, view), { animate: false, padding: [8, 8] });
  };
  const leave = () => {
    if (!saved) return;
    map.options.zoomSnap = saved.snap;
    map.invalidateSize({ pan: false });
    map.setView(saved.center, saved.zoom, { animate: false });
    saved = null;
  };
  const printing = window.matchMedia ? window.matchMedia('print') : null;
  printing?.addEventListener?.('change', (event) => (event.matches ? enter() : leave()));
  window.addEventListener('beforeprint', enter);
  window.addEventListener('afterprint', leave);

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

// printBounds returns what to fit on paper: the part of the unit the screen
// showed (all of it when it was all in view), or the screen's view when the
// unit has no boundary or was out of view.
function printBounds(screen, view) {
  const geometry = view?.unitFeature?.geometry;
  if (!geometry) return screen;
  const unit = L.geoJSON(geometry).getBounds();
  if (!unit.isValid()) return screen;
  const south = Math.max(unit.getSouth(), screen.getSouth());
  const north = Math.min(unit.getNorth(), screen.getNorth());
  const west = Math.max(unit.getWest(), screen.getWest());
  const east = Math.min(unit.getEast(), screen.getEast());
  return south < north && west < east ? L.latLngBounds([south, west], [north, east]) : screen;
}
