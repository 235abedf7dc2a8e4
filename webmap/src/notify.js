// notify.js shows short messages to the user in one live region (the
// "message" test id) and turns errors into sentences.

import { h, byId, clear } from './dom.js';
import { t } from './i18n.js';

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

// showMessage puts text in the message area. Errors stay until closed;
// other messages fade after a few seconds.
export function showMessage(text, kind = 'info') {
  const box = byId('message');
  clearTimeout(hideTimer);
  clear(box);
  box.dataset.kind = kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.append(
    h('span', { class: 'message-text' }, text),
    h('button', {
      type: 'button',
      class: 'message-close',
      'aria-label': t('common.close'),
      title: t('common.close'),
      onclick: hideMessage,
    }, '×'),
  );
  box.hidden = false;
  if (kind !== 'error') hideTimer = setTimeout(hideMessage, INFO_MS);
}

// showError shows errorMessage(err) as an error.
export function showError(err) {
  showMessage(errorMessage(err), 'error');
}

// hideMessage empties the message area.
export function hideMessage() {
  clearTimeout(hideTimer);
  const box = byId('message');
  box.hidden = true;
  clear(box);
}
