// i18n.js picks the language (Vietnamese by default, English on request,
// remembered in localStorage), translates message keys and formats numbers,
// dates and times the way the ward reads them: dd/MM/yyyy, HH:mm (24-hour),
// 1.234,5 in Vietnamese.

import { messages } from './messages.js';
import { mapMessages } from './mapmessages.js';

// The chief's screen, the plan panel and the place popups keep their strings
// apart (mapmessages.js); they win over older ones with the same key.
for (const [lang, table] of Object.entries(mapMessages)) Object.assign(messages[lang], table);
import { DEFAULT_TIME_ZONE, partsInZone } from './time.js';

export const LANGUAGES = ['vi', 'en'];
export const DEFAULT_LANGUAGE = 'vi';
const STORAGE_KEY = 'patrolmap.lang';
const LOCALES = { vi: 'vi-VN', en: 'en-GB' };

let current = DEFAULT_LANGUAGE;
const listeners = new Set();
const numberFormats = new Map();

function own(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function storage() {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

// initLanguage restores the remembered language and applies it to the page.
export function initLanguage() {
  let stored = null;
  try {
    stored = storage()?.getItem(STORAGE_KEY) ?? null;
  } catch {
    stored = null;
  }
  current = LANGUAGES.includes(stored) ? stored : DEFAULT_LANGUAGE;
  applyToDocument();
  return current;
}

// language returns the active language code.
export function language() {
  return current;
}

// locale returns the BCP 47 locale used for Intl formatting.
export function locale() {
  return LOCALES[current];
}

// setLanguage switches language, remembers it and tells listeners.
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  try {
    storage()?.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode or a full quota: the choice lasts for this page only.
  }
  applyToDocument();
  for (const fn of listeners) fn(lang);
}

// onLanguageChange calls fn after every switch; it returns an unsubscribe.
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// has reports whether key has a message.
export function has(key) {
  return own(messages[current], key) || own(messages[DEFAULT_LANGUAGE], key);
}

// t returns the message for key in the active language with {name}
// placeholders filled from params; an unknown key comes back as itself.
export function t(key, params) {
  const text = own(messages[current], key) ? messages[current][key] : own(messages[DEFAULT_LANGUAGE], key) ? messages[DEFAULT_LANGUAGE][key] : key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (own(params, name) ? String(params[name]) : whole));
}

// label translates an interface code (a category, a kind…) under prefix,
// falling back to the code itself so unknown server values still read.
export function label(prefix, code) {
  if (code === null || code === undefined || code === '') return t('common.unknown');
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : String(code);
}

// translatePage fills every [data-i18n] element's text and every
// [data-i18n-attr="attr:key;attr:key"] attribute under root.
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

function applyToDocument() {
  if (typeof document === 'undefined') return;
  document.documentElement.lang = current;
  document.title = t('app.title');
  translatePage(document);
}

function numberFormat(options) {
  const key = `${current}|${JSON.stringify(options || {})}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[current], options);
    numberFormats.set(key, f);
  }
  return f;
}

// formatNumber formats n for the active language (vi: 1.234,5).
export function formatNumber(n, options) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  return numberFormat(options).format(n);
}

// formatFixed formats n with exactly `digits` decimals.
export function formatFixed(n, digits) {
  return formatNumber(n, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// formatP formats a p-value, writing very small ones as "< 0,001".
export function formatP(p) {
  if (typeof p !== 'number' || !Number.isFinite(p)) return '–';
  if (p < 0.001) return `< ${formatFixed(0.001, 3)}`;
  return formatFixed(p, 3);
}

// formatLocalDate writes a local date "YYYY-MM-DD" as dd/MM/yyyy.
export function formatLocalDate(localDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '–';
}

// formatDate writes an instant's date in the time zone as dd/MM/yyyy.
export function formatDate(instant, timeZone = DEFAULT_TIME_ZONE) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.day}/${p.month}/${p.year}` : '–';
}

// formatTime writes an instant's wall-clock time in the time zone as HH:mm.
export function formatTime(instant, timeZone = DEFAULT_TIME_ZONE) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.hour}:${p.minute}` : '–';
}

// formatDateTime writes "dd/MM/yyyy HH:mm" in the time zone.
export function formatDateTime(instant, timeZone = DEFAULT_TIME_ZONE) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}` : '–';
}

// formatDuration writes a number of seconds as hours and minutes.
export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return t('duration.s', { s: formatNumber(Math.round(seconds)) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('duration.m', { m: formatNumber(minutes) });
  return t('duration.hm', { h: formatNumber(Math.floor(minutes / 60)), m: formatNumber(minutes % 60) });
}
