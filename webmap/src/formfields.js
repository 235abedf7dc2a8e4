// formfields.js holds what the area and incident dialogs share: labelled
// fields, each with its error line, a general error line, and the mapping of
// a server's problem+json "errors" onto the fields.

import { h } from './dom.js';
import { errorMessage } from './notify.js';

// fieldIn maps a server error's field ("name", "properties.name",
// "/properties/name", "incidents[0].time") to the one of fields it ends
// with, or null.
export function fieldIn(fields, path) {
  if (typeof path !== 'string') return null;
  const last = path.split(/[./[\]]/).filter(Boolean).pop();
  return fields.includes(last) ? last : null;
}

// serverErrors splits an ApiError's field errors between the form's inputs
// (byField, by name through fieldOf) and a general message: the error's own
// message and those of fields the form does not show, or '' when every
// error found its field.
export function serverErrors(err, inputs, fieldOf) {
  const byField = {};
  const unmatched = [];
  for (const e of err.errors || []) {
    const name = fieldOf(e.field);
    const text = String(e.message || e.error || '');
    if (name && inputs[name]) byField[name] = text;
    else unmatched.push(text);
  }
  const message = Object.keys(byField).length > 0 && unmatched.length === 0
    ? ''
    : [errorMessage(err), ...unmatched].filter(Boolean).join(' ');
  return { byField, message };
}

// fieldSet builds the fields of a form whose test ids start with prefix.
// field(name, labelText, input) returns the labelled input with its error
// line (id and testid `${prefix}-error-${name}`); general is the form's own
// error line; show(byField, message) writes each field's error, marks its
// input aria-invalid, writes message in general and focuses the first field
// in error.
export function fieldSet(prefix) {
  const inputs = {};
  const errors = {};
  const general = h('p', { class: 'form-error', testid: `${prefix}-form-error`, role: 'alert', hidden: true });
  const field = (name, labelText, input) => {
    inputs[name] = input;
    errors[name] = h('p', { class: 'field-error', id: `${prefix}-error-${name}`, testid: `${prefix}-error-${name}`, hidden: true });
    input.setAttribute('aria-describedby', errors[name].id);
    return h('label', { class: 'field' }, h('span', {}, labelText), input, errors[name]);
  };
  const show = (byField, message) => {
    for (const name of Object.keys(errors)) {
      const text = byField[name];
      errors[name].textContent = text || '';
      errors[name].hidden = !text;
      inputs[name].setAttribute('aria-invalid', text ? 'true' : 'false');
    }
    general.textContent = message || '';
    general.hidden = !message;
    const first = Object.keys(byField).find((name) => inputs[name]);
    if (first) inputs[first].focus();
  };
  return { inputs, general, field, show };
}
