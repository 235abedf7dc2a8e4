// admin/units.js is the units tab: the units in the admin's scope with their
// time zone, night window and H3 resolution; create one (admins of all
// units), edit one, and check that its residential groups tile its boundary
// (gaps and overlaps in m²). Boundaries come from the import tab.

import { h } from '../dom.js';
import { showError, showMessage } from '../notify.js';
import { DEFAULT_TIME_ZONE } from '../time.js';
import { at, note } from './i18n.js';
import { table, identifier, actionButton, field, formError, openDialog, section } from './ui.js';

function unitInputs(u = {}) {
  return {
    name: h('input', { type: 'text', testid: 'admin-unit-name', maxlength: 200, value: u.name || '' }),
    timezone: h('input', { type: 'text', testid: 'admin-unit-timezone', value: u.timezone || DEFAULT_TIME_ZONE }),
    night_start: h('input', { type: 'time', testid: 'admin-unit-night-start', value: u.night_start || '22:00' }),
    night_end: h('input', { type: 'time', testid: 'admin-unit-night-end', value: u.night_end || '05:00' }),
    h3_res: h('select', { testid: 'admin-unit-res' }, [8, 9, 10, 11].map((r) => h('option', { value: String(r), selected: r === (u.h3_res || 10) }, String(r)))),
  };
}

function unitBody(inputs) {
  return {
    name: inputs.name.value.trim(), timezone: inputs.timezone.value.trim(), night_start: inputs.night_start.value,
    night_end: inputs.night_end.value, h3_res: Number(inputs.h3_res.value),
  };
}

export async function render(ctx, el) {
  await ctx.reloadUnits();
  const list = table([
    { title: at('unit.code'), cell: (u) => identifier(u.code) },
    { title: at('unit.name'), cell: (u) => u.name },
    { title: at('unit.timezone'), cell: (u) => u.timezone },
    { title: at('unit.night'), cell: (u) => `${u.night_start}–${u.night_end}` },
    { title: at('unit.res'), class: 'num', cell: (u) => String(u.h3_res) },
    { title: at('unit.boundary'), cell: (u) => (u.boundary ? at('unit.hasBoundary') : h('span', { class: 'admin-badge warn' }, at('unit.noBoundary'))) },
    { title: '', class: 'actions', cell: (u) => {
      const result = h('div', { class: 'admin-inline', testid: 'admin-tiling-result' });
      return [
        actionButton(at('unit.edit'), () => edit(ctx, u), { testid: 'admin-unit-edit' }),
        actionButton(at('unit.checkTiling'), async () => {
          try {
            result.replaceChildren(tilingSummary(await ctx.api.tiling(u.code)));
          } catch (err) {
            showError(err);
          }
        }, { testid: 'admin-unit-tiling' }),
        result,
      ];
    } },
  ], ctx.units, { testid: 'admin-units', rowProps: (u) => ({ testid: 'admin-unit-row', dataset: { unit: u.code } }) });
  el.append(section(at('unit.listTitle'), list));

  if (!ctx.user.unit) {
    const code = h('input', { type: 'text', testid: 'admin-unit-code', maxlength: 63, autocapitalize: 'none', spellcheck: 'false' });
    const inputs = unitInputs();
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'button primary', testid: 'admin-unit-create' }, at('unit.create'));
    const form = h('form', { class: 'admin-form', novalidate: true },
      field(at('unit.code'), code, at('unit.codeHint')), field(at('unit.name'), inputs.name), field(at('unit.timezone'), inputs.timezone),
      field(at('unit.nightStart'), inputs.night_start), field(at('unit.nightEnd'), inputs.night_end), field(at('unit.res'), inputs.h3_res), submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      formError(error, null);
      submit.disabled = true;
      try {
        await ctx.api.createUnit({ code: code.value.trim(), ...unitBody(inputs) });
        const created = code.value.trim();
        ctx.unit = created;
        showMessage(() => at('unit.created', { code: created }));
        ctx.refresh();
      } catch (err) {
        formError(error, err);
      } finally {
        submit.disabled = false;
      }
    });
    el.append(section(at('unit.createTitle'), h('p', { class: 'muted' }, at('unit.createIntro')), form, error));
  }
}

// tilingSummary says whether the groups tile the boundary, with the numbers.
export function tilingSummary(t) {
  if (!t.checked) return h('span', { class: 'admin-badge warn', testid: 'admin-tiling' }, t.note ? note(t.note) : '–');
  if (t.tiles) {
    return h('span', { class: 'admin-badge ok', testid: 'admin-tiling', dataset: { tiles: 'true' } },
      at('tiling.ok', { groups: t.groups, area: t.boundary_area_m2 }));
  }
  return h('span', { class: 'admin-badge bad', testid: 'admin-tiling', dataset: { tiles: 'false' } },
    at('tiling.bad', { gap: t.gap_area_m2, overlap: t.overlap_area_m2, outside: t.outside_area_m2 }));
}

async function edit(ctx, u) {
  const inputs = unitInputs(u);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  let dialog = null;
  let saved = false;
  const save = actionButton(at('common.save'), async () => {
    formError(error, null);
    try {
      await ctx.api.updateUnit(u.code, unitBody(inputs));
      saved = true;
      dialog.close();
    } catch (err) {
      formError(error, err);
    }
  }, { class: 'button primary', testid: 'admin-unit-save' });
  dialog = openDialog({ title: at('unit.editTitle', { code: u.code }), testid: 'admin-unit-dialog', actions: [save],
    content: h('div', {}, field(at('unit.name'), inputs.name), field(at('unit.timezone'), inputs.timezone),
      field(at('unit.nightStart'), inputs.night_start), field(at('unit.nightEnd'), inputs.night_end), field(at('unit.res'), inputs.h3_res),
      h('p', { class: 'muted' }, at('unit.editHint')), error) });
  await dialog;
  if (saved) {
    showMessage(() => at('unit.saved', { code: u.code }));
    ctx.refresh();
  }
}
