// tracks.js draws the patrol tracks of the period and window (GET
// /api/v1/tracks: one MultiLineString per device with device, fixes and
// km), a colour per officer's device, on their own canvas above the roads.
// The officer picker under the legend shows one officer's tracks or all.

import L from '../leaflet.js';
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { legend } from '../legend.js';
import { DEVICE_COLORS } from '../devices.js';
import { t, formatNumber, formatFixed, onLanguageChange } from '../i18n.js';

const ALL = '';

// trackName returns how a track's officer is shown: the officer's name when
// the server gives one, else the device's name or id.
export function trackName(p) {
  return p.officer || p.officer_name || p.name || p.device || t('common.unknown');
}

// createTracksLayer returns the layer definition for patrol tracks.
export function createTracksLayer({ renderer, pane, palette }) {
  const group = L.layerGroup();
  let features = [];
  let filter = ALL;
  let def = null;

  const select = h('select', { id: 'tracks-officer', testid: 'tracks-officer' });
  const caption = h('span', {});
  const controls = h('label', { class: 'field compact', for: select.id }, caption, select);

  const visible = () => features.filter((f) => filter === ALL || f.properties?.device === filter);

  const renderPicker = () => {
    caption.textContent = t('tracks.officer');
    clear(select);
    select.append(h('option', { value: ALL }, t('tracks.allOfficers', { n: formatNumber(features.length) })));
    for (const f of features) {
      const p = f.properties || {};
      select.append(h('option', { value: p.device }, trackName(p)));
    }
    select.value = features.some((f) => f.properties?.device === filter) ? filter : ALL;
    filter = select.value;
  };

  const draw = () => {
    group.clearLayers();
    for (const f of visible()) {
      group.addLayer(L.geoJSON(f, {
        renderer,
        pane,
        interactive: false,
        pmIgnore: true,
        smoothFactor: 1.5,
        style: () => ({ color: palette.colorOf(f.properties?.device), dashArray: palette.dashOf?.(f.properties?.device) || null, weight: 3, opacity: 0.85, lineCap: 'round', lineJoin: 'round' }),
      }));
    }
    return visible().length;
  };

  select.addEventListener('change', () => {
    filter = select.value;
    const n = draw();
    def.onCountChange?.(n);
    def.onLegendChange?.();
  });
  onLanguageChange(renderPicker);

  def = {
    name: 'tracks',
    defaultOn: false,
    depends: ['unit', 'period', 'window'],
    layer: group,
    swatch: { shape: 'line', stroke: DEVICE_COLORS[0] },
    controls,
    async load(view, signal) {
      const fc = await api.tracks({ ...view.query, window: view.window }, signal);
      features = fc.features
        .filter((f) => f?.geometry && /LineString$/.test(f.geometry.type))
        .sort((a, b) => String(a.properties?.device).localeCompare(String(b.properties?.device)));
      palette.register(features.map((f) => f.properties?.device));
      renderPicker();
      return draw();
    },
    clear() {
      group.clearLayers();
      features = [];
    },
    legend() {
      const items = visible().map((f) => {
        const p = f.properties || {};
        const km = Number(p.km);
        return {
          label: t('tracks.item', { name: trackName(p), km: Number.isFinite(km) ? formatFixed(km, 1) : '–', fixes: formatNumber(Number(p.fixes) || 0) }),
          shape: 'line',
          stroke: palette.colorOf(p.device),
          dashed: Boolean(palette.dashOf?.(p.device)),
        };
      });
      return legend(items, { note: t('tracks.note') });
    },
    toGeoJSON: () => ({ type: 'FeatureCollection', features: visible() }),
  };
  return def;
}
