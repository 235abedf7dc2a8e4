// admin/ui.js holds the small building blocks of the administration pages:
// tables, two-step confirm buttons, dialogs, the one-time secret display and
// form error handling. Text from the server always goes in as text (dom.h).

import { h, clear } from '../dom.js';
import { formatDateTime } from '../i18n.js';
import { errorMessage } from '../notify.js';
import { at } from './i18n.js';
import { idParts } from './identifier.js';

// when writes an instant as dd/MM/yyyy HH:mm in a time zone, or "–".
export function when(instant, zone) {
  return instant ? formatDateTime(instant, zone) : '–';
}

// identifier shows an id (a device id, a username, a unit code) in code type
// that wraps only after its separators (identifier.js), never mid-word.
export function identifier(id, props = {}) {
  const parts = idParts(id);
  const children = parts.flatMap((p, i) => (i < parts.length - 1 ? [p, h('wbr')] : [p]));
  return h('code', { class: 'admin-id', ...props }, children);
}

// table builds a <table>. columns: [{title, cell(row) → node|text, class}];
// rowProps(row) gives each <tr>'s props (testid, dataset…). On a phone the
// stylesheet shows each row as a card headed by its key column (the one
// marked key: true, else the first; class "key"), every other cell under its
// column's title (data-label).
export function table(columns, rows, { testid, rowProps, empty } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted admin-empty', testid: testid ? `${testid}-empty` : undefined }, empty || at('common.none'));
  const key = Math.max(0, columns.findIndex((c) => c.key));
  const cellClass = (c, i) => [i === key ? 'key' : '', c.class || ''].join(' ').trim() || undefined;
  return h('div', { class: 'admin-table-wrap' },
    h('table', { class: 'admin-table', testid },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.title)))),
      h('tbody', {}, rows.map((row) => h('tr', rowProps ? rowProps(row) : {},
        columns.map((c, i) => h('td', { class: cellClass(c, i), 'data-label': c.title || undefined }, h('span', { class: 'cell' }, c.cell(row)))))))));
}

// confirmButton runs action on a second click within a few seconds; the
// first click arms it (its text asks to confirm, data-armed="true").
export function confirmButton(text, confirmText, action, props = {}) {
  const button = h('button', { type: 'button', class: 'button small', ...props }, text);
  let timer = 0;
  const disarm = () => {
    clearTimeout(timer);
    button.dataset.armed = 'false';
    button.textContent = text;
  };
  button.dataset.armed = 'false';
  button.addEventListener('click', async () => {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.textContent = confirmText;
      timer = setTimeout(disarm, 5000);
      return;
    }
    disarm();
    await whileDisabled(button, action);
  });
  return button;
}

// actionButton runs an async action with the button disabled meanwhile.
export function actionButton(text, action, props = {}) {
  const button = h('button', { type: 'button', class: 'button small', ...props }, text);
  button.addEventListener('click', () => whileDisabled(button, action));
  return button;
}

// whileDisabled runs an async action with button disabled until it settles.
async function whileDisabled(button, action) {
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

// field wraps an input with its label and an optional hint.
export function field(labelText, input, hint) {
  return h('label', { class: 'field admin-field' }, h('span', {}, labelText), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

// formError shows err in box (a <p class="form-error">), with the server's
// field errors listed after its message.
export function formError(box, err) {
  if (!err) {
    box.hidden = true;
    clear(box);
    return;
  }
  const fields = (err.errors || []).map((e) => `${e.field}: ${e.message}`);
  box.textContent = [errorMessage(err), ...fields.filter((f) => !errorMessage(err).includes(f))].join(' — ');
  box.hidden = false;
}

// openDialog shows a modal dialog with a title, content and action buttons.
// It returns a promise that resolves when the dialog closes, with a close()
// method to close it from an action.
export function openDialog({ title, content, actions = [], testid }) {
  const close = h('button', { type: 'button', class: 'button', testid: testid ? `${testid}-close` : undefined }, at('common.close'));
  const dialog = h('dialog', { class: 'dialog admin-dialog', testid }, h('h2', {}, title), content, h('div', { class: 'form-actions' }, actions, close));
  const closed = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
  });
  close.addEventListener('click', () => dialog.close());
  document.body.append(dialog);
  dialog.showModal();
  closed.close = () => dialog.close();
  return closed;
}

// showSecret shows a device secret or bearer token once, with a copy button.
export function showSecret({ title, secret, hints = [] }) {
  const value = h('code', { class: 'admin-secret', testid: 'admin-secret-value' }, secret);
  const copy = h('button', { type: 'button', class: 'button', testid: 'admin-secret-copy' }, at('secret.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = at('secret.copied');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(value);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
  });
  return openDialog({
    title,
    testid: 'admin-secret-dialog',
    content: h('div', {}, h('p', {}, at('secret.once')), value, hints.map((t) => h('p', { class: 'muted admin-hint' }, t))),
    actions: [copy],
  });
}

// section is a titled block of a page.
export function section(title, ...children) {
  return h('section', { class: 'admin-section' }, h('h2', {}, title), children);
}
