// live.js shows officers' latest positions from the server-sent events of
// GET /api/v1/live?unit=CODE: one marker per device in its track colour,
// fading as the position ages. The stream opens only while the layer is on
// and closes when it is switched off or the unit changes; EventSource
// reconnects by itself after a network drop.

import L from '../leaflet.js';
import { PANES } from '../map.js';
import { h, definitionList } from '../dom.js';
import { legend } from '../legend.js';
import { DEVICE_COLORS } from '../devices.js';
import { t, formatNumber, formatDateTime, formatDuration } from '../i18n.js';

const FIRST_EVENT_MS = 15000;
const AGE_TICK_MS = 15000;

// ageClass returns 'fresh' (under 2 minutes), 'recent' (under 10) or 'old'.
export function ageClass(ageSeconds) {
  if (ageSeconds < 120) return 'fresh';
  if (ageSeconds < 600) return 'recent';
  return 'old';
}

// liveURL returns the stream's address for a unit.
export function liveURL(unit) {
  return `/api/v1/live?unit=${encodeURIComponent(unit)}`;
}

function unavailable() {
  const err = new Error('live positions are not available');
  err.notAvailable = true;
  return err;
}

function abortError() {
  return new DOMException('aborted', 'AbortError');
}

// createLiveLayer returns the layer definition for live positions.
export function createLiveLayer({ palette }) {
  const group = L.layerGroup();
  let source = null;
  let positions = []; // features
  let skew = 0; // server clock − browser clock, ms
  let shownView = null;
  let ageTimer = 0;
  let def = null;

  const ageOf = (p) => Math.max(0, (Date.now() + skew - Date.parse(p.time)) / 1000);

  const close = () => {
    if (source) source.close();
    source = null;
    clearInterval(ageTimer);
    ageTimer = 0;
  };

  const popup = (p) => {
    const speed = Number(p.speed);
    return h('div', { class: 'popup', testid: 'live-popup' },
      h('h3', { class: 'popup-title' }, p.officer || p.device),
      definitionList([
        [t('live.device'), p.device],
        [t('live.time'), p.time ? formatDateTime(p.time, shownView?.timeZone) : null],
        [t('live.age'), t('live.ago', { age: formatDuration(Math.round(ageOf(p))) })],
        [t('live.accuracy'), Number.isFinite(Number(p.accuracy)) && p.accuracy !== null ? `± ${formatNumber(Math.round(p.accuracy))} m` : null],
        [t('live.speed'), Number.isFinite(speed) && p.speed !== null ? `${formatNumber(speed * 3.6, { maximumFractionDigits: 1 })} km/h` : null],
        [t('live.battery'), Number.isFinite(Number(p.battery)) && p.battery !== null ? `${formatNumber(Math.round(p.battery))} %` : null],
      ]),
    );
  };

  const draw = () => {
    group.clearLayers();
    for (const f of positions) {
      const p = f.properties || {};
      const [lon, lat] = f.geometry.coordinates;
      const color = palette.colorOf(p.device);
      const dot = h('span', { class: `live-dot ${ageClass(ageOf(p))}` });
      dot.style.backgroundColor = color;
      const text = `${p.officer || p.device} – ${t('live.ago', { age: formatDuration(Math.round(ageOf(p))) })}`;
      const marker = L.marker([lat, lon], {
        pane: PANES.live.name,
        pmIgnore: true,
        keyboard: true,
        title: text,
        alt: text,
        icon: L.divIcon({ className: 'live-marker', html: dot, iconSize: [22, 22] }),
      });
      marker.bindTooltip(() => h('span', {}, p.officer || p.device), { permanent: true, direction: 'right', offset: [10, 0], className: 'live-label' });
      marker.bindPopup(() => popup(p), { maxWidth: 280, minWidth: 200 });
      group.addLayer(marker);
    }
    return positions.length;
  };

  const accept = (data) => {
    const fc = JSON.parse(data);
    if (fc && typeof fc.now === 'string' && !Number.isNaN(Date.parse(fc.now))) skew = Date.parse(fc.now) - Date.now();
    positions = (fc?.features || []).filter((f) => f?.geometry?.type === 'Point' && f.properties?.time);
    palette.register(positions.map((f) => f.properties.device));
    return draw();
  };

  def = {
    name: 'live',
    defaultOn: false,
    depends: ['unit'],
    layer: group,
    swatch: { shape: 'dot', fill: DEVICE_COLORS[0], stroke: '#ffffff' },
    load(view, signal) {
      close();
      shownView = view;
      positions = [];
      group.clearLayers();
      return new Promise((resolve, reject) => {
        let settled = false;
        const es = new EventSource(liveURL(view.unit.code));
        source = es;
        const timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          close();
          reject(new Error('no positions from the live stream'));
        }, FIRST_EVENT_MS);
        const settle = (fn) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        signal?.addEventListener('abort', () => {
          if (source === es) close();
          settle(() => reject(abortError()));
        });
        es.addEventListener('positions', (ev) => {
          let n;
          try {
            n = accept(ev.data);
          } catch (err) {
            settle(() => reject(err));
            return;
          }
          if (settled) def.onCountChange?.(n);
          settle(() => resolve(n));
          def.onLegendChange?.();
        });
        es.addEventListener('error', () => {
          // A refused stream (no such route, no session) is closed for
          // good; a dropped one reconnects by itself.
          if (es.readyState === EventSource.CLOSED) {
            if (source === es) close();
            settle(() => reject(unavailable()));
          }
        });
        clearInterval(ageTimer);
        ageTimer = setInterval(() => {
          if (source === es && positions.length > 0) draw();
        }, AGE_TICK_MS);
      });
    },
    off: close,
    clear() {
      close();
      positions = [];
      group.clearLayers();
    },
    legend() {
      const items = positions.map((f) => ({
        label: `${f.properties.officer || f.properties.device} – ${t('live.ago', { age: formatDuration(Math.round(ageOf(f.properties))) })}`,
        shape: 'dot',
        fill: palette.colorOf(f.properties.device),
        stroke: '#ffffff',
      }));
      return legend(items, { note: t('live.note') });
    },
    toGeoJSON: () => ({ type: 'FeatureCollection', features: positions }),
  };
  return def;
}
