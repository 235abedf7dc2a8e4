// admin/audit.js shows the audit log: who changed what, when and from where
// (admins of all units only, as the API allows).

import { h } from '../dom.js';
import { at } from './i18n.js';
import { table, section, when } from './ui.js';

export async function render(ctx, el) {
  const log = await ctx.api.audit(300);
  const zone = ctx.zone();
  el.append(section(at('audit.title'), table([
    { title: at('audit.at'), cell: (e) => when(e.at, zone) },
    { title: at('audit.user'), cell: (e) => e.username || '–' },
    { title: at('audit.action'), cell: (e) => h('code', {}, e.action) },
    { title: at('audit.target'), cell: (e) => e.target || '–' },
    { title: at('audit.detail'), cell: (e) => (e.detail && JSON.stringify(e.detail) !== '{}' ? h('code', {}, JSON.stringify(e.detail)) : '') },
    { title: at('reject.addr'), cell: (e) => e.addr || '–' },
  ], log.entries || [], { testid: 'admin-audit', rowProps: () => ({ testid: 'admin-audit-row' }) })));
}
