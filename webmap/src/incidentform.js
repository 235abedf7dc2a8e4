// incidentform.js is the dialog for one incident's fields: category,
// severity, time (wall-clock time in the unit's zone), description and, when
// editing, status. It checks the values, hands them to a save function and
// shows the server's field errors next to the fields.

import { h } from './dom.js';
import { t, label, formatFixed } from './i18n.js';
import { fieldIn, fieldSet, serverErrors } from './formfields.js';
import { localDateTimeIn, zonedToInstant } from './time.js';

export const CATEGORIES = ['theft', 'robbery', 'drugs', 'gambling', 'prostitution', 'disorder', 'traffic_accident', 'fire', 'fraud', 'other'];
export const SEVERITIES = [1, 2, 3, 4, 5];
const STATUSES = ['open', 'closed'];
const FIELDS = ['category', 'severity', 'time', 'description', 'status', 'lat', 'lon'];
const MAX_DESCRIPTION = 4000;

// incidentFieldOf maps a server error's field ("time", "incidents[0].time",
// "/incidents/0/category") to one of the form's fields, or null.
export function incidentFieldOf(path) {
  return fieldIn(FIELDS, path);
}

// validateIncident checks the form values ({category, severity, time,
// description}) in timeZone at now and returns {incident, problems}, where
// incident carries time as an RFC 3339 instant.
export function validateIncident(values, timeZone, now = new Date()) {
  const problems = {};
  const incident = {};
  if (!CATEGORIES.includes(values.category)) problems.category = 'incident.categoryRequired';
  else incident.category = values.category;
  const severity = Number(values.severity);
  if (!SEVERITIES.includes(severity)) problems.severity = 'incident.severityInvalid';
  else incident.severity = severity;
  const when = zonedToInstant(values.time, timeZone);
  if (!when) problems.time = 'incident.timeInvalid';
  else if (when.getTime() > now.getTime() + 5 * 60 * 1000) problems.time = 'incident.timeFuture';
  else incident.time = when.toISOString();
  const description = String(values.description ?? '').trim();
  if (new TextEncoder().encode(description).length > MAX_DESCRIPTION) problems.description = 'incident.descriptionLong';
  else incident.description = description;
  if (values.status !== undefined) incident.status = values.status;
  return { incident, problems };
}

// openIncidentForm shows the dialog. values: {category, severity, time
// (instant), description, status}; latlng the place; editing adds the status
// field. save(incident) must resolve once stored or throw an ApiError. The
// promise resolves to what save resolved to, or null when cancelled.
export function openIncidentForm({ title, values = {}, latlng, timeZone, editing = false, save }) {
  return new Promise((resolve) => {
    const { inputs, general, field, show: showErrors } = fieldSet('incident');

    const category = h('select', { name: 'category', testid: 'incident-category', required: true },
      h('option', { value: '', disabled: true, selected: !values.category }, t('incident.choose')),
      CATEGORIES.map((c) => h('option', { value: c, selected: c === values.category }, label('category', c))));
    const severity = h('select', { name: 'severity', testid: 'incident-severity' },
      SEVERITIES.map((s) => h('option', { value: String(s), selected: s === Number(values.severity ?? 3) }, t(`incident.severity${s}`))));
    const now = new Date();
    const time = h('input', {
      type: 'datetime-local', name: 'time', testid: 'incident-time', required: true,
      value: localDateTimeIn(values.time || now, timeZone), max: localDateTimeIn(now, timeZone),
    });
    const description = h('textarea', { name: 'description', testid: 'incident-description', rows: 3, maxlength: MAX_DESCRIPTION }, values.description || '');
    const status = editing
      ? h('select', { name: 'status', testid: 'incident-status' },
        STATUSES.map((s) => h('option', { value: s, selected: s === (values.status || 'open') }, label('status', s))))
      : null;

    const saveButton = h('button', { type: 'submit', class: 'button primary', testid: 'incident-save' }, t('incident.save'));
    const cancelButton = h('button', { type: 'button', class: 'button', testid: 'incident-cancel' }, t('area.cancel'));
    const where = latlng
      ? h('p', { class: 'form-note', testid: 'incident-location' },
        t('incident.location', { lat: formatFixed(latlng.lat, 5), lon: formatFixed(latlng.lng, 5) }))
      : null;

    const form = h('form', { class: 'incident-form', testid: 'incident-form', novalidate: true },
      h('h2', {}, title),
      where,
      field('category', t('incident.category'), category),
      field('severity', t('incident.severity'), severity),
      field('time', t('incident.timeLocal'), time),
      status ? field('status', t('incident.status'), status) : null,
      field('description', t('incident.description'), description),
      general,
      h('div', { class: 'form-actions' }, cancelButton, saveButton),
    );
    const dialog = h('dialog', { class: 'dialog', testid: 'incident-dialog' }, form);
    document.body.append(dialog);

    let result = null;
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    cancelButton.addEventListener('click', () => dialog.close());

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const { incident, problems } = validateIncident({
        category: category.value, severity: severity.value, time: time.value, description: description.value, status: status?.value,
      }, timeZone);
      if (Object.keys(problems).length > 0) {
        showErrors(Object.fromEntries(Object.entries(problems).map(([k, key]) => [k, t(key)])), '');
        return;
      }
      showErrors({}, '');
      saveButton.disabled = true;
      saveButton.textContent = t('area.saving');
      try {
        result = (await save(incident)) ?? true;
        dialog.close();
      } catch (err) {
        const { byField, message } = serverErrors(err, inputs, incidentFieldOf);
        showErrors(byField, message);
      } finally {
        saveButton.disabled = false;
        saveButton.textContent = t('incident.save');
      }
    });

    dialog.showModal();
    category.focus();
  });
}
