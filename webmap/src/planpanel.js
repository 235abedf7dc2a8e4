// planpanel.js is the route planning card: the suggested route for the night
// in progress when the period holds it, else for the period's last night (GET
// /api/v1/plan?unit&night; planNight), saying which night it plans and what it
// counted of it (key areas met so far: done; due, pending or overdue: the
// stops), as an ordered list of stops — what each is, the
// minutes to stay, the km of the leg to it — with the totals, the expected
// coverage gain, a GPX download (the API's own GPX) and, for editors, saving
// the route for the night. Editors can also draw a route, or edit a copy of
// the suggestion, with Leaflet-Geoman (snapping to the roads layer) and see
// at once what it covers (POST /api/v1/plan/evaluate) beside the suggestion.

import L from './leaflet.js';
import { api, planGPXURL } from './api.js';
import { h, clear } from './dom.js';
import { entry } from './palette.js';
import { showMessage, showError, errorMessage } from './notify.js';
import { t, language, formatNumber, formatFixed, formatLocalDate, formatDuration, formatTime, onLanguageChange } from './i18n.js';
import { partsInZone, planNight } from './time.js';

const DRAWN = entry('route.drawn');

// stopRows turns the plan's stop features into the rows of the list, in
// order: {order, kind, name, dwell, legKm, alongKm, status, visits,
// required, deadline}. The start has no stay and no leg; status is a key
// area's on the planned night as the night board says it (pending, overdue,
// missed: why it is a stop), null for other stops.
export function stopRows(features) {
  const stops = features
    .filter((f) => f?.geometry?.type === 'Point' && (f.properties?.role ?? 'stop') === 'stop')
    .map((f) => f.properties || {})
    .sort((a, b) => Number(a.order) - Number(b.order));
  let prev = 0;
  return stops.map((p) => {
    const along = Number(p.along_m) || 0;
    const row = {
      order: Number(p.order) || 0,
      kind: p.kind === 'start' ? 'start' : p.kind === 'key_area' ? (p.area_kind || 'key_area') : p.kind,
      name: p.name || '',
      dwell: p.kind === 'start' ? null : Number(p.dwell_min) || 0,
      status: p.kind === 'key_area' && typeof p.night_status === 'string' ? p.night_status : null,
      visits: Number(p.night_visits) || 0,
      required: Number(p.required) || 0,
      deadline: typeof p.deadline === 'string' ? p.deadline : '',
      legKm: p.kind === 'start' ? null : Math.max(0, along - prev) / 1000,
      alongKm: along / 1000,
    };
    prev = along;
    return row;
  });
}

// dayMonth writes an instant's date in the time zone as dd/MM.
function dayMonth(instant, timeZone) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.day}/${p.month}` : '';
}

function minutes(n) {
  return Number.isFinite(Number(n)) ? formatDuration(Math.round(Number(n)) * 60) : '–';
}

// createPlanPanel returns {element (the side-panel section with the open
// button), update(view), open(), close()}.
export function createPlanPanel({ map, getView, canEdit, drawModule, onSaved, onShown, onDrawStart, now = () => new Date() }) {
  const card = h('aside', { class: 'plan-panel', testid: 'plan-panel', hidden: true, 'aria-labelledby': 'plan-title' });
  L.DomEvent.disableClickPropagation(card);
  L.DomEvent.disableScrollPropagation(card);
  map.getContainer().parentElement.append(card);

  let view = null;
  let plan = null; // the FeatureCollection of GET /api/v1/plan
  let failure = null;
  let loading = false;
  let abort = null;
  let drawn = null; // {layer, evaluation}
  let drawing = false;
  let evaluating = false;
  let night = null;
  let saved = []; // the routes saved for the night (GET /api/v1/routes)

  const openButton = h('button', { type: 'button', class: 'button primary wide', testid: 'plan-open' });
  openButton.addEventListener('click', () => (card.hidden ? open() : close()));
  const element = h('section', { class: 'panel-section plan-tools' }, openButton);

  const gain = () => plan?.plan?.expected_gain || {};

  // nightLine says which night the card plans, whether it runs, and up to
  // when its patrols were counted.
  const nightLine = () => {
    const n = plan?.plan?.tonight;
    if (!n) return null;
    const zone = view.timeZone;
    return h('p', { class: 'plan-night', testid: 'plan-night', dataset: { night: n.night, state: n.state } }, t(`plan.night.${n.state}`, {
      from: `${formatTime(n.night_from, zone)} ${dayMonth(n.night_from, zone)}`, to: `${formatTime(n.night_to, zone)} ${dayMonth(n.night_to, zone)}`,
      asOf: formatTime(n.as_of, zone),
    }));
  };

  // tonightLines count the key areas on the planned night — met so far (done,
  // named), due (pending, overdue, missed) — as the night board does.
  const tonightLines = () => {
    const n = plan?.plan?.tonight;
    if (!n || !n.key_areas) return [];
    const parts = [t('plan.tonightMet', { met: formatNumber(n.met), total: formatNumber(n.key_areas) }), t('plan.tonightDue', { due: formatNumber(n.due) })];
    if (n.overdue > 0) parts.push(t('plan.tonightOverdue', { n: formatNumber(n.overdue) }));
    if (n.missed > 0) parts.push(t('plan.tonightMissed', { n: formatNumber(n.missed) }));
    const met = (n.met_areas || []).map((a) => a.name).filter(Boolean);
    const lines = [h('p', { class: 'plan-gain-areas muted', testid: 'plan-gain-areas' }, `${t('plan.tonightAreas')}: ${parts.join(' · ')}.`)];
    if (met.length) lines.push(h('p', { class: 'plan-met-areas muted', testid: 'plan-met-areas' }, t('plan.tonightMetNames', { names: met.join(', ') })));
    return lines;
  };

  const renderList = () => {
    const list = h('ol', { class: 'plan-stops', testid: 'plan-stops' });
    for (const r of stopRows(plan.features)) {
      const li = h('li', { class: `plan-stop kind-${r.kind}`, dataset: { order: String(r.order), kind: r.kind, name: r.name } },
        h('span', { class: `plan-stop-badge${r.kind === 'start' ? ' start' : ''}` }, r.kind === 'start' ? '⌂' : formatNumber(r.order)),
        h('span', { class: 'plan-stop-body' },
          h('span', { class: 'plan-stop-name' }, r.name),
          h('span', { class: 'plan-stop-meta' },
            h('span', { class: 'plan-stop-kind' }, t(`plan.kind.${r.kind}`)),
            r.status ? h('span', { class: `plan-stop-status status-${r.status}`, testid: 'plan-stop-status', dataset: { status: r.status } },
              t(`plan.stopStatus.${r.status}`, { visits: formatNumber(r.visits), required: formatNumber(r.required), deadline: r.deadline })) : null,
            r.dwell !== null ? h('span', { class: 'plan-stop-stay', testid: 'plan-stop-stay' }, t('plan.stay', { n: formatNumber(r.dwell) })) : null,
            r.legKm !== null ? h('span', { class: 'plan-stop-leg', testid: 'plan-stop-leg' }, t('plan.leg', { km: formatFixed(r.legKm, 1) })) : null,
          ),
        ),
      );
      list.append(li);
    }
    return list;
  };

  const compareTable = () => {
    const s = plan?.plan || {};
    const sg = gain();
    const ev = drawn?.evaluation;
    const eg = ev?.gain || {};
    const dueReached = (ev?.key_areas || []).filter((a) => a.due).length;
    const row = (key, a, b, testid) => h('tr', {}, h('th', { scope: 'row' }, t(key)), h('td', {}, a), h('td', { testid }, b));
    return h('table', { class: 'plan-compare', testid: 'plan-compare' },
      h('caption', {}, t('plan.compare')),
      h('thead', {}, h('tr', {}, h('th', {}), h('th', { scope: 'col' }, t('plan.colSuggested')), h('th', { scope: 'col' }, t('plan.colDrawn')))),
      h('tbody', {},
        row('plan.rowKm', `${formatFixed(Number(s.km) || 0, 1)} km`, ev ? `${formatFixed(Number(ev.km) || 0, 2)} km` : '…', 'plan-drawn-km'),
        row('plan.rowWalk', minutes(s.walk_min), ev ? minutes(ev.walk_min) : '…', 'plan-drawn-walk'),
        row('plan.rowMoto', minutes(s.motorbike_min), ev ? minutes(ev.motorbike_min) : '…', 'plan-drawn-moto'),
        row('plan.rowGaps', `${formatNumber(sg.gap_cells_covered ?? 0)}/${formatNumber(sg.gap_cells ?? 0)}`, ev ? `${formatNumber(eg.gap_cells_covered ?? 0)}/${formatNumber(eg.gap_cells ?? 0)}` : '…', 'plan-drawn-gaps'),
        row('plan.rowAreas', `${formatNumber(sg.key_areas_covered ?? 0)}/${formatNumber(sg.key_areas_due ?? 0)}`, ev ? `${formatNumber(dueReached)}/${formatNumber(eg.key_areas_due ?? 0)}` : '…', 'plan-drawn-areas'),
        row('plan.rowAfter', `${formatFixed(Number(sg.percent_after) || 0, 1)}%`, ev ? `${formatFixed(Number(eg.percent_after) || 0, 1)}%` : '…', 'plan-drawn-after'),
      ),
    );
  };

  const render = () => {
    openButton.textContent = t('plan.open');
    openButton.setAttribute('aria-expanded', String(!card.hidden));
    clear(card);
    const close = h('button', { type: 'button', class: 'icon-button plan-close', testid: 'plan-close', 'aria-label': t('plan.close'), title: t('plan.close') }, '×');
    close.addEventListener('click', () => closePanel());
    card.append(h('header', { class: 'plan-head' }, h('h2', { id: 'plan-title' }, t('plan.title', { night: night ? formatLocalDate(night) : '…' })), close));
    card.dataset.night = night || '';
    card.dataset.state = loading ? 'loading' : failure ? 'failed' : plan ? 'ready' : 'idle';
    if (loading) {
      card.append(h('p', { class: 'muted' }, t('plan.loading')));
      return;
    }
    if (failure) {
      card.append(h('p', { class: 'form-error', role: 'alert' }, t('plan.failed', { reason: errorMessage(failure) })));
      return;
    }
    if (!plan) return;
    const s = plan.plan || {};
    const g = gain();
    card.append(
      nightLine(),
      h('p', { class: 'plan-total', testid: 'plan-total' }, t('plan.total', { km: formatFixed(Number(s.km) || 0, 1), stops: formatNumber(s.stops ?? 0), dwell: formatNumber(s.dwell_min ?? 0) })),
      h('p', { class: 'plan-times muted' }, t('plan.times', { walk: minutes(s.total_walk_min), moto: minutes(s.total_motorbike_min) })),
      h('p', { class: 'plan-gain', testid: 'plan-gain' }, t('plan.gain', {
        before: formatFixed(Number(g.percent_before) || 0, 1), after: formatFixed(Number(g.percent_after) || 0, 1),
        cells: formatNumber(g.gap_cells_covered ?? 0), gaps: formatNumber(g.gap_cells ?? 0), areas: formatNumber(g.key_areas_covered ?? 0),
        due: formatNumber(g.key_areas_due ?? 0),
      })),
      ...tonightLines(),
      renderList(),
    );
    const actions = h('div', { class: 'plan-actions' });
    // The file's name is the server's (Content-Disposition), in the language the link asks for.
    const gpx = h('a', { class: 'button', testid: 'plan-gpx', href: planGPXURL({ unit: view.unit.code, night, lang: language() }), download: true }, t('plan.gpx'));
    actions.append(gpx);
    if (canEdit) {
      const save = h('button', { type: 'button', class: 'button', testid: 'plan-save' }, t('plan.save', { night: formatLocalDate(night) }));
      save.addEventListener('click', () => saveRoute(routeFeature(), 'suggested', save));
      actions.append(save);
    }
    card.append(actions);
    card.append(h('section', { class: 'plan-saved', testid: 'plan-saved', dataset: { count: String(saved.length) } },
      h('h3', {}, t('plan.savedList', { night: formatLocalDate(night), n: formatNumber(saved.length) })),
      saved.length ? h('ul', {}, saved.map((f) => {
        const p = f.properties || {};
        const km = Number(p.km ?? (Number(p.length_m) / 1000));
        return h('li', {}, `${p.name || t('plan.colDrawn')}${Number.isFinite(km) ? ` · ${formatFixed(km, 1)} km` : ''}${p.created_by ? ` · ${p.created_by}` : ''}`);
      })) : null,
    ));
    if (canEdit && map.pm) {
      const drawButton = h('button', { type: 'button', class: 'button', testid: 'plan-draw', 'aria-pressed': String(drawing) }, t('plan.draw'));
      drawButton.addEventListener('click', startDrawing);
      const editButton = h('button', { type: 'button', class: 'button', testid: 'plan-edit-suggested' }, t('plan.editSuggested'));
      editButton.addEventListener('click', editSuggested);
      card.append(h('div', { class: 'plan-draw' }, h('div', { class: 'plan-actions' }, drawButton, editButton),
        drawing ? h('p', { class: 'muted', testid: 'plan-draw-hint' }, t('plan.drawHint')) : null));
      if (drawn) {
        card.append(compareTable());
        const ev = drawn.evaluation;
        if (evaluating) card.append(h('p', { class: 'muted', testid: 'plan-evaluating' }, t('plan.evaluating')));
        if (ev?.key_areas?.length) card.append(h('p', { class: 'plan-drawn-areas muted' }, t('plan.drawnAreas', { names: ev.key_areas.map((a) => a.name).join(', ') })));
        const clearButton = h('button', { type: 'button', class: 'button', testid: 'plan-clear-drawn' }, t('plan.clearDrawn'));
        clearButton.addEventListener('click', clearDrawn);
        const saveDrawn = h('button', { type: 'button', class: 'button', testid: 'plan-save-drawn' }, t('plan.saveDrawn', { night: formatLocalDate(night) }));
        saveDrawn.addEventListener('click', () => saveRoute({ type: 'Feature', geometry: drawn.layer.toGeoJSON().geometry, properties: {} }, 'planned', saveDrawn));
        card.append(h('div', { class: 'plan-actions' }, saveDrawn, clearButton));
      }
    }
    card.dataset.drawn = drawn?.evaluation ? 'evaluated' : drawn ? 'drawn' : 'none';
  };

  const routeFeature = () => plan.features.find((f) => /LineString$/.test(f.geometry?.type || '') && (f.properties?.role ?? 'route') === 'route');

  async function saveRoute(feature, kind, button) {
    if (!feature) return;
    button.disabled = true;
    try {
      const name = kind === 'suggested' ? t('plan.title', { night: formatLocalDate(night) }) : t('plan.colDrawn');
      await api.createRoute(view.unit.code, { type: 'Feature', geometry: feature.geometry, properties: { name, night, kind } });
      const saved = night;
      showMessage(() => t('plan.saved', { night: formatLocalDate(saved) }));
      await Promise.all([onSaved?.(), loadSaved()]);
      render();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  }

  async function evaluate() {
    if (!drawn) return;
    const layer = drawn.layer;
    evaluating = true;
    render();
    try {
      const answer = await api.evaluate({ unit: view.unit.code, night }, { type: 'Feature', geometry: layer.toGeoJSON().geometry, properties: {} });
      if (drawn?.layer !== layer) return;
      drawn.evaluation = answer?.evaluation || null;
    } catch (err) {
      showError(err);
    } finally {
      evaluating = false;
      render();
      card.querySelector('[data-testid="plan-compare"]')?.scrollIntoView({ block: 'nearest' });
    }
  }

  const adopt = (layer) => {
    if (drawn?.layer && drawn.layer !== layer) map.removeLayer(drawn.layer);
    drawn = { layer, evaluation: null };
    layer.setStyle?.({ color: DRAWN.stroke, weight: DRAWN.weight, dashArray: DRAWN.dash });
    layer.on('pm:edit', evaluate);
    layer.pm?.enable({ snappable: true, allowSelfIntersection: true });
    evaluate();
  };

  function startDrawing() {
    if (!map.pm) return;
    onDrawStart?.();
    map.pm.enableDraw('Line', {
      snappable: true,
      snapDistance: 15,
      pathOptions: { patrolPlan: true, color: DRAWN.stroke, weight: DRAWN.weight, dashArray: DRAWN.dash },
      templineStyle: { color: DRAWN.stroke },
      hintlineStyle: { color: DRAWN.stroke, dashArray: '5 5' },
    });
    drawing = true;
    render();
  }

  function editSuggested() {
    const route = routeFeature();
    if (!route) return;
    onDrawStart?.();
    const coords = route.geometry.type === 'MultiLineString' ? route.geometry.coordinates.flat() : route.geometry.coordinates;
    const layer = L.polyline(coords.map(([lon, lat]) => [lat, lon]), { patrolPlan: true }).addTo(map);
    adopt(layer);
    render();
  }

  function clearDrawn() {
    if (drawn?.layer) map.removeLayer(drawn.layer);
    drawn = null;
    render();
  }

  map.on('pm:create', (event) => {
    if (!event.layer?.options?.patrolPlan) return;
    drawing = false;
    adopt(event.layer);
  });
  map.on('pm:drawend', () => {
    if (drawing) {
      drawing = false;
      render();
    }
  });

  async function load() {
    if (!view || card.hidden) return;
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    night = planNight(view.range, view.unit, now());
    loading = true;
    failure = null;
    render();
    try {
      [plan] = await Promise.all([api.plan({ unit: view.unit.code, night, lang: language() }, controller.signal), loadSaved(controller.signal)]);
    } catch (err) {
      if (controller.signal.aborted) return;
      plan = null;
      failure = err;
    }
    loading = false;
    render();
    await onShown?.();
    fitRoute();
  }

  // fitRoute shows the whole route beside the card (below it on a phone).
  function fitRoute() {
    const route = plan && routeFeature();
    if (!route) return;
    const bounds = L.geoJSON(route).getBounds();
    if (!bounds.isValid()) return;
    const phone = map.getSize().x < 600;
    const cardBox = card.getBoundingClientRect();
    // Below the summary strip, however tall it is (with tonight's line on a phone), with
    // room for a stop's badge (24 px) over the route's top point.
    const strip = map.getContainer().querySelector('.summary-strip');
    const top = Math.max(phone ? 80 : 90, strip ? Math.round(strip.offsetTop + strip.offsetHeight + 16) : 0);
    map.fitBounds(bounds, phone
      ? { paddingTopLeft: [10, top], paddingBottomRight: [10, Math.round(cardBox.height) + 10], maxZoom: 17, animate: false }
      : { paddingTopLeft: [30, top], paddingBottomRight: [Math.round(cardBox.width) + 30, 30], maxZoom: 17, animate: false });
  }

  // loadSaved reads the routes saved for the night; a failure leaves the list empty.
  async function loadSaved(signal) {
    try {
      const fc = await api.routes({ unit: view.unit.code, night }, signal);
      saved = fc.features.filter((f) => /LineString$/.test(f?.geometry?.type || ''));
    } catch (err) {
      if (signal?.aborted) throw err;
      saved = [];
    }
  }

  function open() {
    card.hidden = false;
    document.body.classList.add('plan-open');
    render();
    return load();
  }

  function closePanel() {
    card.hidden = true;
    document.body.classList.remove('plan-open');
    if (drawing) map.pm?.disableDraw();
    render();
  }

  // The stops' names come from the server in the page's language: an open card asks again.
  onLanguageChange(() => (card.hidden ? render() : load()));
  render();
  return {
    element,
    open,
    close: closePanel,
    update(next) {
      const nextNight = planNight(next.range, next.unit, now());
      const changed = !view || next.unit.code !== view.unit.code || nextNight !== night;
      view = next;
      night = nextNight;
      if (changed) {
        plan = null;
        clearDrawn();
      }
      return card.hidden ? Promise.resolve() : load();
    },
    drawnGeometry: () => drawn?.layer?.toGeoJSON().geometry || null,
  };
}

