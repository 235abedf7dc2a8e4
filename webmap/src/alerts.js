// alerts.js shows deadline alerts as a banner over the map. The server
// pushes them on the live stream (GET /api/v1/live?unit=CODE, event
// "alerts": {"unit","alerts":[…]}, the alerts of the last night); the banner
// lists those not yet acknowledged, each with its key area, requirement,
// deadline and the nearest on-duty officer, and a button that acknowledges it
// (POST /api/v1/alerts/{id}/ack). The stream stays open whatever layers are
// on, and EventSource reconnects by itself after a network drop.
//
// Its words live here (Vietnamese first), so the main map's message table is
// left alone.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { language, onLanguageChange, formatNumber } from './i18n.js';
import { showError } from './notify.js';
import { partsInZone } from './time.js';

export const ALERT_TEXT = {
  vi: {
    title: 'Cảnh báo quá hạn',
    requirement: (n, min) => `cần ${n} lượt tuần tra${min > 0 ? `, mỗi lượt ít nhất ${min} phút` : ''}`,
    deadline: (time, visits) => `quá hạn ${time}, mới có ${visits} lượt đạt`,
    nearest: (who, m) => `Cán bộ trực gần nhất: ${who}, cách ${m} m`,
    noNearest: 'Không có cán bộ đang trực có vị trí gần đây',
    ack: 'Xác nhận đã nhận',
    acked: (by) => `Đã xác nhận: ${by}`,
    more: (n) => `và ${n} cảnh báo khác`,
  },
  en: {
    title: 'Deadline alert',
    requirement: (n, min) => `needs ${n} ${n === 1 ? 'visit' : 'visits'}${min > 0 ? ` of at least ${min} min` : ''}`,
    deadline: (time, visits) => `overdue since ${time}, ${visits} counted so far`,
    nearest: (who, m) => `Nearest on-duty officer: ${who}, ${m} m away`,
    noNearest: 'No on-duty officer with a recent position',
    ack: 'Acknowledge',
    acked: (by) => `Acknowledged: ${by}`,
    more: (n) => `and ${n} more`,
  },
};

function words() {
  return ALERT_TEXT[language()] || ALERT_TEXT.vi;
}

// clockIn writes an instant as HH:mm on the clock of a time zone.
export function clockIn(instant, timeZone) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.hour}:${p.minute}` : '';
}

// alertLines returns the texts of one alert: [title line, requirement line,
// nearest officer line].
export function alertLines(alert, timeZone, w = words()) {
  const n = alert.nearest;
  return [
    `${w.title}: ${alert.area_name}`,
    `${w.requirement(alert.required, alert.min_dwell_min)}; ${w.deadline(clockIn(alert.deadline_at, timeZone), alert.visits)}`,
    n ? w.nearest(n.name ? `${n.name} (${n.device})` : n.device, formatNumber(Math.round(n.distance_m))) : w.noNearest,
  ];
}

// openAlerts returns the alerts not yet acknowledged, the latest deadline first.
export function openAlerts(alerts) {
  return (Array.isArray(alerts) ? alerts : [])
    .filter((a) => a && !a.acknowledged_at)
    .sort((a, b) => Date.parse(b.deadline_at) - Date.parse(a.deadline_at) || a.id - b.id);
}

const SHOWN = 3;

// createAlertBanner puts the banner into container and returns
// {setUnit(unitProperties)} to follow the unit the map shows.
export function createAlertBanner({ container }) {
  const banner = h('section', { class: 'alert-banner', testid: 'alert-banner', role: 'alert', hidden: true });
  container.append(banner);
  let source = null;
  let alerts = [];
  let timeZone = 'Asia/Ho_Chi_Minh';

  const ack = async (alert, button) => {
    button.disabled = true;
    try {
      const got = await api.ackAlert(alert.id);
      alerts = alerts.map((a) => (a.id === got.id ? got : a));
      draw();
    } catch (err) {
      button.disabled = false;
      showError(err);
    }
  };

  const draw = () => {
    clear(banner);
    const open = openAlerts(alerts);
    banner.hidden = open.length === 0;
    const w = words();
    for (const a of open.slice(0, SHOWN)) {
      const [title, req, nearest] = alertLines(a, timeZone, w);
      const button = h('button', { type: 'button', class: 'alert-ack', testid: 'alert-ack' }, w.ack);
      button.addEventListener('click', () => ack(a, button));
      banner.append(h('div', { class: 'alert-item', testid: 'alert-item', 'data-area-id': String(a.area_id) },
        h('div', { class: 'alert-text' },
          h('strong', { class: 'alert-title' }, title),
          h('span', { class: 'alert-req' }, req),
          h('span', { class: 'alert-nearest' }, nearest)),
        button));
    }
    if (open.length > SHOWN) banner.append(h('p', { class: 'alert-more' }, w.more(open.length - SHOWN)));
  };
  onLanguageChange(draw);

  return {
    setUnit(unit) {
      if (source) source.close();
      alerts = [];
      draw();
      if (!unit?.code) return;
      timeZone = unit.timezone || timeZone;
      source = new EventSource(`/api/v1/live?unit=${encodeURIComponent(unit.code)}`);
      source.addEventListener('alerts', (ev) => {
        try {
          const body = JSON.parse(ev.data);
          if (body?.unit !== unit.code) return;
          alerts = Array.isArray(body.alerts) ? body.alerts : [];
          draw();
        } catch (err) {
          console.warn('alerts:', err);
        }
      });
    },
  };
}
