// dateinput.js is a date field that always reads dd/mm/yyyy, whatever the
// browser's locale (a native <input type="date"> shows 11/08/2026 under
// en-US for the 8th of November). The text field takes typed dates; the
// calendar button opens the browser's own picker on a hidden native input.
// The field's value (dataset.iso, and .iso) is the local date YYYY-MM-DD.

import { h } from './dom.js';
import { t, formatLocalDate, onLanguageChange } from './i18n.js';

const TYPED = /^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$/;

// parseDMY reads "7/12/2026", "07.12.2026" or "07-12-2026" as "2026-12-07";
// null when it is not a real date.
export function parseDMY(text) {
  const m = TYPED.exec(text || '');
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// createDateInput returns {element, input, get iso(), set iso(v)}; onChange(iso)
// runs when a valid date is typed or picked, onInvalid() when a typed one is
// not a date.
export function createDateInput({ id, testid, value = '', required = false, onChange, onInvalid }) {
  const input = h('input', {
    type: 'text', id, testid, inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', required,
    maxlength: 10, class: 'date-text', dataset: { iso: value },
  });
  const native = h('input', { type: 'date', class: 'date-native', tabindex: '-1', 'aria-hidden': 'true', 'aria-label': id ? `${id}-picker` : 'date', value });
  const pick = h('button', { type: 'button', class: 'date-pick', testid: testid ? `${testid}-pick` : undefined });
  const element = h('span', { class: 'date-input' }, input, pick, native);

  const show = (iso) => {
    input.dataset.iso = iso || '';
    input.value = iso ? formatLocalDate(iso) : '';
    native.value = iso || '';
    input.removeAttribute('aria-invalid');
  };
  const texts = () => {
    input.placeholder = t('date.placeholder');
    pick.title = t('date.pick');
    pick.setAttribute('aria-label', t('date.pick'));
    native.setAttribute('aria-label', t('date.pick'));
  };
  const commit = () => {
    const iso = parseDMY(input.value);
    if (!iso) {
      input.setAttribute('aria-invalid', 'true');
      onInvalid?.();
      return;
    }
    const changed = iso !== input.dataset.iso;
    show(iso);
    if (changed) onChange?.(iso);
  };
  input.addEventListener('change', commit);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      commit();
    }
  });
  pick.addEventListener('click', () => {
    try {
      native.showPicker();
    } catch {
      native.focus();
      native.click();
    }
  });
  native.addEventListener('change', () => {
    if (!native.value) return;
    const changed = native.value !== input.dataset.iso;
    show(native.value);
    if (changed) onChange?.(native.value);
  });
  onLanguageChange(texts);
  texts();
  show(value);

  return {
    element,
    input,
    get iso() {
      return input.dataset.iso || '';
    },
    set iso(v) {
      show(v);
    },
  };
}
