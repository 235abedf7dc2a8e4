// admin/main.js is the administration screen, opened from the top bar's
// "Quản trị" button (admin/button.js) over the map: units, users and their
// tokens, devices, the import of the ward's own geography, the rejection log
// and the audit log. Each tab is its own module with render(ctx, element).
//
// Hooks for the browser tests: [data-testid="admin-page"], tabs
// admin-tab-<name>, the tab's content admin-body with data-state
// loading | ready | error and data-tab, admin-unit (unit picker), admin-close.

import { h, clear } from '../dom.js';
import { onLanguageChange } from '../i18n.js';
import { errorMessage } from '../notify.js';
import { DEFAULT_TIME_ZONE } from '../time.js';
import { adminApi, setCsrf } from './http.js';
import { at } from './i18n.js';
import { ensureStyles } from './styles.js';
import * as units from './units.js';
import * as users from './users.js';
import * as devices from './devices.js';
import * as geoimport from './geoimport.js';
import * as rejections from './rejections.js';
import * as audit from './audit.js';

const TABS = { units, users, devices, import: geoimport, rejections, audit };

let open = null;

// openAdmin shows the administration screen for an admin (user is the
// session body); opener gets the focus back when it closes.
export function openAdmin({ user, opener }) {
  if (open) {
    open.focus();
    return;
  }
  ensureStyles();
  setCsrf(user.csrf_token);
  const tabNames = Object.keys(TABS).filter((name) => name !== 'audit' || !user.unit);
  const ctx = {
    user,
    api: adminApi,
    units: [],
    unit: user.unit || '',
    tab: tabNames[0],
    zone() {
      const u = this.units.find((x) => x.code === this.unit);
      return (u && u.timezone) || DEFAULT_TIME_ZONE;
    },
    refresh: () => show(),
    async reloadUnits() {
      const fc = await adminApi.units();
      ctx.units = (fc.features || []).map((f) => ({ ...f.properties, boundary: f.geometry }));
      if (!ctx.units.some((u) => u.code === ctx.unit)) ctx.unit = ctx.units[0] ? ctx.units[0].code : '';
      renderPicker();
    },
  };

  const title = h('h1', { id: 'admin-title' });
  const picker = h('select', { testid: 'admin-unit', 'aria-label': '' });
  const close = h('button', { type: 'button', class: 'topbar-button', testid: 'admin-close' });
  const tabs = h('nav', { class: 'admin-tabs', role: 'tablist' });
  const body = h('div', { class: 'admin-body', testid: 'admin-body', role: 'tabpanel', tabindex: '-1' });
  const page = h('section', { class: 'admin-page', testid: 'admin-page', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'admin-title', tabindex: '-1' },
    h('header', { class: 'admin-head' }, title, h('span', { class: 'admin-spacer' }), picker, close), tabs, body);

  const tabButtons = {};
  for (const name of tabNames) {
    const b = h('button', { type: 'button', role: 'tab', testid: `admin-tab-${name}` });
    b.addEventListener('click', () => {
      ctx.tab = name;
      show();
    });
    tabButtons[name] = b;
    tabs.append(b);
  }

  function renderPicker() {
    clear(picker);
    for (const u of ctx.units) picker.append(h('option', { value: u.code, selected: u.code === ctx.unit }, u.name ? `${u.name} (${u.code})` : u.code));
    picker.value = ctx.unit;
  }
  picker.addEventListener('change', () => {
    ctx.unit = picker.value;
    show();
  });

  function labels() {
    title.textContent = at('admin.title');
    close.textContent = at('common.close');
    picker.setAttribute('aria-label', at('admin.unit'));
    for (const [name, b] of Object.entries(tabButtons)) {
      b.textContent = at(`tab.${name}`);
      b.setAttribute('aria-selected', String(name === ctx.tab));
    }
  }

  let seq = 0;
  async function show() {
    const mine = ++seq;
    labels();
    body.dataset.state = 'loading';
    body.dataset.tab = ctx.tab;
    clear(body).append(h('p', { class: 'muted' }, at('common.loading')));
    const el = h('div', {});
    try {
      await TABS[ctx.tab].render(ctx, el);
      if (mine !== seq) return;
      clear(body).append(el);
      body.dataset.state = 'ready';
    } catch (err) {
      if (mine !== seq) return;
      clear(body).append(h('p', { class: 'form-error', role: 'alert', testid: 'admin-error' }, errorMessage(err)));
      body.dataset.state = 'error';
    }
  }

  const stopLanguage = onLanguageChange(() => show());
  const onKey = (event) => {
    if (event.key === 'Escape' && !document.querySelector('dialog[open]')) finish();
  };
  function finish() {
    document.removeEventListener('keydown', onKey);
    stopLanguage();
    page.remove();
    delete document.body.dataset.admin;
    open = null;
    if (opener) opener.focus();
  }
  close.addEventListener('click', finish);
  document.addEventListener('keydown', onKey);

  document.body.append(page);
  document.body.dataset.admin = 'open';
  open = page;
  labels();
  page.focus();
  ctx.reloadUnits().then(show, (err) => {
    body.dataset.state = 'error';
    clear(body).append(h('p', { class: 'form-error', role: 'alert', testid: 'admin-error' }, errorMessage(err)));
  });
}
