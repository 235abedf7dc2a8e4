// draw.js lets admins and analysts draw a key area (polygon) or a key road
// (line, buffered by buffer_m) with Leaflet-Geoman, fill in its fields and
// save it with POST /api/v1/areas?unit=CODE; it also edits an area's fields
// (PUT /api/v1/areas/{id}) and deletes areas (DELETE /api/v1/areas/{id}).
// A patrol route (a line) is drawn the same way and saved with
// POST /api/v1/routes?unit=CODE for a night.

// Geoman's browser build extends the global L, so Leaflet must load first.
import './leaflet.js';
import '@geoman-io/leaflet-geoman-free';
import { api } from './api.js';
import { h } from './dom.js';
import { openAreaForm } from './areaform.js';
import { openRouteForm } from './routeform.js';
import { showMessage, showError } from './notify.js';
import { t, language, onLanguageChange } from './i18n.js';
import { AREA_STYLES } from './layers/areas.js';

const SHAPES = {
  area: { geoman: 'Polygon', kind: 'key_area', hint: 'draw.hintArea', testid: 'draw-key-area', label: 'draw.area' },
  road: { geoman: 'Line', kind: 'key_road', hint: 'draw.hintRoad', testid: 'draw-key-road', label: 'draw.road' },
  route: { geoman: 'Line', kind: 'route', hint: 'draw.hintRoute', testid: 'draw-route', label: 'draw.route' },
};
const ROUTE_STYLE = { color: '#283593', fillColor: '#283593', fillOpacity: 0 };

function geomanTexts() {
  return {
    tooltips: {
      firstVertex: t('draw.firstVertex'),
      continueLine: t('draw.continueLine'),
      finishLine: t('draw.finishLine'),
      finishPoly: t('draw.finishPoly'),
    },
    actions: { finish: t('draw.finish'), cancel: t('draw.cancel'), removeLastVertex: t('draw.removeLast') },
  };
}

// createDrawTools sets Geoman up on the map and returns {element, actions}:
// element is the panel section with the draw buttons; actions (canEdit,
// edit, remove) serve the area popups. getView returns the current view;
// onChanged runs after an area was saved or deleted, onRoutesChanged after a
// route was saved.
export function createDrawTools({ map, getView, onChanged, onRoutesChanged }) {
  map.pm.setGlobalOptions({
    snappable: true,
    snapDistance: 15,
    allowSelfIntersection: false,
    finishOnEnter: true,
    exitModeOnEscape: true,
    templineStyle: { color: AREA_STYLES.key_area.color },
    hintlineStyle: { color: AREA_STYLES.key_area.color, dashArray: '5 5' },
  });
  const applyGeomanLanguage = () => {
    // Geoman has no Vietnamese; give it ours (English as the fallback).
    map.pm.setLang(language() === 'en' ? 'en_patrolmap' : 'vi_patrolmap', geomanTexts(), 'en');
  };
  applyGeomanLanguage();

  let active = null; // key of SHAPES while drawing
  let tool = null; // key of SHAPES of the last drawing, for pm:create
  const buttons = {};
  const hint = h('p', { class: 'draw-hint', testid: 'draw-hint', 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'button', testid: 'draw-cancel', hidden: true }, t('draw.cancel'));

  for (const [key, shape] of Object.entries(SHAPES)) {
    buttons[key] = h('button', {
      type: 'button',
      class: 'button draw-button',
      testid: shape.testid,
      'aria-pressed': 'false',
    });
    buttons[key].addEventListener('click', () => {
      if (active === key) {
        map.pm.disableDraw();
        return;
      }
      map.pm.disableDraw();
      const style = AREA_STYLES[shape.kind] || ROUTE_STYLE;
      map.pm.enableDraw(shape.geoman, {
        pathOptions: { color: style.color, fillColor: style.fillColor, fillOpacity: style.fillOpacity },
        templineStyle: { color: style.color },
      });
      active = key;
      tool = key;
      render();
    });
  }
  cancel.addEventListener('click', () => map.pm.disableDraw());

  const render = () => {
    for (const [key, button] of Object.entries(buttons)) button.textContent = t(SHAPES[key].label);
    for (const [key, button] of Object.entries(buttons)) button.setAttribute('aria-pressed', String(active === key));
    cancel.textContent = t('draw.cancel');
    cancel.hidden = active === null;
    hint.textContent = t(active ? SHAPES[active].hint : 'draw.hintIdle');
  };

  // While drawing, clicks must reach the map (Geoman places points on map
  // clicks), so our layers stop taking pointer events and popups close.
  const container = map.getContainer();
  map.on('pm:drawstart', () => {
    map.closePopup();
    container.classList.add('pm-drawing');
  });
  map.on('pm:drawend', () => {
    container.classList.remove('pm-drawing');
    active = null;
    render();
  });

  map.on('pm:create', async (event) => {
    const drawn = event.layer;
    // Routes drawn in the plan panel are evaluated there (planpanel.js).
    if (drawn?.options?.patrolPlan) return;
    const isLine = event.shape === 'Line';
    const geometry = drawn.toGeoJSON().geometry;
    const view = getView();
    if (isLine && tool === 'route') {
      const saved = await openRouteForm({
        night: view.range.to,
        save: async ({ name, night }) => {
          await api.createRoute(view.unit.code, { type: 'Feature', geometry, properties: { name, night, kind: 'planned' } });
          showMessage(() => t('route.saved', { name }));
        },
      });
      map.removeLayer(drawn);
      if (saved) onRoutesChanged?.();
      return;
    }
    const saved = await openAreaForm({
      title: t('area.newTitle'),
      values: { kind: isLine ? 'key_road' : 'key_area' },
      isLine,
      save: async (props) => {
        await api.createArea(view.unit.code, { type: 'Feature', geometry, properties: props });
        showMessage(() => t('area.saved', { name: props.name }));
      },
    });
    map.removeLayer(drawn);
    if (saved) onChanged();
  });

  onLanguageChange(() => {
    applyGeomanLanguage();
    render();
  });
  render();

  const element = h('section', { class: 'panel-section draw-tools', testid: 'draw-tools' },
    h('h3', { class: 'panel-heading', 'data-i18n': 'draw.title' }, t('draw.title')),
    h('div', { class: 'draw-buttons' }, buttons.area, buttons.road, buttons.route, cancel),
    hint,
  );

  const actions = {
    canEdit: true,
    async edit(feature) {
      map.closePopup();
      const p = feature.properties || {};
      const isLine = /LineString$/.test(feature.geometry?.type || '');
      const saved = await openAreaForm({
        title: t('area.editTitle'),
        values: p,
        isLine,
        save: async (props) => {
          await api.updateArea(p.id, { type: 'Feature', geometry: feature.geometry, properties: { ...p, ...props } });
          showMessage(() => t('area.saved', { name: props.name }));
        },
      });
      if (saved) onChanged();
    },
    async remove(feature) {
      const p = feature.properties || {};
      try {
        await api.deleteArea(p.id);
        map.closePopup();
        showMessage(() => t('area.deleted', { name: p.name || '' }));
        onChanged();
      } catch (err) {
        showError(err);
      }
    },
  };

  return { element, actions };
}

