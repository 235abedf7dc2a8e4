// controller.js switches one map layer on and off, (re)loads it when the
// unit, the period or the window changes, and keeps its row in the side
// panel up to date: the toggle, a quiet note, the feature count and the
// legend.
//
// A layer definition is
//   {name, defaultOn, depends: ['unit' | 'period' | 'window' …],
//    layer: L.Layer, load(view, signal) → Promise<features drawn>,
//    clear(), legend() → Node | null, swatch: legend item for the toggle,
//    and optionally controls (an element shown under the legend), toGeoJSON()
//    (what is drawn, for the export button), off() (run when switched off),
//    emptyKey (the note when nothing is drawn)}.
// The controller gives the definition onCountChange(n) and onLegendChange()
// for layers whose content changes without a load (a filter, a stream).
//
// The badge beside the title counts what the layer flags (def.flagged(): the
// hot spots among all cells analysed, the emerging patterns among all cells)
// or, without def.flagged, what it drew.
//
// The toggle (data-testid "layer-toggle-<name>") carries the state for
// tests: data-loaded="true", data-count="<features drawn>" and
// data-flagged="<the badge's number>" once the layer
// has been drawn (or has failed quietly: then data-state says
// "unavailable" or "error" and data-count is 0).

import { h, clear } from '../dom.js';
import { isAbort } from '../api.js';
import { swatch } from '../legend.js';
import { downloadGeoJSON, exportFileName, featureCollection } from '../export.js';
import { t, formatNumber, onLanguageChange } from '../i18n.js';

export class LayerController {
  constructor(def, map) {
    this.def = def;
    this.map = map;
    this.on = Boolean(def.defaultOn);
    this.view = null;
    this.stale = true;
    this.count = null;
    this.failure = null; // 'unavailable' | 'error'
    this.abort = null;
    this.loading = false;
    this.element = this.#build();
    def.onCountChange = (n) => this.#countChanged(n);
    def.onLegendChange = () => this.#renderLegend();
    def.reload = () => this.refresh();
    this.#setOff();
    if (this.on) map.addLayer(def.layer);
    onLanguageChange(() => this.#renderTexts());
  }

  get name() {
    return this.def.name;
  }

  #build() {
    const name = this.def.name;
    this.toggle = h('input', {
      type: 'checkbox',
      id: `layer-${name}`,
      class: 'layer-toggle',
      testid: `layer-toggle-${name}`,
      checked: this.on,
      dataset: { layer: name, loaded: 'false', state: 'off' },
      onchange: () => this.setOn(this.toggle.checked),
    });
    this.title = h('span', { class: 'layer-title' });
    this.badge = h('span', { class: 'layer-count', testid: `layer-count-${name}`, hidden: true });
    this.note = h('p', { class: 'layer-note', testid: `layer-note-${name}`, id: `layer-note-${name}`, hidden: true });
    this.legendBox = h('div', { class: 'layer-legend', testid: `layer-legend-${name}`, hidden: true });
    this.controlsBox = this.def.controls
      ? h('div', { class: 'layer-controls', testid: `layer-controls-${name}`, hidden: true }, this.def.controls)
      : null;
    this.exportButton = this.def.toGeoJSON
      ? h('button', { type: 'button', class: 'link-button layer-export', testid: `layer-export-${name}`, hidden: true, onclick: () => this.#export() })
      : null;
    this.toggle.setAttribute('aria-describedby', this.note.id);
    const row = h('li', { class: 'layer-row', dataset: { layer: name } },
      h('label', { class: 'layer-label', for: this.toggle.id },
        this.toggle,
        this.def.swatch ? swatch(this.def.swatch) : null,
        this.title,
        this.badge,
      ),
      this.note,
      this.legendBox,
      this.controlsBox,
      this.exportButton,
    );
    this.#renderTexts();
    return row;
  }

  #export() {
    const fc = this.def.toGeoJSON();
    const view = this.view;
    const meta = view
      ? { name: t(`layer.${this.def.name}`), unit: view.unit.code, from: view.query.from, to: view.query.to, window: view.window }
      : {};
    const out = featureCollection(fc.features, meta);
    downloadGeoJSON(out, exportFileName({ unit: view?.unit.code, layer: this.def.name, from: view?.range.from, to: view?.range.to }));
    this.exportButton.dataset.exported = String(out.features.length);
  }

  // badgeCount is the number the badge shows: what the layer flags, else
  // what it drew.
  #badgeCount() {
    const n = this.def.flagged ? this.def.flagged() : this.count;
    return Number.isFinite(n) ? n : this.count ?? 0;
  }

  #renderBadge() {
    const n = this.#badgeCount();
    this.badge.textContent = formatNumber(n);
    this.badge.dataset.flagged = String(n);
    this.toggle.dataset.flagged = String(n);
    this.badge.classList.toggle('flagged', Boolean(this.def.flagged) && n > 0);
  }

  #countChanged(n) {
    if (!this.on || this.loading || this.failure) return;
    this.count = n;
    this.#renderBadge();
    this.toggle.dataset.count = String(n);
    this.#renderNote();
    this.#renderLegend();
  }

  #renderTexts() {
    this.title.textContent = t(`layer.${this.def.name}`);
    this.badge.title = t(this.def.flagged ? `layer.flaggedTitle.${this.def.name}` : 'layer.countTitle');
    if (this.exportButton) {
      this.exportButton.textContent = t('layer.export');
      this.exportButton.setAttribute('aria-label', t('layer.exportLabel', { layer: t(`layer.${this.def.name}`) }));
    }
    if (this.count !== null) this.#renderBadge();
    if (this.on) {
      this.#renderNote();
      this.#renderLegend();
    }
  }

  #renderNote() {
    let key = null;
    if (this.loading) key = 'layer.loading';
    else if (this.failure === 'unavailable') key = 'layer.unavailable';
    else if (this.failure === 'error') key = 'layer.failed';
    else if (this.count === 0) key = this.def.emptyKey || 'layer.empty';
    this.note.textContent = key ? t(key) : '';
    this.note.hidden = !key;
    this.note.dataset.kind = this.failure || (this.loading ? 'loading' : 'info');
  }

  #renderLegend() {
    clear(this.legendBox);
    const shown = this.on && !this.loading && !this.failure;
    const node = shown && this.count > 0 ? this.def.legend?.() : null;
    if (node) this.legendBox.append(node);
    this.legendBox.hidden = !node;
    // Controls stay while a filter shows nothing, so it can be undone.
    if (this.controlsBox) this.controlsBox.hidden = !(shown && this.stale === false);
    if (this.exportButton) this.exportButton.hidden = !(shown && this.count > 0);
  }

  #setState(state) {
    this.toggle.dataset.state = state;
    const done = state === 'ready' || state === 'unavailable' || state === 'error';
    this.toggle.dataset.loaded = done ? 'true' : 'false';
    if (done) this.toggle.dataset.count = String(this.count ?? 0);
    else delete this.toggle.dataset.count;
    this.element.dataset.state = state;
  }

  #setOff() {
    this.#setState(this.on ? 'pending' : 'off');
    this.badge.hidden = true;
    this.note.hidden = true;
    this.legendBox.hidden = true;
    if (this.controlsBox) this.controlsBox.hidden = true;
    if (this.exportButton) this.exportButton.hidden = true;
  }

  // setOn shows or hides the layer, loading it first when needed.
  setOn(on) {
    this.on = on;
    this.toggle.checked = on;
    if (!on) {
      this.#cancel();
      this.loading = false;
      this.map.removeLayer(this.def.layer);
      if (this.def.off) {
        // A stream stops when hidden and starts again when shown.
        this.def.off();
        this.stale = true;
      }
      this.#setOff();
      return Promise.resolve();
    }
    this.map.addLayer(this.def.layer);
    if (this.stale || this.failure) return this.load();
    this.#setState('ready');
    this.badge.hidden = false;
    this.#renderNote();
    this.#renderLegend();
    return Promise.resolve();
  }

  // update takes a new view ({unit, range, window…}); changed lists which of
  // its parts changed (all when omitted). It reloads the layer when it is on
  // and depends on a changed part, else marks it stale for later.
  update(view, changed) {
    this.view = view;
    const affected = !changed || (this.def.depends || []).some((k) => changed.includes(k));
    if (!affected) return Promise.resolve();
    this.stale = true;
    return this.on ? this.load() : Promise.resolve();
  }

  // expect marks the layer as about to reload (data-loaded="false") when it
  // is on and depends on one of the changed parts; update follows shortly.
  expect(changed) {
    if (!this.on || !(this.def.depends || []).some((k) => changed.includes(k))) return;
    this.#cancel();
    this.loading = true;
    this.#setState('loading');
    this.#renderNote();
  }

  // refresh reloads the layer now (if on) or on its next showing.
  refresh() {
    this.stale = true;
    return this.on ? this.load() : Promise.resolve();
  }

  #cancel() {
    if (this.abort) this.abort.abort();
    this.abort = null;
  }

  // load fetches and draws the layer. It never rejects: failures become a
  // quiet note under the toggle.
  async load() {
    if (!this.view) return;
    this.#cancel();
    const controller = new AbortController();
    this.abort = controller;
    this.loading = true;
    this.failure = null;
    this.#setState('loading');
    this.#renderNote();
    this.#renderLegend();
    const started = performance.now();
    try {
      const count = await this.def.load(this.view, controller.signal);
      if (controller.signal.aborted) return;
      measure(`patrolmap:layer:${this.def.name}`, started);
      this.count = count;
      this.stale = false;
      this.loading = false;
      this.#renderBadge();
      this.badge.hidden = false;
      this.#setState('ready');
      this.onDrawn?.();
    } catch (err) {
      if (controller.signal.aborted || isAbort(err)) return;
      this.def.clear();
      this.count = 0;
      this.loading = false;
      this.failure = err && err.notAvailable ? 'unavailable' : 'error';
      this.badge.hidden = true;
      this.#setState(this.failure);
      if (this.failure === 'error') console.warn(`layer ${this.def.name}: ${err?.message || err}`);
    } finally {
      if (this.abort === controller) this.abort = null;
    }
    this.#renderNote();
    this.#renderLegend();
  }
}

// measure records how long a layer took to load and draw as a performance
// measure (read by the browser benchmark); old browsers simply skip it.
function measure(name, start) {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // performance.measure with options is Chrome 78+, Firefox 103+, Safari 14.1+.
  }
}
