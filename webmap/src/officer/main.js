// main.js is the officer's view: one hand, at night, on a phone. Tonight's suggested route with
// its ordered stops and minutes to stay, the key areas and their status tonight, the officer's
// own track, and a stay timer at a stop. Installable (manifest + service worker, sw.js); with
// the network gone it opens from the cache and shows the last plan and areas, and sends nothing.

import L from '../leaflet.js';
import { initLanguage, language, setLanguage, formatNumber } from '../i18n.js';
import { WORDS } from './words.js';
import { parseRetryAfter } from '../api.js';
import { loginFailure, loginFailureText } from '../signin.js';
import { stayState, clockText } from './stay.js';
import { routeStops, routeLines, boardAreas, nightRange, displayDate } from './tonight.js';

const STAY_KEY = 'patrolmap.officer.stay';
const REFRESH_MS = 60_000;
const STATUS_COLORS = { met: '#3fb950', pending: '#d29922', overdue: '#f85149', missed: '#f85149' };

const $ = (id) => document.getElementById(id);
const w = () => WORDS[language()] || WORDS.vi;

let csrf = '';
let offlineSince = ''; // the time the cached data was saved, when served from the cache
let state = null; // {unit, board, plan, track}
let map = null;
let drawn = null; // the layers drawn on the map, cleared on every render
let stayTimer = 0;
let loginError = null; // how to word the login form's error (a function of the words), or null

// el builds an element; text always goes in as text.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'testid') e.dataset.testid = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

// get fetches JSON; an answer the service worker gave from its cache marks the view offline.
async function get(path) {
  const res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json, application/geo+json' } });
  const cachedAt = res.headers.get('X-Patrolmap-Cached-At');
  if (cachedAt) offlineSince = cachedAt;
  if (!res.ok) {
    const err = new Error(`${res.status} ${path}`);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

// post sends JSON, never without the network: the view posts nothing offline.
async function post(path, body) {
  if (!navigator.onLine || offlineSince) {
    const err = new Error(w().notSent);
    err.notSent = true;
    throw err;
  }
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(body || {}) });
  if (!res.ok) {
    const err = new Error(`${res.status}`);
    err.status = res.status;
    err.retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
    throw err;
  }
  return res.status === 204 ? null : res.json();
}

function show(view) {
  document.body.dataset.view = view;
  $('login').hidden = view !== 'login';
  $('tonight').hidden = view !== 'tonight';
}

function hhmm(instant, timeZone) {
  try {
    return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(instant));
  } catch {
    return '';
  }
}

function renderNet() {
  const net = $('net');
  const offline = Boolean(offlineSince) || !navigator.onLine;
  net.hidden = !offline;
  net.textContent = offline ? w().offline(offlineSince ? hhmm(offlineSince, state?.unit?.timezone) : '') : '';
  document.body.dataset.online = offline ? 'false' : 'true';
}

function renderWords() {
  const t = w();
  document.documentElement.lang = language();
  $('title').textContent = t.title;
  $('lang').textContent = t.lang;
  $('login-title').textContent = t.login;
  $('login-user-label').textContent = t.username;
  $('login-pass-label').textContent = t.password;
  $('login-submit').textContent = t.login;
  $('route-title').textContent = t.route;
  $('areas-title').textContent = t.areas;
  $('track-title').textContent = t.track;
  $('hot-title').textContent = t.hotspots;
  $('handover-title').textContent = t.handovers;
  $('refresh').textContent = t.refresh;
  $('logout').textContent = t.logout;
  renderLoginError();
}

// renderLoginError words the login form's error in the current language.
function renderLoginError() {
  const err = $('login-error');
  err.hidden = !loginError;
  err.textContent = loginError ? loginError(w()) : '';
}

function renderStops() {
  const t = w();
  const list = $('stops');
  list.replaceChildren();
  const stops = routeStops(state.plan);
  if (stops.length <= 1) {
    list.append(el('li', { class: 'muted' }, t.noRoute));
    return;
  }
  for (const s of stops) {
    if (s.kind === 'start') {
      list.append(el('li', { class: 'stop start' }, el('span', { class: 'stop-no' }, '★'), el('span', { class: 'stop-name' }, t.start)));
      continue;
    }
    // A stay (10–16 min) belongs to the stops planned with one; a gap cell is patrolled in passing.
    const button = s.dwell >= 10
      ? el('button', { type: 'button', class: 'big stay-button', testid: 'officer-stay-start', onclick: () => startStay(s) }, t.stay)
      : null;
    list.append(el('li', { class: 'stop', testid: 'officer-stop', 'data-kind': s.kind },
      el('span', { class: 'stop-no' }, String(s.order)),
      el('span', { class: 'stop-body' }, el('span', { class: 'stop-name' }, s.name),
        s.repeat ? el('span', { class: 'stop-repeat', testid: 'officer-stop-repeat' }, t.onFrom(s.repeat.after, s.repeat.metres && formatNumber(s.repeat.metres))) : null,
        el('span', { class: 'stop-dwell' }, t.stayFor(s.dwell))),
      button));
  }
}

function renderAreas() {
  const t = w();
  const list = $('areas');
  list.replaceChildren();
  const areas = boardAreas(state.board);
  if (areas.length === 0) list.append(el('li', { class: 'muted' }, t.noAreas));
  for (const a of areas) {
    const deadline = a.deadline_at ? t.deadline(hhmm(a.deadline_at, state.unit.timezone)) : '';
    list.append(el('li', { class: `area status-${a.status}`, testid: 'officer-area', 'data-status': a.status },
      el('span', { class: 'area-name' }, a.name),
      el('span', { class: 'area-facts' }, [t.visits(a.visits, a.required), deadline].filter(Boolean).join(' · ')),
      el('span', { class: `chip status-${a.status}` }, t.status[a.status] || a.status)));
  }
}

function renderHotspots() {
  const t = w();
  const list = $('hotspots');
  list.replaceChildren();
  const hot = state.board?.hotspots || [];
  if (hot.length === 0) list.append(el('li', { class: 'muted' }, t.noHotspots));
  for (const h of hot.slice(0, 8)) {
    const status = h.dosage_met ? 'met' : 'overdue';
    list.append(el('li', { class: `area status-${status}`, testid: 'officer-hotspot' },
      el('span', { class: 'area-name' }, h.place || h.cell),
      el('span', { class: 'area-facts' }, t.dose(h.visits, formatNumber(Math.round(h.longest_gap_min)))),
      el('span', { class: `chip status-${status}` }, h.dosage_met ? t.doseMet : t.doseShort)));
  }
}

function renderHandovers() {
  const t = w();
  const list = $('handovers');
  list.replaceChildren();
  const items = state.handovers?.handovers || [];
  if (items.length === 0) list.append(el('li', { class: 'muted' }, t.noHandovers));
  for (const h of items.slice(0, 7)) {
    const href = `${h.html}&lang=${language()}`;
    list.append(el('li', {}, el('a', { class: 'big link', href, target: '_blank', rel: 'noopener' }, t.handoverOf(displayDate(h.night, language())))));
  }
}

function renderMap() {
  if (!map) {
    map = L.map($('map'), { zoomControl: true, attributionControl: false });
    drawn = L.layerGroup().addTo(map);
  }
  drawn.clearLayers();
  const bounds = L.latLngBounds([]);
  const boundary = state.unit.boundary;
  if (boundary) {
    const b = L.geoJSON(boundary, { style: { color: '#8b949e', weight: 2, dashArray: '6 6', fill: false } }).addTo(drawn);
    bounds.extend(b.getBounds());
  }
  const status = new Map((state.board?.areas || []).map((a) => [a.area_id, a.status]));
  if (state.areas) {
    L.geoJSON(state.areas, {
      filter: (f) => status.has(f.properties?.id),
      style: (f) => ({ color: STATUS_COLORS[status.get(f.properties.id)] || '#d29922', weight: 3, fillOpacity: 0.25 }),
    }).addTo(drawn);
  }
  for (const line of routeLines(state.plan)) {
    const l = L.polyline(line, { color: '#58a6ff', weight: 5, opacity: 0.9 }).addTo(drawn);
    bounds.extend(l.getBounds());
  }
  for (const s of routeStops(state.plan)) {
    const label = s.kind === 'start' ? '★' : String(s.order);
    L.marker([s.lat, s.lon], { icon: L.divIcon({ className: 'stop-pin', html: `<span>${label}</span>`, iconSize: [30, 30] }), keyboard: false }).addTo(drawn);
  }
  let km = 0;
  for (const f of state.track?.features || []) {
    km += Number(f.properties?.km) || 0;
    const g = L.geoJSON(f.geometry, { style: { color: '#f0f6fc', weight: 4, opacity: 0.95 } }).addTo(drawn);
    bounds.extend(g.getBounds());
  }
  const t = w();
  $('track-note').textContent = state.track?.features?.length ? t.km(formatNumber(km, { maximumFractionDigits: 1 })) : t.noTrack;
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
  else map.setView([21.03, 105.85], 14);
}

function render() {
  renderWords();
  renderNet();
  if (!state) return;
  $('subtitle').textContent = `${state.unit.name} · ${w().night(displayDate(state.board.night, language()))}`;
  renderStops();
  renderAreas();
  renderHotspots();
  renderHandovers();
  renderMap();
  renderStay();
}

// ---- the stay timer ----

function startStay(stop) {
  localStorage.setItem(STAY_KEY, JSON.stringify({ name: stop.name, order: stop.order, startedAt: Date.now() }));
  renderStay();
  $('stay').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function endStay() {
  localStorage.removeItem(STAY_KEY);
  renderStay();
}

function renderStay() {
  clearInterval(stayTimer);
  const box = $('stay');
  let stay = null;
  try {
    stay = JSON.parse(localStorage.getItem(STAY_KEY) || 'null');
  } catch {
    stay = null;
  }
  box.hidden = !stay;
  if (!stay) return;
  const t = w();
  const draw = () => {
    const s = stayState(stay.startedAt, Date.now());
    const phaseText = { short: t.stayShort, good: t.stayGood, long: t.stayLong }[s.phase];
    box.dataset.phase = s.phase;
    const bar = el('div', { class: 'stay-bar' }, el('div', { class: 'stay-fill' }), el('span', { class: 'mark m10' }), el('span', { class: 'mark m16' }));
    bar.firstChild.style.width = `${Math.round(s.fraction * 100)}%`;
    box.replaceChildren(
      el('p', { class: 'stay-stop' }, `${t.stop(stay.order)} · ${stay.name}`),
      el('p', { class: 'stay-clock', testid: 'officer-stay-clock' }, clockText(s.elapsed)),
      bar,
      el('p', { class: 'stay-phase' }, `${phaseText} · ${t.stayHint}`),
      el('button', { type: 'button', class: 'big', testid: 'officer-stay-end', onclick: endStay }, t.stopStay),
    );
  };
  draw();
  stayTimer = setInterval(draw, 1000);
}

// ---- loading ----

async function load() {
  offlineSince = '';
  const session = await get('/api/v1/session');
  if (!session?.authenticated) {
    show('login');
    renderWords();
    return;
  }
  csrf = session.csrf_token || csrf;
  const units = await get('/api/v1/units');
  const unitFeature = (units.features || []).find((f) => f.properties?.code === session.unit) || (units.features || [])[0];
  if (!unitFeature) throw new Error('no unit');
  const unit = { ...unitFeature.properties, boundary: unitFeature.geometry };
  const code = encodeURIComponent(unit.code);
  const board = await get(`/api/v1/night?unit=${code}`);
  const night = encodeURIComponent(board.night);
  const [plan, areas, track, handovers] = await Promise.all([
    // The stops are named in the view's language; when the plan cannot be had in it (a switch
    // with the network gone, nothing cached), the plan already shown for this night stays.
    get(`/api/v1/plan?unit=${code}&night=${night}&lang=${language()}`).catch(() => (state?.board?.night === board.night ? state.plan : null)),
    get(`/api/v1/areas?unit=${code}`).catch(() => null),
    (board.my_devices || []).length
      ? get(`/api/v1/tracks?unit=${code}&from=${board.night}&to=${nightRange(board.night).to}&window=night&device=${encodeURIComponent(board.my_devices[0])}`).catch(() => null)
      : Promise.resolve(null),
    get(`/api/v1/handovers?unit=${code}`).catch(() => null),
    namePlaces(code, board),
  ]);
  state = { unit, board, plan, areas, track, handovers };
  show('tonight');
  render();
  document.body.dataset.ready = 'true';
}

// namePlaces names the board's hot spot cells as the map's popups do (GET /api/v1/places),
// writing the names into the board; a failure leaves the cell ids.
async function namePlaces(code, board) {
  const cells = (board.hotspots || []).slice(0, 8).map((h) => h.cell);
  if (cells.length === 0) return;
  const { to } = nightRange(board.night);
  const query = cells.map((c) => `cell=${encodeURIComponent(c)}`).join('&');
  try {
    const answer = await get(`/api/v1/places?unit=${code}&from=${board.night}&to=${to}&lang=${language()}&${query}`);
    const names = new Map((answer.places || []).map((p) => [p.cell, p.title]));
    for (const h of board.hotspots) if (names.get(h.cell)) h.place = names.get(h.cell);
  } catch (e) {
    console.warn('places:', e);
  }
}

// login signs in; a refusal is worded by its cause (signin.js), a failure to load tonight's
// data once signed in as the view's own load error.
async function login(ev) {
  ev.preventDefault();
  loginError = null;
  renderLoginError();
  let me;
  try {
    me = await post('/api/v1/login', { username: $('login-user').value.trim(), password: $('login-pass').value });
  } catch (e) {
    const failure = loginFailure(e, { online: navigator.onLine });
    if (failure.kind !== 'wrong') console.warn('login:', e);
    loginError = () => loginFailureText(failure);
    renderLoginError();
    return;
  }
  csrf = me?.csrf_token || '';
  try {
    await load();
  } catch (e) {
    console.warn('load:', e);
    loginError = (t) => t.error;
    renderLoginError();
  }
}

async function boot() {
  initLanguage();
  renderWords();
  $('lang').addEventListener('click', () => {
    setLanguage(language() === 'vi' ? 'en' : 'vi');
    render();
    // The stops' names come from the server: ask for them in the new language.
    if (state && navigator.onLine) load().catch(() => renderNet());
  });
  $('login-form').addEventListener('submit', login);
  $('refresh').addEventListener('click', () => load().catch(fail));
  $('logout').addEventListener('click', async () => {
    try {
      await post('/api/v1/logout');
      window.location.reload();
    } catch (e) {
      $('net').hidden = false;
      $('net').textContent = e.message;
    }
  });
  window.addEventListener('online', renderNet);
  window.addEventListener('offline', renderNet);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js', { scope: './' }).catch((e) => console.warn('service worker:', e));
  }
  await load();
  setInterval(() => {
    if (navigator.onLine && state) load().catch(() => renderNet());
  }, REFRESH_MS);
}

function fail(e) {
  console.warn(e);
  const net = $('net');
  net.hidden = false;
  net.textContent = w().error;
}

boot().catch(fail);
