// admin/rejections.js is the rejection log: the device ids that keep sending
// fixes without being registered (each registered in the chosen unit with
// one click, its secret shown once), then the latest refused inputs with
// their reasons.

import { h } from '../dom.js';
import { formatNumber } from '../i18n.js';
import { showError } from '../notify.js';
import { at } from './i18n.js';
import { registerDevice } from './devices.js';
import { table, actionButton, section, when } from './ui.js';

const KNOCK_DAYS = 14;

export async function render(ctx, el) {
  const [knocking, log] = await Promise.all([ctx.api.knocking(KNOCK_DAYS), ctx.api.rejections(200)]);
  const zone = ctx.zone();
  const unitName = (ctx.units.find((u) => u.code === ctx.unit) || {}).name || ctx.unit;

  const knockTable = table([
    { title: at('device.id'), cell: (k) => h('code', {}, k.device) },
    { title: at('reject.attempts'), class: 'num', cell: (k) => formatNumber(k.attempts) },
    { title: at('reject.first'), cell: (k) => when(k.first_at, zone) },
    { title: at('reject.last'), cell: (k) => when(k.last_at, zone) },
    { title: at('reject.source'), cell: (k) => k.source },
    { title: at('reject.addr'), cell: (k) => k.addr || '–' },
    { title: at('reject.reason'), cell: (k) => k.reason },
    { title: '', class: 'actions', cell: (k) => (ctx.unit ? actionButton(at('reject.register', { unit: unitName }), async () => {
      try {
        await registerDevice(ctx.api, ctx.unit, k.device, '');
        ctx.refresh();
      } catch (err) {
        showError(err);
      }
    }, { class: 'button small primary', testid: 'admin-knock-register' }) : '') },
  ], knocking.devices || [], {
    testid: 'admin-knocking',
    rowProps: (k) => ({ testid: 'admin-knock-row', dataset: { device: k.device } }),
    empty: at('reject.noneKnocking', { days: KNOCK_DAYS }),
  });

  const logTable = table([
    { title: at('reject.time'), cell: (r) => when(r.received_at, zone) },
    { title: at('device.id'), cell: (r) => (r.device ? h('code', {}, r.device) : '–') },
    { title: at('reject.source'), cell: (r) => r.source || '–' },
    { title: at('reject.reason'), cell: (r) => r.reason },
    { title: at('reject.raw'), cell: (r) => (r.raw ? h('code', { title: r.raw }, r.raw.length > 120 ? `${r.raw.slice(0, 120)}…` : r.raw) : '–') },
    { title: at('reject.addr'), cell: (r) => r.addr || '–' },
  ], log.rejections || [], { testid: 'admin-rejections', rowProps: () => ({ testid: 'admin-rejection-row' }), empty: at('reject.none') });

  el.append(
    section(at('reject.knockingTitle', { days: KNOCK_DAYS }), h('p', { class: 'muted' }, at('reject.knockingIntro')), knockTable),
    section(at('reject.logTitle'), logTable),
  );
}
