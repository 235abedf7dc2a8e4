// areaform.js is the small form for an area's fields (name, kind, buffer,
// required visits per night, minimum dwell), shown in a modal <dialog>. It
// checks the values, hands them to a save function and shows the server's
// field errors (problem+json "errors") next to the fields.

import { h } from './dom.js';
import { t, label } from './i18n.js';
import { fieldIn, fieldSet, serverErrors } from './formfields.js';

const POLYGON_KINDS = ['key_area', 'residential_group', 'other'];
const LINE_KINDS = ['key_road', 'other'];
export const DEFAULT_AREA = { buffer_m: 25, required_night_visits: 1, min_dwell_min: 0 };

// FIELDS lists the form fields by API property name.
const FIELDS = ['name', 'kind', 'buffer_m', 'required_night_visits', 'min_dwell_min'];

// fieldOf maps a server error's field ("properties.name", "/properties/name",
// "name") to one of FIELDS, or null.
export function fieldOf(path) {
  return fieldIn(FIELDS, path);
}

// openAreaForm shows the form. values holds the starting properties;
// isLine picks the kinds on offer and shows the buffer field; save(props)
// must resolve when the server has stored them (or throw an ApiError).
// The returned promise resolves true when saved, false when cancelled.
export function openAreaForm({ title, values = {}, isLine = false, save }) {
  return new Promise((resolve) => {
    const v = { ...DEFAULT_AREA, ...values };
    const kinds = isLine ? LINE_KINDS : POLYGON_KINDS;
    const { inputs, general, field, show: showErrors } = fieldSet('area');

    const kindSelect = h('select', { name: 'kind', testid: 'area-kind' },
      kinds.map((k) => h('option', { value: k, selected: k === v.kind }, label('kind', k))));
    if (!kinds.includes(v.kind)) kindSelect.value = kinds[0];

    const number = (name, testid, min, step) =>
      h('input', { type: 'number', name, testid, min, step, inputmode: 'numeric', required: true, value: String(v[name] ?? '') });

    const saveButton = h('button', { type: 'submit', class: 'button primary', testid: 'area-save' }, t('area.save'));
    const cancelButton = h('button', { type: 'button', class: 'button', testid: 'area-cancel' }, t('area.cancel'));

    const form = h('form', { class: 'area-form', testid: 'area-form', novalidate: true },
      h('h2', {}, title),
      field('name', t('area.name'), h('input', { type: 'text', name: 'name', testid: 'area-name', required: true, maxlength: 200, value: v.name || '' })),
      field('kind', t('area.kind'), kindSelect),
      isLine ? field('buffer_m', t('area.bufferUnit'), number('buffer_m', 'area-buffer', 0, 1)) : null,
      field('required_night_visits', t('area.visits'), number('required_night_visits', 'area-visits', 1, 1)),
      field('min_dwell_min', t('area.dwell'), number('min_dwell_min', 'area-dwell', 0, 1)),
      general,
      h('div', { class: 'form-actions' }, cancelButton, saveButton),
    );
    const dialog = h('dialog', { class: 'dialog', testid: 'area-dialog' }, form);
    document.body.append(dialog);

    let saved = false;
    const finish = () => {
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(saved);
    });
    cancelButton.addEventListener('click', finish);

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const { props, problems } = collect(inputs, isLine);
      if (Object.keys(problems).length > 0) {
        showErrors(problems, '');
        return;
      }
      showErrors({}, '');
      saveButton.disabled = true;
      saveButton.textContent = t('area.saving');
      try {
        await save(props);
        saved = true;
        finish();
      } catch (err) {
        const { byField, message } = serverErrors(err, inputs, fieldOf);
        showErrors(byField, message);
      } finally {
        saveButton.disabled = false;
        saveButton.textContent = t('area.save');
      }
    });

    dialog.showModal();
    inputs.name.focus();
  });
}

function collect(inputs, isLine) {
  const problems = {};
  const name = inputs.name.value.trim();
  if (name === '') problems.name = t('area.nameRequired');
  const whole = (input, min) => {
    const n = Number(input.value);
    return input.value.trim() !== '' && Number.isInteger(n) && n >= min ? n : null;
  };
  const props = { name, kind: inputs.kind.value };
  if (isLine) {
    const buffer = Number(inputs.buffer_m.value);
    if (inputs.buffer_m.value.trim() === '' || !Number.isFinite(buffer) || buffer < 0) problems.buffer_m = t('area.numberInvalid');
    else props.buffer_m = buffer;
  }
  const visits = whole(inputs.required_night_visits, 1);
  if (visits === null) problems.required_night_visits = t('area.wholeInvalid');
  else props.required_night_visits = visits;
  const dwell = Number(inputs.min_dwell_min.value);
  if (inputs.min_dwell_min.value.trim() === '' || !Number.isFinite(dwell) || dwell < 0) problems.min_dwell_min = t('area.numberInvalid');
  else props.min_dwell_min = dwell;
  return { props, problems };
}
