// admin/devices.js is the devices tab: register a phone or tracker in the
// unit (its secret is shown once), rotate its secret, deactivate or
// reactivate it, assign it to an officer for a period, and watch its last
// fix, battery and fixes today.

import { h } from '../dom.js';
import { formatNumber } from '../i18n.js';
import { showError, showMessage } from '../notify.js';
import { addDays, todayIn } from '../time.js';
import { at } from './i18n.js';
import { table, identifier, confirmButton, actionButton, field, formError, openDialog, showSecret, section, when } from './ui.js';

// secretHints tells how a phone app uses a device's id and secret.
export function secretHints(id, secret) {
  const osmand = `${window.location.origin}/osmand?id=${encodeURIComponent(id)}&key=${encodeURIComponent(secret)}`;
  return [at('secret.osmand', { url: osmand }), at('secret.owntracks', { url: `${window.location.origin}/owntracks`, id })];
}

// registerDevice registers id in unit and shows its secret once.
export async function registerDevice(api, unit, id, name) {
  const d = await api.createDevice(unit, id, name || '');
  await showSecret({ title: at('device.secretTitle', { id: d.id }), secret: d.secret, hints: secretHints(d.id, d.secret) });
  return d;
}

export async function render(ctx, el) {
  if (!ctx.unit) {
    el.append(h('p', { class: 'muted' }, at('common.noUnit')));
    return;
  }
  const [list, people] = await Promise.all([ctx.api.devices(ctx.unit), ctx.api.users()]);
  const unitUsers = (people.users || []).filter((u) => u.unit === ctx.unit && !u.disabled);
  const zone = ctx.zone();

  const idInput = h('input', { type: 'text', testid: 'admin-device-id', required: true, maxlength: 128, autocomplete: 'off', spellcheck: 'false' });
  const nameInput = h('input', { type: 'text', testid: 'admin-device-name', maxlength: 200 });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary', testid: 'admin-device-register' }, at('device.register'));
  const form = h('form', { class: 'admin-form', novalidate: true },
    field(at('device.id'), idInput, at('device.idHint')), field(at('device.name'), nameInput), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(error, null);
    submit.disabled = true;
    try {
      await registerDevice(ctx.api, ctx.unit, idInput.value.trim(), nameInput.value.trim());
      ctx.refresh();
    } catch (err) {
      formError(error, err);
    } finally {
      submit.disabled = false;
    }
  });

  const devices = list.devices || [];
  const rows = table([
    { title: at('device.id'), cell: (d) => identifier(d.id) },
    { title: at('device.name'), cell: (d) => d.name || '–' },
    { title: at('device.status'), cell: (d) => (d.active
      ? h('span', { class: 'admin-badge ok', testid: 'admin-device-status' }, at('device.active'))
      : h('span', { class: 'admin-badge bad', testid: 'admin-device-status', title: when(d.deactivated_at, zone) }, at('device.inactive'))) },
    { title: at('device.officer'), cell: (d) => (d.officer ? d.officer.full_name || d.officer.username : '–') },
    { title: at('device.lastSeen'), cell: (d) => when(d.last_seen, zone) },
    { title: at('device.battery'), class: 'num', cell: (d) => (typeof d.last_battery === 'number' ? `${formatNumber(d.last_battery, { maximumFractionDigits: 0 })} %` : '–') },
    { title: at('device.fixesToday'), class: 'num', cell: (d) => formatNumber(d.fixes_today || 0) },
    { title: '', class: 'actions', cell: (d) => [
      confirmButton(at('device.rotate'), at('device.rotateConfirm'), async () => {
        try {
          const r = await ctx.api.rotateSecret(d.id);
          await showSecret({ title: at('device.secretTitle', { id: d.id }), secret: r.secret, hints: secretHints(d.id, r.secret) });
          ctx.refresh();
        } catch (err) {
          showError(err);
        }
      }, { testid: 'admin-device-rotate' }),
      confirmButton(d.active ? at('device.deactivate') : at('device.activate'), at('common.confirm'), async () => {
        try {
          await ctx.api.updateDevice(d.id, { active: !d.active });
          const key = d.active ? 'device.deactivated' : 'device.activated';
          showMessage(() => at(key, { id: d.id }));
          ctx.refresh();
        } catch (err) {
          showError(err);
        }
      }, { testid: 'admin-device-toggle', class: d.active ? 'button small danger' : 'button small' }),
      actionButton(at('device.assignments'), () => assignments(ctx, d, unitUsers), { testid: 'admin-device-assign' }),
    ] },
  ], devices, { testid: 'admin-devices', rowProps: (d) => ({ testid: 'admin-device-row', dataset: { device: d.id, active: String(d.active) } }), empty: at('device.none') });

  el.append(section(at('device.registerTitle'), form, error), section(at('device.listTitle', { unit: ctx.unit }), rows));
}

// assignments shows a device's assignments (each can be ended) and a form
// to assign it to a person of the unit for a period.
async function assignments(ctx, d, people) {
  const zone = ctx.zone();
  let detail;
  try {
    detail = await ctx.api.device(d.id);
  } catch (err) {
    showError(err);
    return;
  }
  const listBox = h('div', {});
  const renderList = (list) => {
    listBox.replaceChildren(table([
      { title: at('device.officer'), cell: (a) => a.full_name || a.username },
      { title: at('assign.from'), cell: (a) => when(a.from, zone) },
      { title: at('assign.to'), cell: (a) => (a.to ? when(a.to, zone) : at('assign.open')) },
      { title: '', class: 'actions', cell: (a) => (a.to && Date.parse(a.to) <= Date.now() ? '' : confirmButton(at('assign.end'), at('common.confirm'), async () => {
        try {
          await ctx.api.endAssignment(d.id, a.id);
          const again = await ctx.api.device(d.id);
          renderList(again.assignments || []);
          changed = true;
        } catch (err) {
          showError(err);
        }
      }, { testid: 'admin-assignment-end' })) },
    ], list, { testid: 'admin-assignments', rowProps: () => ({ testid: 'admin-assignment-row' }), empty: at('assign.none') }));
  };
  let changed = false;
  renderList(detail.assignments || []);

  const who = h('select', { testid: 'admin-assign-user' }, people.map((u) => h('option', { value: u.username }, `${u.full_name || u.username} (${u.username})`)));
  const today = todayIn(zone);
  const from = h('input', { type: 'date', testid: 'admin-assign-from', value: today });
  const to = h('input', { type: 'date', testid: 'admin-assign-to' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const add = actionButton(at('assign.add'), async () => {
    formError(error, null);
    try {
      // The form's end date is inclusive; the API's periods are half-open.
      await ctx.api.assign(d.id, { username: who.value, from: from.value, to: to.value ? addDays(to.value, 1) : '' });
      const again = await ctx.api.device(d.id);
      renderList(again.assignments || []);
      changed = true;
    } catch (err) {
      formError(error, err);
    }
  }, { class: 'button primary', testid: 'admin-assign-save' });
  await openDialog({
    title: at('assign.title', { id: d.id }),
    testid: 'admin-assign-dialog',
    content: h('div', {}, listBox,
      people.length === 0 ? h('p', { class: 'muted' }, at('assign.nobody')) : h('div', { class: 'admin-form' },
        field(at('device.officer'), who), field(at('assign.from'), from), field(at('assign.toInclusive'), to), add),
      error),
  });
  if (changed) ctx.refresh();
}
