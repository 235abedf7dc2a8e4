// api.js is the one place that talks HTTP to the patrolmap server: JSON in
// and out, the session cookie (same origin only), the CSRF token on every
// request that changes something, and application/problem+json errors turned
// into ApiError values the UI can show.

const BASE = '/api/v1';

let csrfToken = '';
let unauthorizedHandler = null;

// ApiError is a failed request. status is 0 when the server could not be
// reached. title, detail and errors ({field, message}) come from the
// problem+json body; retryAfter (seconds) from a Retry-After header.
export class ApiError extends Error {
  constructor({ status, title = '', detail = '', type = '', errors = [], retryAfter = null, reason = '' }) {
    super(detail || title || reason || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = typeof title === 'string' ? title : '';
    this.detail = typeof detail === 'string' ? detail : '';
    this.type = typeof type === 'string' ? type : '';
    this.errors = Array.isArray(errors) ? errors.filter((e) => e && typeof e === 'object') : [];
    this.retryAfter = retryAfter;
    this.reason = reason; // 'network' or 'bad-response' for failures that are not HTTP errors
  }

  // notAvailable reports an endpoint this server does not offer (yet).
  get notAvailable() {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }
}

// isAbort reports whether err comes from an aborted fetch.
export function isAbort(err) {
  return Boolean(err) && err.name === 'AbortError';
}

// setCsrfToken keeps the token from login or /me for later non-GET requests.
export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

// onUnauthorized registers fn to run when a signed-in request answers 401.
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function buildURL(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${BASE}${path}?${qs}` : `${BASE}${path}`;
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date).
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  const trimmed = String(value).trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const when = Date.parse(trimmed);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - now) / 1000));
}

async function readProblem(res) {
  let body = null;
  if (/json/i.test(res.headers.get('Content-Type') || '')) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  const b = body && typeof body === 'object' ? body : {};
  return new ApiError({
    status: res.status,
    title: b.title,
    detail: b.detail,
    type: b.type,
    errors: b.errors,
    retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
  });
}

async function request(method, path, { query, body, signal, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(buildURL(path, query), init);
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError({ status: 0, reason: 'network' });
  }

  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(problem);
    throw problem;
  }
  if (res.status === 204 || res.status === 205) return null;
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ status: res.status, reason: 'bad-response' });
  }
}

async function getCollection(path, query, signal) {
  const fc = await request('GET', path, { query, signal });
  if (!fc || !Array.isArray(fc.features)) {
    throw new ApiError({ status: 200, reason: 'bad-response' });
  }
  return fc;
}

function idPath(prefix, id) {
  return `${prefix}/${encodeURIComponent(String(id))}`;
}

// api lists the endpoints the web map uses. Date ranges are {from, to} local
// dates, half-open, as the server expects.
export const api = {
  config: () => request('GET', '/config', { quiet401: true }),
  // session answers 200 for everyone: {authenticated:false} before login, so booting the
  // page leaves no failed request in the console.
  session: () => request('GET', '/session', { quiet401: true }),
  login: (username, password) => request('POST', '/login', { body: { username, password }, quiet401: true }),
  logout: () => request('POST', '/logout', { quiet401: true }),

  units: (signal) => getCollection('/units', undefined, signal),
  areas: (unit, signal) => getCollection('/areas', { unit }, signal),
  createArea: (unit, feature) => request('POST', '/areas', { query: { unit }, body: feature }),
  updateArea: (id, feature) => request('PUT', idPath('/areas', id), { body: feature }),
  deleteArea: (id) => request('DELETE', idPath('/areas', id)),
  roads: (unit, signal) => getCollection('/roads', { unit }, signal),

  incidents: ({ unit, from, to }, signal) => getCollection('/incidents', { unit, from, to }, signal),
  // createIncidents posts {"incidents":[…]} and answers {accepted, duplicates, rejected, created}.
  createIncidents: (unit, incidents) => request('POST', '/incidents', { query: { unit }, body: { incidents } }),
  updateIncident: (id, fields) => request('PUT', idPath('/incidents', id), { body: fields }),
  voidIncident: (id) => request('DELETE', idPath('/incidents', id)),
  coverage: ({ unit, from, to, window }, signal) => getCollection('/coverage', { unit, from, to, window }, signal),
  // gaps: each gap's reason comes in lang (vi or en).
  gaps: ({ unit, from, to, minNights, lang }, signal) =>
    getCollection('/gaps', { unit, from, to, min_nights: minNights, lang }, signal),
  compliance: ({ unit, from, to }, signal) => getCollection('/compliance', { unit, from, to }, signal),
  tracks: ({ unit, from, to, window, device }, signal) => getCollection('/tracks', { unit, from, to, window, device }, signal),
  // plan: the suggested route; its stop and route names come in lang (vi or en).
  plan: ({ unit, night, lang }, signal) => getCollection('/plan', { unit, night, lang }, signal),
  routes: ({ unit, night }, signal) => getCollection('/routes', { unit, night }, signal),
  createRoute: (unit, feature) => request('POST', '/routes', { query: { unit }, body: feature }),
  deleteRoute: (id) => request('DELETE', idPath('/routes', id)),
  hotspots: ({ unit, from, to }, signal) => getCollection('/hotspots', { unit, from, to }, signal),
  emerging: ({ unit, from, to, step = 'week' }, signal) => getCollection('/emerging', { unit, from, to, step }, signal),
  // summary: the chief's four numbers (GET /api/v1/summary).
  summary: ({ unit, from, to, lang }, signal) => request('GET', '/summary', { query: { unit, from, to, lang }, signal }),
  // places names cells as the report does: {places: [{cell, title, road, groups, key_areas}]}.
  places: ({ unit, from, to, cells, lang }, signal) => request('GET', '/places', { query: { unit, from, to, cell: cells, lang }, signal }),
  // The proof report: its content as JSON, archiving (editors) and the unit's archive.
  reportContent: ({ unit, from, to, lang }, signal) => request('GET', '/report', { query: { unit, from, to, lang, format: 'json' }, signal }),
  archiveReport: ({ unit, from, to, lang }) => request('POST', '/reports', { query: { unit, from, to, lang } }),
  reports: (unit, signal) => request('GET', '/reports', { query: { unit }, signal }),
  // evaluate posts a drawn route (a GeoJSON Feature) and answers what it covers.
  evaluate: ({ unit, night }, feature, signal) => request('POST', '/plan/evaluate', { query: { unit, night }, body: feature, signal }),
  // Tonight (issue 16): the night board, deadline alerts and their acknowledgement.
  night: ({ unit, night, at }, signal) => request('GET', '/night', { query: { unit, night, at }, signal }),
  alerts: ({ unit, from, to }, signal) => request('GET', '/alerts', { query: { unit, from, to }, signal }),
  ackAlert: (id) => request('POST', `${idPath('/alerts', id)}/ack`),
};

// planGPXURL is the address of the suggested route of a night as GPX (the same
// answer the API gives to GET /api/v1/plan?format=gpx), its names in lang.
export function planGPXURL({ unit, night, lang }) {
  return buildURL('/plan', { unit, night, lang, format: 'gpx' });
}
