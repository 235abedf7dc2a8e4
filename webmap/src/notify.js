// notify.js shows short messages to the user in one live region (the
// "message" test id) and turns errors into sentences.

import { h, byId, clear } from './dom.js';
import { t, onLanguageChange } from './i18n.js';

const INFO_MS = 6000;
let hideTimer = 0;

// errorMessage returns what to tell the user about err: the server's own
// problem title and detail when it sent them, else a generic sentence.
export function errorMessage(err) {
  if (!err) return t('error.http', { status: '?' });
  if (err.reason === 'network') return t('error.network');
  if (err.reason === 'bad-response') return t('error.badResponse');
  if (err.status === 403 && !err.detail) return t('error.forbidden');
  const parts = [err.title, err.detail].filter((s) => typeof s === 'string' && s.trim() !== '');
  if (parts.length > 0) return parts.join(': ');
  if (typeof err.status === 'number') return t('error.http', { status: err.status });
  return String(err.message || err);
}

// shown is the message on screen: how to write it (a function of the
// language) or null when it was given as fixed text, and its kind.
let shown = null;

// showMessage puts a message in the message area. text is a function that
// writes it in the current language (it is written again when the language
// changes) or fixed text (the message is dismissed when the language
// changes, as it cannot follow). Errors stay until closed; other messages
// fade after a few seconds.
export function showMessage(text, kind = 'info') {
  clearTimeout(hideTimer);
  shown = { write: typeof text === 'function' ? text : null, kind };
  render(typeof text === 'function' ? text() : text, kind);
  if (kind !== 'error') hideTimer = setTimeout(hideMessage, INFO_MS);
}

function render(text, kind) {
  const box = byId('message');
  clear(box);
  box.dataset.kind = kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.append(
    h('span', { class: 'message-text', testid: 'message-text' }, text),
    h('button', {
      type: 'button',
      class: 'message-close',
      'aria-label': t('common.close'),
      title: t('common.close'),
      onclick: hideMessage,
    }, '×'),
  );
  box.hidden = false;
}

// A message on screen follows the language: written again, or dismissed
// when it was fixed text.
onLanguageChange(() => {
  if (!shown) return;
  if (shown.write) render(shown.write(), shown.kind);
  else hideMessage();
});

// showError shows errorMessage(err) as an error, in the current language.
export function showError(err) {
  showMessage(() => errorMessage(err), 'error');
}

// hideMessage empties the message area.
export function hideMessage() {
  clearTimeout(hideTimer);
  shown = null;
  const box = byId('message');
  box.hidden = true;
  clear(box);
}
