// admin/rejections.js is the rejection log: the device ids whose fixes are
// refused (not registered, or a missing or wrong key) with the requests kept
// for them — an unregistered one is registered in the chosen unit with one
// click, its secret shown once; a registered one gets its kept requests
// replayed with one click — then the latest refused inputs with their reasons.

import { h } from '../dom.js';
import { formatNumber } from '../i18n.js';
import { showError, showMessage } from '../notify.js';
import { at } from './i18n.js';
import { registerDevice } from './devices.js';
import { table, identifier, actionButton, section, when } from './ui.js';

const KNOCK_DAYS = 14;

// actionCell registers an unknown device, or replays the kept requests of a
// registered one.
function actionCell(ctx, k, unitName) {
  if (k.registered) {
    if (!k.kept) return '';
    return actionButton(at('reject.replay', { n: formatNumber(k.kept) }), async () => {
      try {
        const r = await ctx.api.replay(k.device);
        showMessage(() => at('reject.replayed', { accepted: formatNumber(r.accepted), duplicates: formatNumber(r.duplicates), rejected: formatNumber(r.rejected) }));
        ctx.refresh();
      } catch (err) {
        showError(err);
      }
    }, { class: 'button small primary', testid: 'admin-knock-replay' });
  }
  if (!ctx.unit) return '';
  return actionButton(at('reject.register', { unit: unitName }), async () => {
    try {
      await registerDevice(ctx.api, ctx.unit, k.device, '');
      ctx.refresh();
    } catch (err) {
      showError(err);
    }
  }, { class: 'button small primary', testid: 'admin-knock-register' });
}

export async function render(ctx, el) {
  const [knocking, log] = await Promise.all([ctx.api.knocking(KNOCK_DAYS), ctx.api.rejections(200)]);
  const zone = ctx.zone();
  const unitName = (ctx.units.find((u) => u.code === ctx.unit) || {}).name || ctx.unit;

  const knockTable = table([
    { title: at('device.id'), cell: (k) => identifier(k.device) },
    { title: at('reject.attempts'), class: 'num', cell: (k) => formatNumber(k.attempts) },
    { title: at('reject.first'), cell: (k) => when(k.first_at, zone) },
    { title: at('reject.last'), cell: (k) => when(k.last_at, zone) },
    { title: at('reject.source'), cell: (k) => k.source },
    { title: at('reject.addr'), cell: (k) => k.addr || '–' },
    { title: at('reject.reason'), cell: (k) => k.reason },
    { title: at('reject.kept'), class: 'num', cell: (k) => formatNumber(k.kept || 0) },
    { title: '', class: 'actions', cell: (k) => actionCell(ctx, k, unitName) },
  ], knocking.devices || [], {
    testid: 'admin-knocking',
    rowProps: (k) => ({ testid: 'admin-knock-row', dataset: { device: k.device } }),
    empty: at('reject.noneKnocking', { days: KNOCK_DAYS }),
  });

  const logTable = table([
    { title: at('reject.time'), cell: (r) => when(r.received_at, zone) },
    { title: at('device.id'), cell: (r) => (r.device ? identifier(r.device) : '–') },
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
