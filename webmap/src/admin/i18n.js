// admin/i18n.js translates the administration pages' own strings (kept out
// of messages.js, so the map's bundle does not carry them): Vietnamese by
// default, English when the map is switched to it.

import { language, formatNumber, label } from '../i18n.js';
import { adminMessages } from './messages.js';

function own(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

// at returns the message for key with {name} placeholders filled.
export function at(key, params) {
  const table = adminMessages[language()] || adminMessages.vi;
  const text = own(table, key) ? table[key] : own(adminMessages.vi, key) ? adminMessages.vi[key] : key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!own(params, name)) return whole;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: 1 }) : String(v);
  });
}

// hasMessage reports whether key is translated.
export function hasMessage(key) {
  return own(adminMessages.vi, key);
}

// note turns a server note ({code, message, params}) into text in the
// active language, falling back to the server's English message.
export function note(n) {
  if (!n) return '';
  const key = `note.${n.code}`;
  if (!hasMessage(key)) return n.message || n.code;
  const params = { ...(n.params || {}), message: n.message || '' };
  if (typeof params.kind === 'string') params.kind = label('kind', params.kind);
  return at(key, params);
}
