// routeform.js is the small dialog for a drawn patrol route: its name and
// the night it is planned for. save({name, night}) must resolve once the
// server stored it (or throw an ApiError); the promise resolves true when
// saved, false when cancelled.

import { h } from './dom.js';
import { createDateInput, parseDMY } from './dateinput.js';
import { t } from './i18n.js';
import { errorMessage } from './notify.js';
import { isLocalDate } from './time.js';

export function openRouteForm({ night, save }) {
  return new Promise((resolve) => {
    const name = h('input', { type: 'text', name: 'name', testid: 'route-name', maxlength: 200, required: true });
    const dateField = createDateInput({ id: 'route-night', testid: 'route-night', required: true, value: night || '' });
    const date = dateField.input;
    const error = h('p', { class: 'form-error', testid: 'route-form-error', role: 'alert', hidden: true });
    const saveButton = h('button', { type: 'submit', class: 'button primary', testid: 'route-form-save' }, t('area.save'));
    const cancel = h('button', { type: 'button', class: 'button', testid: 'route-form-cancel' }, t('area.cancel'));
    const form = h('form', { class: 'route-form', testid: 'route-form', novalidate: true },
      h('h2', {}, t('route.newTitle')),
      h('label', { class: 'field' }, h('span', {}, t('area.name')), name),
      h('label', { class: 'field', for: 'route-night' }, h('span', {}, t('route.night')), dateField.element),
      error,
      h('div', { class: 'form-actions' }, cancel, saveButton),
    );
    const dialog = h('dialog', { class: 'dialog', testid: 'route-dialog' }, form);
    document.body.append(dialog);
    let saved = false;
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(saved);
    });
    cancel.addEventListener('click', () => dialog.close());
    const fail = (text, input) => {
      error.textContent = text;
      error.hidden = !text;
      input?.focus();
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (name.value.trim() === '') return fail(t('area.nameRequired'), name);
      const iso = parseDMY(date.value) || '';
      if (!isLocalDate(iso)) return fail(t('route.nightInvalid'), date);
      fail('', null);
      saveButton.disabled = true;
      try {
        await save({ name: name.value.trim(), night: iso });
        saved = true;
        dialog.close();
      } catch (err) {
        fail(errorMessage(err), null);
      } finally {
        saveButton.disabled = false;
      }
      return undefined;
    });
    dialog.showModal();
    name.focus();
  });
}
