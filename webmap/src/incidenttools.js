// incidenttools.js records incidents from the map: "Add an incident" puts
// the map in pick mode, a click on the map (or Enter, for the map's centre)
// opens the incident form there, and saving posts it with
// POST /api/v1/incidents?unit=CODE. Every role may add; admins and analysts
// may also edit (PUT /api/v1/incidents/{id}) and void (DELETE) from an
// incident's popup. The server audits each change.

import L from './leaflet.js';
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { PANES } from './map.js';
import { openIncidentForm } from './incidentform.js';
import { showMessage, showError } from './notify.js';
import { t, onLanguageChange } from './i18n.js';
import { useMap } from './header.js';

// createIncidentTools returns {element, actions}: element is the panel
// section with the add button; actions (canEdit, edit, void) serve the
// incident popups. onChanged({kind, id, time}) runs after a change.
export function createIncidentTools({ map, getView, canEdit, onChanged }) {
  const container = map.getContainer();
  let picking = false;

  const add = h('button', { type: 'button', class: 'button primary add-incident', testid: 'incident-add', 'aria-pressed': 'false' });
  const cancel = h('button', { type: 'button', class: 'button', testid: 'incident-pick-cancel', hidden: true });
  const hint = h('p', { class: 'draw-hint', testid: 'incident-hint', 'aria-live': 'polite' });

  const render = () => {
    add.textContent = t('incident.add');
    add.setAttribute('aria-pressed', String(picking));
    cancel.textContent = t('incident.pickCancel');
    cancel.hidden = !picking;
    hint.textContent = picking ? t('incident.pickHint') : '';
    hint.hidden = !picking;
  };

  const onMapClick = (event) => {
    stopPicking();
    create(event.latlng);
  };
  const onKey = (event) => {
    if (!picking) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      stopPicking();
      add.focus();
    } else if ((event.key === 'Enter' || event.key === ' ') && event.target === container) {
      event.preventDefault();
      stopPicking();
      create(map.getCenter());
    }
  };
  function startPicking() {
    picking = true;
    map.closePopup();
    container.classList.add('map-picking');
    map.on('click', onMapClick);
    document.addEventListener('keydown', onKey);
    render();
    // On a phone the panel slides away to show the map; the hint goes with
    // it, so it shows as a message instead.
    if (useMap()) showMessage(() => t('incident.pickHintTouch'));
  }
  function stopPicking() {
    picking = false;
    container.classList.remove('map-picking');
    map.off('click', onMapClick);
    document.removeEventListener('keydown', onKey);
    render();
  }

  add.addEventListener('click', () => (picking ? stopPicking() : startPicking()));
  cancel.addEventListener('click', () => {
    stopPicking();
    add.focus();
  });
  onLanguageChange(render);
  render();

  async function create(latlng) {
    const view = getView();
    const spot = L.circleMarker(latlng, {
      pane: PANES.incidents.name, pmIgnore: true, interactive: false, radius: 11, color: '#0b2545', weight: 2.5, dashArray: '4 3', fillOpacity: 0.15,
    }).addTo(map);
    const result = await openIncidentForm({
      title: t('incident.newTitle'),
      latlng,
      timeZone: view.timeZone,
      save: async (incident) => {
        const res = await api.createIncidents(view.unit.code, [{ ...incident, lat: latlng.lat, lon: latlng.lng }]);
        if (Array.isArray(res?.rejected) && res.rejected.length > 0) {
          throw new ApiError({
            status: 400,
            title: t('incident.rejected'),
            errors: res.rejected.map((r) => ({ field: r.field || '', message: r.error || '' })),
          });
        }
        return { id: res?.created?.[0]?.id ?? null, time: incident.time };
      },
    });
    spot.remove();
    if (!result) return;
    if (result.id !== null) add.dataset.createdId = String(result.id);
    showMessage(() => t('incident.saved'));
    onChanged({ kind: 'created', id: result.id, time: result.time });
  }

  const actions = {
    canEdit,
    async edit(feature) {
      map.closePopup();
      const p = feature.properties || {};
      const view = getView();
      const [lon, lat] = feature.geometry?.coordinates || [];
      const saved = await openIncidentForm({
        title: t('incident.editTitle'),
        values: p,
        latlng: Number.isFinite(lat) ? { lat, lng: lon } : null,
        timeZone: view.timeZone,
        editing: true,
        save: (incident) => api.updateIncident(p.id, incident),
      });
      if (!saved) return;
      showMessage(() => t('incident.updated'));
      onChanged({ kind: 'updated', id: p.id, time: saved?.properties?.time || p.time });
    },
    async void(feature) {
      const p = feature.properties || {};
      try {
        await api.voidIncident(p.id);
        map.closePopup();
        showMessage(() => t('incident.voided'));
        onChanged({ kind: 'voided', id: p.id, time: p.time });
      } catch (err) {
        showError(err);
      }
    },
  };

  const element = h('section', { class: 'panel-section incident-tools', testid: 'incident-tools' },
    h('h3', { class: 'panel-heading', 'data-i18n': 'incident.toolsTitle' }, t('incident.toolsTitle')),
    h('div', { class: 'draw-buttons' }, add, cancel),
    hint,
  );
  return { element, actions };
}
