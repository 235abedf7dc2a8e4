// summary.js is the chief's first screen in four numbers, over the top of
// the map (GET /api/v1/summary, computed as the report computes them):
// nights patrolled, key areas that met their requirement on the last night
// (and on every night; tonight's progress apart, not judged until it is
// over), cells never patrolled at night, problem hotspots.
// A tile that needs attention takes the palette colour of what it counts;
// clicking it shows the layer that explains it. On a phone the tiles keep
// their numbers and labels, and tonight's progress takes a line of its own
// below them. The map's top-left controls sit below the strip, however tall
// its words make it (--summary-bottom on the map's container).

import L from './leaflet.js';
import { api, isAbort } from './api.js';
import { h, clear } from './dom.js';
import { fill } from './palette.js';
import { t, language, formatNumber, formatLocalDate, onLanguageChange } from './i18n.js';
import { zonedToInstant } from './time.js';

const OK = fill('keyarea.met');

// createSummaryStrip puts the strip into the map's container. onShow(layer)
// runs when a tile is clicked, with the name of the layer to show.
export function createSummaryStrip(map, { onShow } = {}) {
  // data-covers-map: popups pan clear of the strip (map.js).
  const box = h('section', { class: 'summary-strip', testid: 'summary-strip', dataset: { state: 'loading', coversMap: 'top' }, 'aria-live': 'polite' });
  L.DomEvent.disableClickPropagation(box);
  L.DomEvent.disableScrollPropagation(box);
  map.getContainer().append(box);
  let data = null;
  let failed = false;
  let abort = null;
  let view = null;

  const tile = (id, layer, accent, value, labelText, sub, sub2) => {
    const el = h('button', { type: 'button', class: 'summary-tile', testid: `summary-${id}`, dataset: { value: String(value ?? ''), layer } },
      h('span', { class: 'summary-value' }, value === null ? '…' : String(value)),
      h('span', { class: 'summary-label' }, labelText),
      sub ? h('span', { class: 'summary-sub' }, sub) : null,
      sub2 ? h('span', { class: 'summary-sub', testid: `summary-${id}-tonight` }, sub2) : null,
    );
    el.style.borderLeftColor = accent;
    el.title = t('summary.show');
    el.addEventListener('click', () => onShow?.(layer));
    return el;
  };

  // Tonight's progress on a phone: the tiles are too narrow for their
  // sub-lines there, so it is a line across the strip (hidden on a desktop,
  // where the key areas tile says it).
  const tonightLine = (ka) => {
    const done = ka.met_tonight === ka.total;
    const el = h('button', { type: 'button', class: 'summary-tonight', testid: 'summary-tonight', dataset: { layer: 'key-areas', value: `${ka.met_tonight ?? 0}/${ka.total}` } },
      t('summary.tonightLine', { met: formatNumber(ka.met_tonight ?? 0), total: formatNumber(ka.total) }));
    el.style.borderLeftColor = done ? OK : fill('keyarea.partial');
    el.title = t('summary.show');
    el.addEventListener('click', () => onShow?.('key-areas'));
    return el;
  };

  // startsIn says how many ms until the night of date begins (its unit's
  // night_start in its zone); 0 once it has. By day the coming night is
  // 'tonight' to /summary too, but '0/9 met so far' of a night not begun reads
  // as a failure: its progress is said once it starts.
  let startTimer = 0;
  const startsIn = (night) => {
    const at = zonedToInstant(`${night}T${view?.unit?.night_start || '22:00'}`, view?.timeZone);
    return at ? Math.max(0, at.getTime() - Date.now()) : 0;
  };

  const render = () => {
    clear(box);
    clearTimeout(startTimer);
    box.dataset.state = failed ? 'failed' : data ? 'ready' : 'loading';
    if (failed) {
      box.append(h('p', { class: 'summary-note' }, t('summary.failed')));
      return;
    }
    if (!data) {
      box.append(h('p', { class: 'summary-note' }, t('summary.loading')));
      return;
    }
    const ka = data.key_areas || {};
    const wait = ka.tonight ? startsIn(ka.tonight) : 0;
    const tonight = ka.tonight && ka.total > 0 && wait === 0;
    if (wait > 0 && wait < 86400000) startTimer = setTimeout(render, wait + 1000);
    const never = data.never_patrolled || {};
    const problems = data.problem_hotspots || {};
    // Two problem hotspots (of two groups) can lie at one place: name it once.
    const places = [...new Set(problems.places || [])];
    const groups = Object.entries(never.groups || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'vi')).slice(0, 2).map(([g]) => g);
    const nightsOK = data.nights > 0 && data.nights_patrolled === data.nights;
    box.append(
      tile('nights', 'tracks', nightsOK ? OK : fill('keyarea.partial'), t('summary.nightsValue', { n: formatNumber(data.nights_patrolled), total: formatNumber(data.nights) }), t('summary.nights'), null),
      // A unit with no key areas yet has nothing to meet: no '0/0' in green.
      !(ka.total > 0) ? tile('keyareas', 'key-areas', 'var(--muted)', '–', t('summary.keyAreas'), t('summary.noKeyAreas')) :
      tile('keyareas', 'key-areas', ka.met_last_night === ka.total ? OK : fill('gap.key_area_unmet'),
        t('summary.keyAreasValue', { met: formatNumber(ka.met_last_night ?? 0), total: formatNumber(ka.total ?? 0) }), t('summary.keyAreas'),
        ka.last_night ? t('summary.keyAreasSub', { night: formatLocalDate(ka.last_night).slice(0, 5), every: formatNumber(ka.met_every_night ?? 0), total: formatNumber(ka.total ?? 0) }) : null,
        // Tonight (not over yet) is not judged: its progress so far, apart from the last night's verdict.
        tonight ? t('summary.keyAreasTonight', { met: formatNumber(ka.met_tonight ?? 0), total: formatNumber(ka.total) }) : null),
      tile('never', 'gaps', never.cells > 0 ? fill('gap.never') : OK, formatNumber(never.cells ?? 0), t('summary.never'),
        groups.length ? t('summary.neverSub', { groups: groups.join(', ') }) : null),
      tile('problems', 'hotspots', problems.count > 0 ? fill('hot.99') : OK, formatNumber(problems.count ?? 0), t('summary.problems'),
        problems.count > 0 ? places.slice(0, 2).join('; ') : t('summary.problemsNone')),
    );
    if (tonight) box.append(tonightLine(ka));
    box.querySelector('[data-testid="summary-never"]').dataset.value = String(never.cells ?? 0);
    box.querySelector('[data-testid="summary-problems"]').dataset.value = String(problems.count ?? 0);
    box.querySelector('[data-testid="summary-keyareas"]').dataset.value = `${ka.met_last_night ?? 0}/${ka.total ?? 0}`;
    box.querySelector('[data-testid="summary-nights"]').dataset.value = `${data.nights_patrolled}/${data.nights}`;
  };

  const load = async () => {
    if (!view) return;
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    data = null;
    failed = false;
    render();
    try {
      const answer = await api.summary({ ...view.query, lang: language() }, controller.signal);
      if (controller.signal.aborted) return;
      data = answer;
    } catch (err) {
      if (isAbort(err) || controller.signal.aborted) return;
      console.warn(`summary: ${err?.message || err}`);
      failed = true;
    }
    render();
  };
  onLanguageChange(load);
  render();

  // The zoom buttons (and any other top-left control) sit below the strip.
  const container = map.getContainer();
  const placeControls = () => {
    const bottom = box.offsetTop + box.offsetHeight;
    if (bottom > 0) container.style.setProperty('--summary-bottom', `${bottom}px`);
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(placeControls).observe(box);
  placeControls();

  return {
    element: box,
    // update shows the summary of a view ({query: {unit, from, to}}).
    update(next) {
      view = next;
      return load();
    },
  };
}
