// reportpanel.js is the "Lập báo cáo" action: the proof report of a period
// (from a first day through a last day, both included — "đến hết ngày"), in
// Vietnamese or English. It previews the verdict and its three lines (GET
// /api/v1/report?format=json), opens the page or its PDF, archives it with a
// number (POST /api/v1/reports, editors) and lists the unit's archived reports
// with number, period, verdict and hash. It keeps to its own card beside the
// map; the workspace only places its button in the side panel.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { createDateInput } from './dateinput.js';
import { t, formatLocalDate, formatDateTime, formatNumber, language, onLanguageChange } from './i18n.js';
import { addDays, validRange } from './time.js';
import { showMessage, showError, errorMessage } from './notify.js';
import { reportMessages } from './reportmessages.js';
import { messages } from './messages.js';
import { useMap } from './header.js';

for (const [lang, table] of Object.entries(reportMessages)) Object.assign(messages[lang], table);

// reportQuery turns an inclusive range into the report's half-open query:
// the day after the last day is where the period ends.
export function reportQuery(unit, range, lang) {
  return { unit, from: range.from, to: addDays(range.to, 1), lang };
}

// reportURL is the address of the report page (format html) or PDF.
export function reportURL(query, format) {
  const params = new URLSearchParams({ unit: query.unit, from: query.from, to: query.to, lang: query.lang });
  if (format && format !== 'html') params.set('format', format);
  return `/api/v1/report?${params}`;
}

// reportFileName names the PDF a report downloads as, in the report's own
// language (query.lang), for its inclusive period range.
export function reportFileName(query, range) {
  const words = reportMessages[query.lang] || reportMessages.vi;
  return `${words['report.file']}-${query.unit}-${range.from}-${range.to}.pdf`;
}

// shortHash shows the start and end of a SHA-256, enough to compare by eye.
export function shortHash(hex) {
  const s = String(hex || '');
  return s.length > 16 ? `${s.slice(0, 8)}…${s.slice(-8)}` : s;
}

// lastDayOf reads an archived report's last included day from its half-open
// "to" (a date) — or "" when the period was given as instants.
export function lastDayOf(to) {
  return /^\d{4}-\d{2}-\d{2}$/.test(String(to || '')) ? addDays(to, -1) : '';
}

// createReportPanel returns {element (the side-panel button), update(view),
// open(), close()}.
export function createReportPanel({ container, getView, canArchive }) {
  const card = h('aside', { class: 'report-panel', testid: 'report-panel', hidden: true, 'aria-labelledby': 'report-title' });
  container.append(card);
  const openButton = h('button', { type: 'button', class: 'button wide', testid: 'report-open' });
  openButton.addEventListener('click', () => (card.hidden ? open() : close()));
  const element = h('section', { class: 'panel-section report-tools' }, openButton);

  let range = null; // inclusive {from, to}
  let lang = language();
  let preview = null; // the JSON content of the report
  let previewing = false;
  let archived = null; // the last archive answer
  let list = null; // the unit's archived reports
  let busy = false;
  let seq = 0;
  let unitCode = '';

  const fromInput = createDateInput({ id: 'report-from', testid: 'report-from', onChange: (iso) => setRange({ ...range, from: iso }) });
  const toInput = createDateInput({ id: 'report-to', testid: 'report-to', onChange: (iso) => setRange({ ...range, to: iso }) });
  const langSelect = h('select', { id: 'report-lang', testid: 'report-lang' },
    h('option', { value: 'vi' }, 'Tiếng Việt'), h('option', { value: 'en' }, 'English'));
  langSelect.addEventListener('change', () => {
    lang = langSelect.value;
    preview = null;
    render();
  });

  function setRange(next) {
    range = next;
    preview = null;
    archived = null;
    render();
  }

  const query = () => reportQuery(getView().unit.code, range, lang);

  async function runPreview() {
    if (!validRange(range)) {
      showMessage(() => t('report.badRange'));
      return;
    }
    const mine = ++seq;
    previewing = true;
    render();
    try {
      const content = await api.reportContent(query());
      if (mine === seq) preview = content;
    } catch (err) {
      if (mine === seq) showError(err);
    } finally {
      if (mine === seq) {
        previewing = false;
        render();
      }
    }
  }

  async function runArchive() {
    if (!validRange(range) || busy) return;
    busy = true;
    render();
    try {
      archived = await api.archiveReport(query());
      showMessage(() => t('report.archivedAs', { number: archived.number || '' }));
      await loadList();
    } catch (err) {
      showError(err);
    } finally {
      busy = false;
      render();
    }
  }

  async function loadList() {
    try {
      const answer = await api.reports(getView().unit.code);
      list = Array.isArray(answer?.reports) ? answer.reports : [];
    } catch (err) {
      list = [];
      card.dataset.listError = errorMessage(err);
    }
    render();
  }

  const verdictBlock = () => {
    if (previewing) return h('p', { class: 'muted', testid: 'report-previewing' }, t('report.previewing'));
    if (!preview) return null;
    const v = preview.verdict;
    const keyPct = preview.settings?.key_area_nights_pct ?? 100;
    const coverPct = preview.settings?.max_unpatrolled_pct ?? 0;
    const lines = [
      [t('report.line.hotspots'), preview.problem_hotspots.length ? t('report.fail') : t('report.pass'),
        preview.problem_hotspots.length ? preview.problem_hotspots.map((p) => `${t(`report.group.${p.group}`)}: ${p.place} (${formatNumber(p.incidents)} ${t('report.incidents')}, ${formatNumber(p.weeks)} ${t('report.weeks')})`).join('; ') : t('report.noHotspot')],
      [t('report.line.data'), 2 * preview.nights_with_fixes >= preview.nights && preview.nights > 0 ? t('report.enough') : t('report.notEnough'), t('report.nightsWithFixes', { n: formatNumber(preview.nights_with_fixes), of: formatNumber(preview.nights) })],
      [t('report.line.keyAreas'), preview.key_areas_pass ? t('report.pass') : t('report.fail'),
        t('report.keyAreasMet', { n: formatNumber(preview.key_areas.filter((k) => k.nights_met * 100 >= keyPct * k.nights_required).length), of: formatNumber(preview.key_areas.length), pct: formatNumber(keyPct) })],
      [t('report.line.coverage'), preview.coverage_pass ? t('report.pass') : t('report.fail'),
        t('report.unpatrolled', { n: formatNumber(preview.unpatrolled_cells), of: formatNumber(preview.study_cells), pct: formatNumber(coverPct) })],
      [t('report.line.compare'), '', t('report.compare', {
        new: formatNumber(preview.comparison.new.length), persisting: formatNumber(preview.comparison.persisting.length),
        resolved: formatNumber(preview.comparison.resolved.length),
      })],
    ];
    return h('div', { class: `report-verdict verdict-${v}`, testid: 'report-verdict', dataset: { verdict: v } },
      h('p', { class: 'report-verdict-word' }, t(`report.verdict.${v}`)),
      h('table', { class: 'report-lines', testid: 'report-lines' },
        h('tbody', {}, lines.map(([what, result, grounds]) => h('tr', {}, h('th', { scope: 'row' }, what), h('td', { class: 'report-result' }, result), h('td', {}, grounds))))),
    );
  };

  const archivedBlock = () => {
    if (!archived) return null;
    return h('p', { class: 'report-archived', testid: 'report-archived', dataset: { number: archived.number || '', sha256: archived.sha256 || '' } },
      t('report.archivedAs', { number: archived.number || '' }), ' ',
      h('a', { href: `${archived.href}?format=pdf`, target: '_blank', rel: 'noopener', testid: 'report-archived-pdf' }, t('report.pdf')), ' · ',
      h('a', { href: archived.verify, target: '_blank', rel: 'noopener' }, t('report.verifyLink')));
  };

  const listBlock = () => {
    if (list === null) return h('p', { class: 'muted' }, t('report.listLoading'));
    if (list.length === 0) return h('p', { class: 'muted', testid: 'report-list-empty' }, t('report.listEmpty'));
    return h('table', { class: 'report-list', testid: 'report-list' },
      h('thead', {}, h('tr', {}, ['report.col.number', 'report.col.period', 'report.col.verdict', 'report.col.hash'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, list.map((r) => {
        const last = lastDayOf(r.to);
        const period = last ? t('report.periodText', { from: formatLocalDate(r.from), to: formatLocalDate(last) }) : `${r.from} – ${r.to}`;
        return h('tr', { testid: 'report-row', dataset: { id: String(r.id), number: r.number || '', sha256: r.sha256 } },
          h('td', {}, h('a', { href: `${r.href}?format=pdf`, target: '_blank', rel: 'noopener' }, r.number || `#${r.id}`)),
          h('td', {}, period, h('br'), h('span', { class: 'muted' }, formatDateTime(r.created_at, getView().timeZone))),
          h('td', { class: `verdict-${r.verdict}` }, t(`report.verdict.${r.verdict}`)),
          h('td', { class: 'mono', title: r.sha256 }, h('a', { href: r.verify, target: '_blank', rel: 'noopener' }, shortHash(r.sha256))));
      })));
  };

  // The card's parts: the heading and the form stay put (so typing a date is
  // never interrupted); the rest is drawn again on every change.
  const title = h('h2', { id: 'report-title' });
  const closeButton = h('button', { type: 'button', class: 'icon-button report-close', testid: 'report-close' }, '×');
  closeButton.addEventListener('click', () => closePanel());
  const labels = { from: h('span'), to: h('span'), lang: h('span') };
  const body = h('div', { class: 'report-body' });
  card.append(
    h('header', { class: 'report-head' }, title, closeButton),
    h('div', { class: 'report-form' },
      h('label', { class: 'field', for: 'report-from' }, labels.from, fromInput.element),
      h('label', { class: 'field', for: 'report-to' }, labels.to, toInput.element),
      h('label', { class: 'field', for: 'report-lang' }, labels.lang, langSelect)),
    body);

  function render() {
    openButton.textContent = t('report.open');
    openButton.setAttribute('aria-expanded', String(!card.hidden));
    title.textContent = t('report.title');
    closeButton.setAttribute('aria-label', t('report.close'));
    closeButton.title = t('report.close');
    labels.from.textContent = t('report.from');
    labels.to.textContent = t('report.to');
    labels.lang.textContent = t('report.lang');
    if (fromInput.iso !== (range?.from || '')) fromInput.iso = range?.from || '';
    if (toInput.iso !== (range?.to || '')) toInput.iso = range?.to || '';
    langSelect.value = lang;
    if (card.hidden) return;
    clear(body);
    if (validRange(range)) {
      body.append(h('p', { class: 'report-period', testid: 'report-period' },
        t('report.periodText', { from: formatLocalDate(range.from), to: formatLocalDate(range.to) })));
    }
    const previewButton = h('button', { type: 'button', class: 'button primary', testid: 'report-preview', disabled: previewing || !validRange(range) }, t('report.preview'));
    previewButton.addEventListener('click', runPreview);
    const q = validRange(range) ? query() : null;
    const actions = h('div', { class: 'report-actions' }, previewButton,
      q ? h('a', { class: 'button', href: reportURL(q, 'html'), target: '_blank', rel: 'noopener', testid: 'report-html' }, t('report.openPage')) : null,
      q ? h('a', { class: 'button', href: reportURL(q, 'pdf'), download: reportFileName(q, range), testid: 'report-pdf' }, t('report.pdf')) : null);
    if (canArchive()) {
      const archiveButton = h('button', { type: 'button', class: 'button', testid: 'report-archive', disabled: busy || !validRange(range) }, busy ? t('report.archiving') : t('report.archive'));
      archiveButton.addEventListener('click', runArchive);
      actions.append(archiveButton);
    }
    body.append(actions, verdictBlock() || '', archivedBlock() || '',
      h('h3', {}, t('report.listTitle')), listBlock());
  }

  function open() {
    const view = getView();
    if (!range) range = { ...view.range };
    card.hidden = false;
    document.body.classList.add('report-open');
    // On a phone the side panel, which holds the button, slides away from the card.
    useMap();
    render();
    loadList();
  }

  function closePanel() {
    card.hidden = true;
    document.body.classList.remove('report-open');
    render();
  }

  onLanguageChange(() => {
    lang = language();
    render();
  });
  render();

  return {
    element,
    open,
    close: closePanel,
    // update follows the map's unit and period while the card is closed.
    update(view) {
      const unitChanged = view.unit.code !== unitCode;
      unitCode = view.unit.code;
      if (card.hidden || unitChanged) {
        range = { ...view.range };
        preview = null;
        archived = null;
        list = null;
      }
      render();
      if (!card.hidden && unitChanged) loadList();
    },
  };
}
