// header.js fills the top bar once signed in: the unit picker (only when
// the user sees several units; else the unit's name), the user's name and
// role, the logout button and, on phones, the button that opens the panel.
// The language toggle works before login too (see bindLanguageToggle).

import { byId, h, clear } from './dom.js';
import { label, language, setLanguage, onLanguageChange } from './i18n.js';
import { addAdminButton } from './admin/button.js';

// bindLanguageToggle makes the VI/EN button switch language and mark the
// active one.
export function bindLanguageToggle() {
  bindMenu();
  const button = byId('lang-toggle');
  const render = () => {
    const lang = language();
    button.dataset.lang = lang;
    for (const option of button.querySelectorAll('[data-lang-option]')) {
      option.classList.toggle('active', option.dataset.langOption === lang);
    }
  };
  button.addEventListener('click', () => setLanguage(language() === 'vi' ? 'en' : 'vi'));
  onLanguageChange(render);
  render();
}

function unitName(unit) {
  return unit.name || unit.code;
}

// bindMenu wires the phone's ⋮ button: on a phone the header keeps one row
// (the panel button, the unit's name, ⋮) and the user, the language and
// logout move into the menu it opens. Esc or a click elsewhere closes it.
function bindMenu() {
  const toggle = byId('menu-toggle');
  const menu = byId('topbar-menu');
  if (!toggle || !menu) return;
  const setOpen = (open) => {
    document.body.classList.toggle('menu-open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', (event) => {
    event.stopPropagation();
    setOpen(!document.body.classList.contains('menu-open'));
  });
  document.addEventListener('click', (event) => {
    if (document.body.classList.contains('menu-open') && !menu.contains(event.target)) setOpen(false);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && document.body.classList.contains('menu-open')) {
      setOpen(false);
      toggle.focus();
    }
  });
}

// initHeader shows the signed-in parts of the header. units are the unit
// properties ({code, name…}); onUnitChange(code) runs when the picker
// changes; onLogout when the logout button is pressed.
export function initHeader({ user, units, selected, onUnitChange, onLogout }) {
  const name = byId('user-name');
  const role = byId('user-role');
  name.textContent = user.full_name || user.username || '';
  const renderRole = () => {
    role.textContent = user.role ? label('role', user.role) : '';
  };
  renderRole();
  onLanguageChange(renderRole);
  byId('user-box').hidden = false;

  const picker = byId('unit-picker');
  const pickerWrap = byId('unit-picker-wrap');
  const unitLabel = byId('unit-name');
  // On a phone the closed picker shows the unit's whole name on up to two lines over the native
  // select (which cut it at one line); the select, see-through on top, still opens the list.
  const pickerText = byId('unit-picker-text');
  clear(picker);
  for (const unit of units) picker.append(h('option', { value: unit.code }, unitName(unit)));
  const several = units.length > 1;
  pickerWrap.hidden = !several;
  unitLabel.hidden = several || units.length === 0;
  const showUnit = (code) => {
    picker.value = code;
    const unit = units.find((u) => u.code === code);
    unitLabel.textContent = unit ? unitName(unit) : '';
    pickerText.textContent = unitLabel.textContent;
    pickerWrap.title = unitLabel.textContent;
  };
  if (selected) showUnit(selected);
  picker.addEventListener('change', () => {
    showUnit(picker.value);
    onUnitChange(picker.value);
  });

  const logout = byId('logout');
  logout.hidden = false;
  logout.addEventListener('click', () => {
    logout.disabled = true;
    onLogout();
  });

  addAdminButton(user); // admins only; the pages load on first use (admin/main.js)
  initPanelToggle();
}

// USE_MAP is the document event a tool sends when it needs the map itself.
export const USE_MAP = 'patrolmap:use-map';

// useMap frees the map for a tool: on a phone the side panel slides away.
// It reports whether the panel was open (so the tool's hint, written in the
// panel, is now out of sight).
export function useMap() {
  const wasOpen = document.body.classList.contains('panel-open');
  document.dispatchEvent(new Event(USE_MAP));
  return wasOpen;
}

// initPanelToggle wires the phone-only button that slides the side panel
// in and out, the panel's close button and Esc.
function initPanelToggle() {
  const toggle = byId('panel-toggle');
  const panel = byId('side-panel');
  const setOpen = (open) => {
    document.body.classList.toggle('panel-open', open);
    toggle.setAttribute('aria-expanded', String(open));
    if (open) panel.focus();
  };
  toggle.hidden = false;
  toggle.addEventListener('click', () => setOpen(!document.body.classList.contains('panel-open')));
  // A tool that waits for a tap on the map (picking an incident's place)
  // slides the panel away on a phone, where it covers the map.
  document.addEventListener(USE_MAP, () => {
    if (document.body.classList.contains('panel-open')) setOpen(false);
  });
  byId('panel-close').addEventListener('click', () => {
    setOpen(false);
    toggle.focus();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && document.body.classList.contains('panel-open') && !document.querySelector('dialog[open]')) {
      setOpen(false);
      toggle.focus();
    }
  });
}

