// workspace.js is the signed-in screen: it loads the units, builds the
// header, the map, the layers and the panel, and reloads the layers when
// the unit, the period or the window changes. body[data-ready="true"] is set
// once the map and the layers that are on have been drawn.
//
// The view handed to every layer is
//   {unit: properties, unitFeature, timeZone, range: {from, to} inclusive,
//    window: 'night' | 'day' | 'all', query: {unit, from, to} half-open}.

import { api, setCsrfToken, onUnauthorized } from './api.js';
import { byId } from './dom.js';
import { showView } from './views.js';
import { initHeader, useMap } from './header.js';
import { createMap, PANES } from './map.js';
import { createPeriodControls, buildPanel, showPanelNote } from './panel.js';
import { showMessage, showError } from './notify.js';
import { t, formatLocalDate, onLanguageChange } from './i18n.js';
import { defaultRange, toQueryRange, zoneOrDefault, localDateTimeIn } from './time.js';
import { createDevicePalette } from './devices.js';
import { createIncidentTools } from './incidenttools.js';
import { createPrintTools } from './print.js';
import { LayerController } from './layers/controller.js';
import { createHexStack } from './layers/hexagons.js';
import { createBoundaryLayer } from './layers/boundary.js';
import { createAreaSource, createAreaLayers } from './layers/areas.js';
import { createRoadsLayer } from './layers/roads.js';
import { createIncidentsLayer } from './layers/incidents.js';
import { createTracksLayer } from './layers/tracks.js';
import { createRoutesLayer } from './layers/routes.js';
import { createLiveLayer } from './layers/live.js';
import { createCoverageLayer } from './layers/coverage.js';
import { createGapsLayer } from './layers/gaps.js';
import { createHotspotsLayer } from './layers/hotspots.js';
import { createEmergingLayer } from './layers/emerging.js';
import { setPlaceLookup } from './layers/hexagons.js';
import { createSummaryStrip } from './summary.js';
import { watchLabels, overlapCount } from './labels.js';
import { createPlanPanel } from './planpanel.js';
import { createReportPanel } from './reportpanel.js';
import { language } from './i18n.js';
import { createAlertBanner } from './alerts.js';

const EDITOR_ROLES = new Set(['admin', 'analyst']);
const DEFAULT_WINDOW = 'night';
const DEFAULT_DAYS = 30;
const PERIOD_PAUSE_MS = 400;
// Layers that count incidents: redrawn after an incident is added or changed.
const INCIDENT_LAYERS = ['incidents', 'hotspots', 'emerging', 'gaps'];

function makeView(unitFeature, range, window) {
  const unit = unitFeature.properties;
  return {
    unit,
    unitFeature,
    timeZone: zoneOrDefault(unit.timezone),
    range,
    window,
    query: { unit: unit.code, ...toQueryRange(range) },
  };
}

let firstReady = true;

function setReady(ready) {
  document.body.dataset.ready = ready ? 'true' : 'false';
  if (ready && firstReady) {
    // The browser benchmark reads how long the first full map took.
    firstReady = false;
    try {
      performance.mark('patrolmap:ready');
    } catch {
      // Marks are optional.
    }
  }
}

// startWorkspace shows the map for the signed-in user (the body of
// /api/v1/session or /api/v1/login).
export async function startWorkspace({ config, user }) {
  setCsrfToken(user.csrf_token);
  watchSession();
  showView('map');
  setReady(false);

  let units = [];
  try {
    const fc = await api.units();
    units = fc.features.filter((f) => f?.properties && typeof f.properties.code === 'string');
  } catch (err) {
    showError(err);
  }
  const first = units.find((f) => f.properties.code === user.unit) || units[0];

  const logout = async () => {
    try {
      await api.logout();
    } catch {
      // The session may already be gone; the reload shows the login form anyway.
    }
    window.location.reload();
  };

  initHeader({
    user,
    units: units.map((f) => f.properties),
    selected: first?.properties.code,
    onUnitChange: (code) => selectUnit(code),
    onLogout: logout,
  });

  // Geoman hooks into maps and layers as they are created, so the draw
  // module must load before the map.
  const canEdit = EDITOR_ROLES.has(user.role);
  const drawModule = canEdit ? await loadDrawModule() : null;

  const mapView = createMap(byId('map'), config);
  const { map } = mapView;
  const controllers = new Map();
  const hookParts = {};
  exposeTestHook(map, controllers, hookParts);
  const labels = watchLabels(map);
  if (!first) {
    showPanelNote('panel.noUnits');
    setReady(true);
    return;
  }

  let view = makeView(first, defaultRange(zoneOrDefault(first.properties.timezone), DEFAULT_DAYS), DEFAULT_WINDOW);
  const alertBanner = createAlertBanner({ container: byId('map-view') });
  alertBanner.setUnit(view.unit);

  const areaSource = createAreaSource();
  const areaActions = { canEdit: false };
  const incidentActions = { canEdit: false };
  const routeActions = {
    canEdit,
    async save(feature, night) {
      const p = feature.properties || {};
      try {
        await api.createRoute(view.unit.code, { type: 'Feature', geometry: feature.geometry, properties: { name: p.name || '', night, kind: 'suggested' } });
        map.closePopup();
        showMessage(() => t('route.saved', { name: p.name || '' }));
        return true;
      } catch (err) {
        showError(err);
        return false;
      }
    },
    async remove(feature) {
      const p = feature.properties || {};
      try {
        await api.deleteRoute(p.id);
        map.closePopup();
        showMessage(() => t('route.deleted', { name: p.name || '' }));
        return true;
      } catch (err) {
        showError(err);
        return false;
      }
    },
  };
  const palette = createDevicePalette();
  const stack = createHexStack(map);
  const renderer = mapView.hexRenderer;
  const baseLayers = [
    createBoundaryLayer(),
    ...createAreaLayers({ map, source: areaSource, actions: areaActions }),
    createRoadsLayer({ basemap: mapView.basemapKind === 'pmtiles' }),
    createIncidentsLayer({ map, actions: incidentActions }),
  ];
  const patrolLayers = [
    createTracksLayer({ renderer: mapView.trackRenderer, pane: PANES.tracks.name, palette }),
    createRoutesLayer({ actions: routeActions }),
    createLiveLayer({ palette }),
  ];
  const analysisLayers = [
    createCoverageLayer({ renderer, stack }),
    createGapsLayer({ renderer, stack }),
    createHotspotsLayer({ renderer, stack }),
    createEmergingLayer({ renderer, stack }),
  ];
  const control = (def) => {
    const c = new LayerController(def, map);
    controllers.set(def.name, c);
    return c;
  };
  const baseControllers = baseLayers.map(control);
  const patrolControllers = patrolLayers.map(control);
  const analysisControllers = analysisLayers.map(control);

  // Cell popups are titled by their place, named by the server as the report
  // names places; one request per cell and view.
  const placeCache = new Map();
  setPlaceLookup((cell) => {
    const key = `${view.unit.code}|${cell}|${language()}`;
    if (!placeCache.has(key)) {
      placeCache.set(key, api.places({ unit: view.unit.code, from: view.query.from, to: view.query.to, cells: [cell], lang: language() })
        .then((r) => r?.places?.[0] || null)
        .catch((err) => {
          placeCache.delete(key);
          throw err;
        }));
    }
    return placeCache.get(key);
  });
  const summary = createSummaryStrip(map, {
    onShow: (name) => {
      const c = controllers.get(name);
      if (c && !c.on) c.setOn(true).then(() => labels.schedule());
      // The whole unit, on a phone too: a tile's gaps or hot spots may lie where the first,
      // screen-filling view of a wide ward does not reach.
      if (name === 'gaps' || name === 'hotspots') mapView.fitGeometry(view.unitFeature.geometry, { whole: true });
    },
  });
  for (const c of controllers.values()) c.onDrawn = () => labels.schedule();

  let draw = null;
  if (drawModule) {
    draw = drawModule.createDrawTools({
      map,
      getView: () => view,
      onChanged: () => {
        areaSource.invalidate();
        for (const name of ['residential-groups', 'key-areas', 'gaps']) controllers.get(name).refresh();
      },
      onRoutesChanged: () => {
        const routes = controllers.get('routes');
        return routes.on ? routes.refresh() : routes.setOn(true);
      },
    });
    Object.assign(areaActions, draw.actions);
  }

  const incidentTools = createIncidentTools({
    map,
    getView: () => view,
    canEdit,
    onChanged: ({ time }) => incidentsChanged(time),
  });
  Object.assign(incidentActions, incidentTools.actions);
  const print = createPrintTools({ map });
  const plan = createPlanPanel({
    map,
    getView: () => view,
    canEdit,
    drawModule,
    onSaved: () => {
      const routes = controllers.get('routes');
      return routes.on ? routes.refresh() : routes.setOn(true);
    },
    // The route and its numbered stops show on the map beside the list.
    // On a phone the side panel, which holds the button, slides away to show them.
    onShown: async () => {
      useMap();
      const routes = controllers.get('routes');
      if (!routes.on) await routes.setOn(true);
      labels.schedule();
    },
    // Drawn routes snap to the roads layer.
    onDrawStart: () => {
      const roads = controllers.get('roads');
      if (!roads.on) roads.setOn(true);
    },
  });
  hookParts.plan = plan;

  const report = createReportPanel({ container: map.getContainer().parentElement, getView: () => view, canArchive: () => canEdit });

  // incidentsChanged shows the incidents (switching the layer on) and
  // redraws every layer that counts them; it says so when the incident lies
  // outside the period shown.
  async function incidentsChanged(time) {
    setReady(false);
    const incidents = controllers.get('incidents');
    const jobs = INCIDENT_LAYERS.map((name) => (name === 'incidents' && !incidents.on ? incidents.setOn(true) : controllers.get(name).refresh()));
    if (time) {
      const day = localDateTimeIn(time, view.timeZone).slice(0, 10);
      if (day && (day < view.range.from || day > view.range.to)) {
        showMessage(() => t('incident.outsidePeriod', { date: formatLocalDate(day) }));
      }
    }
    await Promise.all(jobs);
    setReady(true);
  }

  let applied = 0;
  const apply = async (changed) => {
    const seq = ++applied;
    setReady(false);
    print.update(view);
    placeCache.clear();
    const jobs = [...controllers.values()].map((c) => c.update(view, changed));
    if (!changed || changed.includes('unit') || changed.includes('period')) {
      jobs.push(summary.update(view));
      plan.update(view);
      report.update(view);
    }
    await Promise.all(jobs);
    labels.schedule();
    if (seq === applied) setReady(true);
  };

  // A language switch reloads the layers whose words come from the server
  // (depends: 'lang'), in the new language.
  onLanguageChange(() => apply(['lang']));

  // Period and window edits come in bursts (a date field fires on every
  // typed part), so they are applied after a short pause; the layers show
  // as loading straight away.
  let pendingChanges = new Set();
  let pauseTimer = 0;
  const applySoon = (changed) => {
    ++applied;
    setReady(false);
    for (const k of changed) pendingChanges.add(k);
    for (const c of controllers.values()) c.expect(changed);
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(() => {
      const all = [...pendingChanges];
      pendingChanges = new Set();
      apply(all);
    }, PERIOD_PAUSE_MS);
  };

  const period = createPeriodControls({
    range: view.range,
    window: view.window,
    onChange: ({ range, window }, changed) => {
      view = makeView(view.unitFeature, range, window);
      applySoon(changed);
    },
  });
  period.setUnit(view.unit);
  buildPanel({
    period,
    tools: [plan.element, report.element, incidentTools.element],
    groups: [['panel.base', baseControllers], ['panel.patrol', patrolControllers], ['panel.analysis', analysisControllers]],
    draw: draw?.element,
    print: print.element,
    version: typeof config.version === 'string' ? config.version : '',
  });

  function selectUnit(code) {
    const feature = units.find((f) => f.properties.code === code);
    if (!feature || feature === view.unitFeature) return;
    map.closePopup();
    palette.reset();
    view = makeView(feature, view.range, view.window);
    period.setUnit(view.unit);
    alertBanner.setUnit(view.unit);
    mapView.fitGeometry(feature.geometry);
    apply(['unit']);
  }

  map.invalidateSize();
  mapView.fitGeometry(first.geometry);
  await apply(null);
}

// exposeTestHook gives the browser tests and the benchmark a way to find a
// place on screen and to go there; it exposes no data.
function exposeTestHook(map, controllers, parts) {
  window.patrolmapTest = Object.freeze({
    point(lat, lng) {
      const p = map.latLngToContainerPoint([lat, lng]);
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    zoomTo(lat, lng, zoom) {
      map.setView([lat, lng], zoom, { animate: false });
    },
    // putAt moves the map without animation so that the place shows at the
    // container point (x, y) from the map's top-left corner.
    putAt(lat, lng, x, y) {
      const p = map.latLngToContainerPoint([lat, lng]);
      map.panBy([p.x - x, p.y - y], { animate: false });
    },
    // cellsOf lists the cells a hexagon layer drew, with their centres and
    // the fields that matter for choosing one to click.
    cellsOf(name) {
      const def = controllers.get(name)?.def;
      const features = def?.toGeoJSON ? def.toGeoJSON().features : [];
      return features.filter((f) => f.properties?.cell && f.geometry?.type === 'Polygon').map((f) => {
        const ring = f.geometry.coordinates[0].slice(0, -1);
        const lng = ring.reduce((a, c) => a + c[0], 0) / ring.length;
        const lat = ring.reduce((a, c) => a + c[1], 0) / ring.length;
        const p = f.properties;
        return { cell: p.cell, lat, lng, category: p.category, class: p.class, confidence: p.confidence, count: p.count, rank: p.rank };
      });
    },
    // drawnRoute is the geometry of the route drawn in the plan card, or null.
    drawnRoute() {
      return parts.plan?.drawnGeometry() || null;
    },
    // badgeOverlaps counts overlapping pairs of gap-rank and stop badges.
    badgeOverlaps() {
      return overlapCount(map.getContainer());
    },
  });
}

async function loadDrawModule() {
  try {
    return await import('./draw.js');
  } catch (err) {
    // Without the draw tools the map still shows everything.
    showError(err);
    return null;
  }
}

let sessionWatched = false;

// watchSession sends the user back to the login form when a request
// answers 401 (the session ended or was revoked).
function watchSession() {
  if (sessionWatched) return;
  sessionWatched = true;
  let leaving = false;
  onUnauthorized(() => {
    if (leaving) return;
    leaving = true;
    showMessage(() => t('error.session'), 'error');
    setTimeout(() => window.location.reload(), 1500);
  });
}
