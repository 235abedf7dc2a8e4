// admin/geoimport.js is the import tab: a ward's own GeoJSON, KML/KMZ or
// zipped Shapefile becomes its areas or roads. "Preview" sends it as a dry
// run — the server does the whole import and rolls it back — and shows what
// would be created, feature by feature with the errors, the warnings (a
// VN-2000 file whose .prj lost its datum shift, groups that do not tile the
// boundary) and the geometries on a small map. "Import" then writes it.

import L from '../leaflet.js';
import { h, clear } from '../dom.js';
import { formatNumber, label } from '../i18n.js';
import { showError, showMessage } from '../notify.js';
import { at, note } from './i18n.js';
import { tilingSummary } from './units.js';
import { table, field, section } from './ui.js';

const AREA_KINDS = ['', 'residential_group', 'key_area', 'key_road', 'other'];
const ACTION_STYLE = {
  create: { color: '#1b7f3b', weight: 2, fillOpacity: 0.15 },
  update: { color: '#1f5fbf', weight: 2, fillOpacity: 0.15 },
  boundary: { color: '#0b2545', weight: 3, dashArray: '6 4', fill: false },
};

function kindLabel(kind) {
  if (!kind) return at('import.road');
  return kind === 'boundary' ? at('kind.boundary') : label('kind', kind);
}

function size(it) {
  if (it.area_m2) return `${formatNumber(it.area_m2, { maximumFractionDigits: 0 })} m²`;
  if (it.length_m) return `${formatNumber(it.length_m, { maximumFractionDigits: 0 })} m`;
  return '';
}

export async function render(ctx, el) {
  if (!ctx.unit) {
    el.append(h('p', { class: 'muted' }, at('common.noUnit')));
    return;
  }
  const kind = h('select', { testid: 'admin-import-kind' },
    h('option', { value: 'areas' }, at('import.areas')), h('option', { value: 'roads' }, at('import.roads')));
  const file = h('input', { type: 'file', testid: 'admin-import-file', accept: '.geojson,.json,.kml,.kmz,.zip' });
  const srs = h('input', { type: 'text', testid: 'admin-import-srs', spellcheck: 'false', autocomplete: 'off', placeholder: 'EPSG:9209' });
  const boundary = h('input', { type: 'checkbox', testid: 'admin-import-boundary', disabled: ctx.user.role !== 'admin' });
  const replace = h('input', { type: 'checkbox', testid: 'admin-import-replace' });
  const nameField = h('select', { testid: 'admin-import-name-field' }, h('option', { value: '' }, at('import.auto')));
  const kindField = h('select', { testid: 'admin-import-kind-field' }, h('option', { value: '' }, at('import.auto')));
  const defaultKind = h('select', { testid: 'admin-import-default-kind' },
    AREA_KINDS.map((k) => h('option', { value: k }, k ? label('kind', k) : at('import.byGeometry'))));
  const preview = h('button', { type: 'button', class: 'button', testid: 'admin-import-preview' }, at('import.preview'));
  const commit = h('button', { type: 'button', class: 'button primary', testid: 'admin-import-commit', disabled: true }, at('import.commit'));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'admin-import-error' });
  const result = h('div', { testid: 'admin-import-result' });
  const areasOnly = [
    h('label', { class: 'admin-inline' }, boundary, at('import.setBoundary')),
    field(at('import.kindField'), kindField),
    field(at('import.defaultKind'), defaultKind),
  ];
  const syncKind = () => {
    for (const e of areasOnly) e.hidden = kind.value !== 'areas';
  };
  kind.addEventListener('change', syncKind);
  syncKind();

  let previewed = null; // the parameters of the last good preview
  const params = (dry) => ({
    kind: kind.value, dry_run: dry ? 'true' : 'false', srs: srs.value.trim(), set_boundary: kind.value === 'areas' && boundary.checked ? 'true' : '',
    replace: replace.checked ? 'true' : '', name_field: nameField.value, kind_field: kind.value === 'areas' ? kindField.value : '',
    default_kind: kind.value === 'areas' ? defaultKind.value : '',
  });
  const key = (p) => JSON.stringify({ ...p, dry_run: '' }) + (file.files[0] ? `${file.files[0].name}:${file.files[0].size}:${file.files[0].lastModified}` : '');
  for (const input of [kind, file, srs, boundary, replace, nameField, kindField, defaultKind]) {
    input.addEventListener('change', () => {
      commit.disabled = previewed === null || previewed !== key(params(true));
    });
  }
  srs.addEventListener('input', () => {
    commit.disabled = true;
  });

  const send = async (dry) => {
    error.hidden = true;
    const f = file.files[0];
    if (!f) {
      error.textContent = at('import.noFile');
      error.hidden = false;
      return;
    }
    const p = params(dry);
    preview.disabled = true;
    commit.disabled = true;
    result.dataset.state = 'loading';
    try {
      const rep = await ctx.api.importFile(ctx.unit, f, p);
      fillFields(nameField, kindField, rep.fields);
      showReport(ctx, result, rep, (suggested) => {
        srs.value = suggested;
        send(true);
      });
      result.dataset.state = 'ready';
      result.dataset.dryRun = String(rep.dry_run);
      if (dry) {
        previewed = key(p);
        commit.disabled = rep.created + rep.updated === 0 && !rep.boundary;
      } else {
        previewed = null;
        showMessage(() => at('import.done', { created: rep.created, updated: rep.updated }));
        await ctx.reloadUnits();
      }
    } catch (err) {
      result.dataset.state = 'error';
      previewed = null;
      clear(result);
      const fields = (err.errors || []).map((e) => e.message).filter(Boolean);
      error.textContent = fields.length ? fields.join(' — ') : (err.detail || err.message);
      error.hidden = false;
    } finally {
      preview.disabled = false;
    }
  };
  preview.addEventListener('click', () => send(true));
  commit.addEventListener('click', () => send(false));

  el.append(section(at('import.title', { unit: ctx.unit }),
    h('p', { class: 'muted' }, at('import.intro')),
    h('div', { class: 'admin-form' },
      field(at('import.what'), kind), field(at('import.file'), file, at('import.fileHint')),
      field(at('import.srs'), srs, at('import.srsHint')), field(at('import.nameField'), nameField), areasOnly,
      h('label', { class: 'admin-inline' }, replace, at('import.replace')), preview, commit),
    error), result);
}

function fillFields(nameField, kindField, fields) {
  if (!fields || !Array.isArray(fields.available)) return;
  for (const [select, current] of [[nameField, nameField.value], [kindField, kindField.value]]) {
    clear(select).append(h('option', { value: '' }, at('import.auto')), fields.available.map((f) => h('option', { value: f }, f)));
    select.value = fields.available.includes(current) ? current : '';
  }
}

function showReport(ctx, result, rep, useSuggested) {
  clear(result);
  const srsLine = at(`import.srs.${rep.srs.source}`, { description: rep.srs.description });
  const summary = h('div', { class: 'admin-summary', testid: 'admin-import-summary', dataset: { created: String(rep.created), rejected: String(rep.rejected) } },
    h('span', {}, at(rep.dry_run ? 'import.wouldCreate' : 'import.created', { n: rep.created })),
    h('span', {}, at('import.updated', { n: rep.updated })),
    rep.deleted ? h('span', {}, at('import.deleted', { n: rep.deleted })) : null,
    h('span', {}, at('import.rejected', { n: rep.rejected })),
    rep.skipped ? h('span', {}, at('import.skipped', { n: rep.skipped })) : null,
    h('span', { class: 'muted' }, at('import.format', { format: rep.format, encoding: rep.encoding || '–', features: rep.features })));

  const warnings = h('ul', { class: 'admin-warnings' }, (rep.warnings || []).map((w) => h('li', { testid: 'admin-import-warning', dataset: { code: w.code } },
    note(w),
    w.code === 'datum_shift_missing' && rep.srs.suggested_srs
      ? h('div', { class: 'admin-inline' }, button(at('import.useSuggested'), () => useSuggested(rep.srs.suggested_srs), 'admin-import-use-suggested'))
      : null)));

  const mapBox = h('div', { class: 'admin-map', testid: 'admin-import-map' });
  const items = table([
    { title: '#', class: 'num', cell: (it) => String(it.feature + 1) },
    { title: at('import.name'), key: true, cell: (it) => it.name || '–' },
    { title: at('import.kind'), cell: (it) => kindLabel(it.kind) },
    { title: at('import.action'), cell: (it) => h('span', { class: `admin-badge ${it.action === 'reject' ? 'bad' : it.action === 'skip' ? 'warn' : 'ok'}` }, at(`action.${it.action}`)) },
    { title: at('import.geometry'), cell: (it) => [it.geometry_type || '', ' ', size(it)] },
    { title: at('import.notes'), cell: (it) => [
      it.error ? h('div', { class: 'form-error', testid: 'admin-import-item-error' }, note(it.error)) : null,
      it.repaired ? h('div', {}, note(it.repaired)) : null,
      (it.notes || []).map((n) => h('div', { class: 'muted' }, note(n))),
    ] },
  ], rep.items || [], { testid: 'admin-import-items', rowProps: (it) => ({ testid: 'admin-import-item', dataset: { action: it.action, state: it.action } }) });

  const parts = [summary, h('p', { class: 'muted', testid: 'admin-import-srs-used' }, srsLine,
    rep.srs.datum_shift_m !== undefined && rep.srs.datum_shift_m !== null ? ` ${at('import.datumChecked', { m: rep.srs.datum_shift_m })}` : ''), warnings, mapBox];
  if (rep.boundary && rep.boundary.area_m2) {
    parts.push(h('p', { testid: 'admin-import-boundary-result' }, at('import.boundary', { area: rep.boundary.area_m2 }),
      (rep.boundary.notes || []).map((n) => [' ', note(n)])));
  }
  if (rep.tiling) {
    const t = rep.tiling;
    parts.push(h('div', { class: 'admin-inline' }, tilingSummary(t)));
    const defects = [
      ...(t.gaps || []).map((g) => at('tiling.gap', { area: g.area_m2, lat: g.lat.toFixed(6), lon: g.lon.toFixed(6) })),
      ...(t.overlaps || []).map((o) => at('tiling.overlap', { a: o.a, b: o.b, area: o.area_m2 })),
      ...(t.outside || []).map((o) => at('tiling.outside', { group: o.group, area: o.area_m2 })),
    ];
    if (defects.length) parts.push(h('ul', { testid: 'admin-tiling-defects' }, defects.map((d) => h('li', {}, d))));
  }
  parts.push(items);
  if (rep.removed && rep.removed.length) {
    parts.push(h('p', {}, at('import.removedList', { names: rep.removed.map((r) => r.name || `#${r.id}`).join(', ') })));
  }
  result.append(section(rep.dry_run ? at('import.previewTitle') : at('import.resultTitle'), parts));
  drawMap(ctx, mapBox, rep);
}

function button(text, onClick, testid) {
  const b = h('button', { type: 'button', class: 'button small', testid }, text);
  b.addEventListener('click', onClick);
  return b;
}

// drawMap draws the unit's boundary, the items by what happens to them, and
// the tiling defects (gaps red, overlaps orange), without a basemap.
function drawMap(ctx, box, rep) {
  let map;
  try {
    map = L.map(box, { attributionControl: false, zoomControl: true });
  } catch (err) {
    showError(err);
    return;
  }
  const group = L.featureGroup().addTo(map);
  const unit = ctx.units.find((u) => u.code === ctx.unit);
  if (unit && unit.boundary) L.geoJSON(unit.boundary, { style: { color: '#6b7280', weight: 2, fill: false } }).addTo(group);
  for (const it of rep.items || []) {
    if (!it.geometry) continue;
    L.geoJSON(it.geometry, { style: ACTION_STYLE[it.action] || ACTION_STYLE.create })
      .bindTooltip(h('span', {}, `${it.name || ''} (${kindLabel(it.kind)})`))
      .addTo(group);
  }
  if (rep.boundary && rep.boundary.geometry) L.geoJSON(rep.boundary.geometry, { style: ACTION_STYLE.boundary }).addTo(group);
  const t = rep.tiling || {};
  for (const g of [...(t.gaps || []), ...(t.outside || [])]) if (g.geometry) L.geoJSON(g.geometry, { style: { color: '#b91c1c', weight: 1, fillOpacity: 0.5 } }).addTo(group);
  for (const o of t.overlaps || []) if (o.geometry) L.geoJSON(o.geometry, { style: { color: '#d97706', weight: 1, fillOpacity: 0.5 } }).addTo(group);
  const bounds = group.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
  else map.setView([16, 106], 5);
  box.dataset.features = String(group.getLayers().length);
}
