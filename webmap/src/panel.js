// panel.js builds the side panel: the period (from/to dates, shown
// inclusive) and the window (night/day/all), the layer toggles with their
// notes and legends, the draw tools for editors and the version.

import { h, byId, clear } from './dom.js';
import { createDateInput } from './dateinput.js';
import { validRange, rangeDays } from './time.js';
import { t, formatLocalDate, formatNumber, onLanguageChange } from './i18n.js';

export const WINDOWS = ['night', 'day', 'all'];

// createPeriodControls returns {element, setUnit(unitProperties)}. range is
// an inclusive {from, to}; onChange({range, window}, changed) runs with
// changed = ['period'] or ['window'] when the user picks valid values.
export function createPeriodControls({ range, window, onChange }) {
  let current = { range: { ...range }, window };
  let unit = {};

  // Dates read dd/mm/yyyy whatever the browser's locale (dateinput.js).
  const fromField = createDateInput({ id: 'date-from', testid: 'date-from', required: true, value: range.from, onChange: () => onDates(), onInvalid: () => showInvalid(t('date.invalid')) });
  const toField = createDateInput({ id: 'date-to', testid: 'date-to', required: true, value: range.to, onChange: () => onDates(), onInvalid: () => showInvalid(t('date.invalid')) });
  const from = fromField.input;
  const to = toField.input;
  const select = h('select', { id: 'window-select', testid: 'window-select' },
    WINDOWS.map((w) => h('option', { value: w, selected: w === window })));
  const summary = h('p', { class: 'period-summary', testid: 'period-summary', 'aria-live': 'polite' });
  const invalid = h('p', { class: 'field-error', testid: 'period-error', role: 'alert', hidden: true });

  const labelFor = (input, key, field = input) => h('label', { class: 'field', for: input.id }, h('span', { 'data-i18n': key }, t(key)), field);
  const showInvalid = (text) => {
    invalid.textContent = text;
    invalid.hidden = false;
  };

  const render = () => {
    for (const option of select.options) {
      option.textContent = t(`window.${option.value}`, {
        start: unit.night_start || '22:00',
        end: unit.night_end || '05:00',
      });
    }
    const r = current.range;
    summary.textContent = t('panel.summary', { from: formatLocalDate(r.from), to: formatLocalDate(r.to), days: formatNumber(rangeDays(r)) });
    invalid.textContent = t('panel.invalidRange');
  };

  const onDates = () => {
    const next = { from: fromField.iso, to: toField.iso };
    const ok = validRange(next);
    invalid.hidden = ok;
    from.setAttribute('aria-invalid', String(!ok));
    to.setAttribute('aria-invalid', String(!ok));
    if (!ok || (next.from === current.range.from && next.to === current.range.to)) return;
    current = { ...current, range: next };
    render();
    onChange(current, ['period']);
  };
  select.addEventListener('change', () => {
    current = { ...current, window: select.value };
    onChange(current, ['window']);
  });
  onLanguageChange(render);
  render();

  const element = h('section', { class: 'panel-section period', testid: 'period' },
    h('h3', { class: 'panel-heading', 'data-i18n': 'panel.period' }, t('panel.period')),
    h('div', { class: 'period-dates' }, labelFor(from, 'panel.from', fromField.element), labelFor(to, 'panel.to', toField.element)),
    invalid,
    summary,
    labelFor(select, 'panel.window'),
  );

  return {
    element,
    setUnit(properties) {
      unit = properties || {};
      render();
    },
  };
}

// buildPanel fills the side panel: the period, the tools (sections), the
// layer groups ([[headingKey, controllers]]), the draw tools, the print
// button and the version.
export function buildPanel({ period, tools = [], groups, draw, print, version }) {
  const body = clear(byId('panel-body'));
  body.append(period.element);
  for (const section of tools) body.append(section);
  for (const [key, controllers] of groups) {
    body.append(h('section', { class: 'panel-section layers', testid: `layers-${key.split('.').pop()}` },
      h('h3', { class: 'panel-heading', 'data-i18n': key }, t(key)),
      h('ul', { class: 'layer-list' }, controllers.map((c) => c.element)),
    ));
  }
  if (draw) body.append(draw);
  if (print) body.append(h('section', { class: 'panel-section print-tools' }, print));
  if (version) {
    const line = h('p', { class: 'version', testid: 'app-version' });
    const render = () => {
      line.textContent = t('app.version', { version });
    };
    onLanguageChange(render);
    render();
    body.append(line);
  }
}

// showPanelNote replaces the panel's content with one sentence (no units).
export function showPanelNote(key) {
  const body = clear(byId('panel-body'));
  body.append(h('p', { class: 'panel-note', testid: 'panel-note', 'data-i18n': key }, t(key)));
}
