// routes.js draws the patrol routes of a night, the last night of the
// period: the saved routes (GET /api/v1/routes?unit&night — drawn by a
// planner, or suggestions saved earlier) and the route the server suggests
// (GET /api/v1/plan?unit&night: the route as a MultiLineString, its legs and
// its numbered stops). Editors save a suggestion and delete a saved route
// from the popups. Where the server has no planner the layer says "not
// available" and stays quiet.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h, definitionList, confirmTwice } from '../dom.js';
import { legend } from '../legend.js';
import { t, label, language, formatNumber, formatFixed, formatLocalDate } from '../i18n.js';
import { stroke } from '../palette.js';

export const ROUTE_COLORS = { planned: stroke('route.planned'), suggested: stroke('route.suggested'), saved: stroke('route.saved') };

// routeKind returns how a route is drawn: 'planned' (drawn by a planner),
// 'saved' (a suggestion that was saved) or 'suggested' (tonight's plan).
export function routeKind(p, fromPlan) {
  if (fromPlan) return 'suggested';
  return p.kind === 'suggested' ? 'saved' : 'planned';
}

function lengthKm(p) {
  if (Number.isFinite(Number(p.km))) return Number(p.km);
  if (Number.isFinite(Number(p.length_m))) return Number(p.length_m) / 1000;
  return null;
}

function minutes(v) {
  return Number.isFinite(Number(v)) ? t('area.minutes', { n: formatNumber(Math.round(Number(v))) }) : null;
}

// createRoutesLayer returns the layer definition for routes. actions may
// hold canEdit, save(feature, night) and remove(feature), looked up when a
// popup opens; both resolve once done.
export function createRoutesLayer({ actions = {} } = {}) {
  const group = L.layerGroup();
  let shown = [];
  let kinds = new Set();
  let night = null;
  let def = null;

  const routePopup = (f, kind) => {
    const p = f.properties || {};
    const km = lengthKm(p);
    const rows = [
      [t('routes.night'), p.night ? formatLocalDate(p.night) : night ? formatLocalDate(night) : null],
      [t('routes.length'), km !== null ? `${formatFixed(km, 1)} km` : null],
      [t('routes.stops'), Number.isFinite(Number(p.stops)) ? formatNumber(Number(p.stops)) : null],
      [t('routes.walk'), minutes(p.total_walk_min ?? p.walk_min)],
      [t('routes.motorbike'), minutes(p.total_motorbike_min ?? p.motorbike_min)],
      [t('routes.createdBy'), p.created_by || null],
    ];
    const box = h('div', { class: 'popup', testid: 'route-popup', dataset: { routeId: p.id ?? '' } },
      h('h3', { class: 'popup-title' }, t(`routes.${kind}`)),
      p.name ? h('p', { class: 'popup-text' }, String(p.name)) : null,
      definitionList(rows),
      p.straight ? h('p', { class: 'popup-text muted' }, t('routes.straightNote')) : null,
    );
    if (actions.canEdit) {
      const buttons = h('div', { class: 'popup-actions' });
      if (kind === 'suggested') {
        const save = h('button', { type: 'button', class: 'button small', testid: 'route-save' }, t('routes.save'));
        save.addEventListener('click', async () => {
          save.disabled = true;
          if (await actions.save?.(f, night)) def.reload?.();
          save.disabled = false;
        });
        buttons.append(save);
      } else if (p.id !== undefined && p.id !== null) {
        const remove = h('button', { type: 'button', class: 'button small danger', testid: 'route-delete' }, t('area.delete'));
        confirmTwice(remove, 'route-delete-confirm', t('area.confirmDelete'), async () => {
          if (await actions.remove?.(f)) def.reload?.();
        });
        buttons.append(remove);
      }
      if (buttons.childElementCount > 0) box.append(buttons);
    }
    return box;
  };

  const drawRoute = (f, kind) => {
    kinds.add(kind);
    const casing = L.geoJSON(f, { pane: PANES.routes.name, interactive: false, pmIgnore: true, style: () => ({ color: '#ffffff', weight: 8, opacity: 0.9 }) });
    const line = L.geoJSON(f, {
      pane: PANES.routes.name,
      pmIgnore: true,
      style: () => ({ color: ROUTE_COLORS[kind], weight: 4.5, opacity: 0.95, dashArray: kind === 'suggested' ? '10 6' : null }),
    });
    line.bindPopup(() => routePopup(f, kind), { maxWidth: 300, minWidth: 220 });
    group.addLayer(casing);
    group.addLayer(line);
  };

  const drawStop = (f) => {
    const p = f.properties || {};
    const [lon, lat] = f.geometry.coordinates;
    const start = p.kind === 'start';
    const n = Number.isFinite(Number(p.order)) ? Number(p.order) : 0;
    const badge = h('span', { class: `route-stop${start ? ' start' : ''}` }, start ? '⌂' : formatNumber(n));
    const name = p.name ? String(p.name) : label('kind', p.kind);
    const text = start ? `${t('routes.start')}: ${name}` : `${t('routes.stop', { n: formatNumber(n) })}: ${name}`;
    const marker = L.marker([lat, lon], {
      pane: PANES.routes.name,
      pmIgnore: true,
      keyboard: true,
      title: text,
      alt: text,
      icon: L.divIcon({ className: 'route-stop-icon', html: badge, iconSize: [24, 24] }),
      zIndexOffset: 1000,
    });
    marker.bindPopup(() => h('div', { class: 'popup', testid: 'route-stop-popup' },
      h('h3', { class: 'popup-title' }, text),
      definitionList([
        [t('routes.dwell'), minutes(p.dwell_min)],
        [t('routes.along'), Number.isFinite(Number(p.along_m)) ? `${formatFixed(Number(p.along_m) / 1000, 1)} km` : null],
        [t('routes.walk'), minutes(p.walk_min)],
      ]),
    ), { maxWidth: 280 });
    group.addLayer(marker);
  };

  def = {
    name: 'routes',
    defaultOn: false,
    // lang: the suggested route's names come from the server in the page's language.
    depends: ['unit', 'period', 'lang'],
    layer: group,
    swatch: { shape: 'line', stroke: ROUTE_COLORS.suggested, dashed: true },
    async load(view, signal) {
      night = view.range.to;
      const [saved, plan] = await Promise.allSettled([
        api.routes({ unit: view.unit.code, night }, signal),
        api.plan({ unit: view.unit.code, night, lang: language() }, signal),
      ]);
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      if (saved.status === 'rejected' && plan.status === 'rejected') throw saved.reason;
      for (const r of [saved, plan]) {
        if (r.status === 'rejected' && !r.reason?.notAvailable) console.warn(`routes: ${r.reason?.message || r.reason}`);
      }
      group.clearLayers();
      kinds = new Set();
      shown = [];
      let lines = 0;
      for (const f of saved.status === 'fulfilled' ? saved.value.features : []) {
        if (!f?.geometry || !/LineString$/.test(f.geometry.type)) continue;
        drawRoute(f, routeKind(f.properties || {}, false));
        shown.push(f);
        lines++;
      }
      if (plan.status === 'fulfilled') {
        const features = plan.value.features.filter((f) => f?.geometry);
        // The plan's route is one MultiLineString; its legs repeat it.
        const route = features.filter((f) => /LineString$/.test(f.geometry.type) && (f.properties?.role ?? 'route') === 'route');
        for (const f of route) drawRoute(f, 'suggested');
        for (const f of features) if (f.geometry.type === 'Point') drawStop(f);
        shown.push(...features);
        lines += route.length;
      }
      return lines;
    },
    clear() {
      group.clearLayers();
      shown = [];
    },
    legend: () =>
      legend(['planned', 'saved', 'suggested'].filter((k) => kinds.has(k)).map((k) => ({
        label: t(`routes.${k}`), shape: 'line', stroke: ROUTE_COLORS[k], dashed: k === 'suggested',
      })), { note: night ? t('routes.note', { night: formatLocalDate(night) }) : null }),
    toGeoJSON: () => ({ type: 'FeatureCollection', features: shown }),
  };
  return def;
}
