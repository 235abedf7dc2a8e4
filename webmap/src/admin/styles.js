// admin/styles.js adds the administration pages' styles once, as a <style>
// element (the page's CSP allows inline styles, not inline scripts).

const CSS = `
.admin-page { position: fixed; inset: 0; z-index: 1500; display: flex; flex-direction: column; background: var(--bg, #f4f5f7); color: var(--text, #1b1b1b); }
.admin-head { display: flex; align-items: center; gap: 12px; padding: 8px 16px; background: var(--navy, #0b2545); color: #fff; }
.admin-head h1 { margin: 0; font-size: 1.15rem; white-space: nowrap; }
.admin-head select { min-height: 36px; max-width: min(420px, 50vw); border-radius: 6px; }
.admin-head .admin-spacer { flex: 1; }
.admin-tabs { display: flex; flex-wrap: wrap; gap: 4px; padding: 8px 16px 0; border-bottom: 1px solid var(--line, #c9ced6); background: #fff; }
.admin-tabs button { min-height: 40px; padding: 0 14px; border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; background: transparent; font: inherit; cursor: pointer; }
.admin-tabs button[aria-selected="true"] { border-color: var(--line, #c9ced6); background: var(--bg, #f4f5f7); font-weight: 600; }
.admin-body { flex: 1; overflow: auto; padding: 16px; }
.admin-section { margin: 0 0 20px; padding: 16px; border-radius: 8px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.admin-section h2 { margin: 0 0 12px; font-size: 1.05rem; color: var(--navy, #0b2545); }
.admin-form { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; }
.admin-form .admin-field { flex: 1 1 160px; margin: 0; }
.admin-form .button { min-height: 40px; }
.admin-table-wrap { overflow-x: auto; }
.admin-table { width: 100%; border-collapse: collapse; font-size: .93rem; }
.admin-table th, .admin-table td { padding: 6px 8px; border-bottom: 1px solid var(--line, #c9ced6); text-align: left; vertical-align: top; }
.admin-table th { background: #eef1f5; font-weight: 600; }
.admin-table td.num, .admin-table th.num { text-align: right; white-space: nowrap; }
.admin-table th.num { white-space: normal; } /* a long title wraps; the numbers do not */
.admin-table td.actions { white-space: nowrap; }
.admin-table td.actions .button { margin: 0 4px 4px 0; }
.admin-table tr[data-state="reject"] td, .admin-table tr[data-disabled="true"] td { color: var(--danger, #8a1c1c); }
.admin-table code { font-size: .85rem; word-break: break-all; }
/* An id wraps only after its separators (ui.js identifier puts <wbr> there), never mid-word. */
.admin-table code.admin-id { word-break: normal; overflow-wrap: normal; }
.admin-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #e4e7eb; font-size: .82rem; white-space: nowrap; }
.admin-badge.ok { background: #d8f0de; color: #14532d; }
.admin-badge.bad { background: #f8d7da; color: #7f1d1d; }
.admin-badge.warn { background: #fff1c2; color: #6b4e00; }
.admin-warnings { margin: 0 0 12px; padding: 0; list-style: none; }
.admin-warnings li { margin: 0 0 6px; padding: 8px 12px; border-left: 4px solid #d4a200; background: #fff8e1; }
.admin-warnings li.error { border-color: var(--danger, #8a1c1c); background: #fde8e8; }
.admin-summary { display: flex; flex-wrap: wrap; gap: 8px 18px; margin: 0 0 12px; }
.admin-map { height: 340px; margin: 0 0 12px; border: 1px solid var(--line, #c9ced6); border-radius: 6px; background: #e8ecef; }
.admin-secret { display: block; margin: 8px 0; padding: 10px; border-radius: 6px; background: #f1f3f5; font-size: .95rem; word-break: break-all; user-select: all; }
.admin-hint { font-size: .85rem; word-break: break-all; }
.admin-dialog { max-width: 560px; }
.admin-dialog .field { margin-bottom: 10px; }
.admin-empty { margin: 4px 0; }
.admin-inline { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 6px; }
.admin-inline input, .admin-inline select { min-height: 32px; }
body[data-admin="open"] { overflow: hidden; }
@media (max-width: 767px) { .admin-body { padding: 8px; } .admin-section { padding: 10px; } }
/* A phone: each table row is a card headed by its key cell, the other cells
   under their column's title; nothing is wider than the screen. */
@media (max-width: 640px) {
  .admin-head { gap: 8px; padding: 8px 10px; }
  .admin-head h1 { font-size: 1.05rem; }
  .admin-head select { min-width: 0; flex: 1 1 auto; max-width: none; }
  .admin-head .admin-spacer { display: none; }
  .admin-tabs { gap: 2px; padding: 6px 8px 0; }
  .admin-tabs button { min-height: 40px; padding: 0 8px; font-size: .92rem; }
  .admin-form .admin-field { flex-basis: 100%; }
  .admin-badge { white-space: normal; }
  .admin-table-wrap { overflow-x: visible; }
  .admin-table, .admin-table tbody, .admin-table tr, .admin-table td { display: block; width: auto; }
  .admin-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .admin-table tr { display: flex; flex-direction: column; margin: 0 0 10px; padding: 6px 10px 8px; border: 1px solid var(--line, #c9ced6); border-radius: 8px; background: #fff; }
  .admin-table td { display: grid; grid-template-columns: minmax(0, 38%) minmax(0, 1fr); column-gap: 10px; padding: 4px 0; border: 0; overflow-wrap: anywhere; }
  .admin-table td::before { content: attr(data-label); color: var(--muted, #4f5560); font-size: .85rem; font-weight: 600; }
  .admin-table td.num { text-align: left; white-space: normal; }
  .admin-table td.key { order: -1; display: block; padding: 2px 0 6px; margin-bottom: 4px; border-bottom: 1px solid var(--line, #c9ced6); font-size: 1rem; font-weight: 600; }
  .admin-table td.key::before, .admin-table td.actions::before { content: none; }
  .admin-table td.key code { font-size: .95rem; word-break: normal; overflow-wrap: anywhere; }
  .admin-table td code.admin-id { overflow-wrap: anywhere; } /* a last resort on a narrow card */
  .admin-table td.actions { display: block; padding: 8px 0 0; white-space: normal; }
  .admin-table td.actions > .cell { display: flex; flex-wrap: wrap; gap: 6px; }
  .admin-table td.actions > .cell:empty { display: none; }
  .admin-table td.actions .button { margin: 0; min-height: 40px; }
  .admin-table td:not(.key):not(.actions) > .cell:empty::after { content: '–'; }
}
`;

// ensureStyles adds the stylesheet the first time.
export function ensureStyles() {
  if (document.getElementById('admin-styles')) return;
  const style = document.createElement('style');
  style.id = 'admin-styles';
  style.textContent = CSS;
  document.head.append(style);
}
