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
import { initHeader } from './header.js';
import { createMap } from './map.js';
import { createPeriodControls, buildPanel, showPanelNote } from './panel.js';
import { showMessage, showError } from './notify.js';
import { t } from './i18n.js';
import { defaultRange, toQueryRange, zoneOrDefault } from './time.js';
import { LayerController } from './layers/controller.js';
import { createBoundaryLayer } from './layers/boundary.js';
import { createAreaSource, createAreaLayers } from './layers/areas.js';
import { createRoadsLayer } from './layers/roads.js';
import { createIncidentsLayer } from './layers/incidents.js';
import { createCoverageLayer } from './layers/coverage.js';
import { createGapsLayer } from './layers/gaps.js';
import { createHotspotsLayer } from './layers/hotspots.js';
import { createEmergingLayer } from './layers/emerging.js';

const EDITOR_ROLES = new Set(['admin', 'analyst']);
const DEFAULT_WINDOW = 'night';
const DEFAULT_DAYS = 30;
const PERIOD_PAUSE_MS = 400;

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

function setReady(ready) {
  document.body.dataset.ready = ready ? 'true' : 'false';
}

// startWorkspace shows the map for the signed-in user (the body of
// /api/v1/me or /api/v1/login).
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
  if (!first) {
    showPanelNote('panel.noUnits');
    setReady(true);
    return;
  }

  let view = makeView(first, defaultRange(zoneOrDefault(first.properties.timezone), DEFAULT_DAYS), DEFAULT_WINDOW);

  const areaSource = createAreaSource();
  const areaActions = { canEdit: false };
  const renderer = mapView.hexRenderer;
  const baseLayers = [
    createBoundaryLayer(),
    ...createAreaLayers({ map, source: areaSource, actions: areaActions }),
    createRoadsLayer(),
    createIncidentsLayer({ map }),
  ];
  const analysisLayers = [
    createCoverageLayer({ renderer }),
    createGapsLayer({ renderer }),
    createHotspotsLayer({ renderer }),
    createEmergingLayer({ renderer }),
  ];
  const controllers = new Map();
  const control = (def) => {
    const c = new LayerController(def, map);
    controllers.set(def.name, c);
    return c;
  };
  const baseControllers = baseLayers.map(control);
  const analysisControllers = analysisLayers.map(control);

  let draw = null;
  if (drawModule) {
    draw = drawModule.createDrawTools({
      map,
      getView: () => view,
      onChanged: () => {
        areaSource.invalidate();
        for (const name of ['residential-groups', 'key-areas', 'gaps']) controllers.get(name).refresh();
      },
    });
    Object.assign(areaActions, draw.actions);
  }

  let applied = 0;
  const apply = async (changed) => {
    const seq = ++applied;
    setReady(false);
    await Promise.all([...controllers.values()].map((c) => c.update(view, changed)));
    if (seq === applied) setReady(true);
  };

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
    groups: [['panel.base', baseControllers], ['panel.analysis', analysisControllers]],
    draw: draw?.element,
    version: typeof config.version === 'string' ? config.version : '',
  });

  function selectUnit(code) {
    const feature = units.find((f) => f.properties.code === code);
    if (!feature || feature === view.unitFeature) return;
    map.closePopup();
    view = makeView(feature, view.range, view.window);
    period.setUnit(view.unit);
    mapView.fitGeometry(feature.geometry);
    apply(['unit']);
  }

  map.invalidateSize();
  mapView.fitGeometry(first.geometry);
  await apply(null);
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
    showMessage(t('error.session'), 'error');
    setTimeout(() => window.location.reload(), 1500);
  });
}
