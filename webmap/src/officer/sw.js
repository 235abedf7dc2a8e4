// sw.js is the officer view's service worker (scope /officer/). The app shell is cached at
// install; the few GET answers the view reads are fetched from the network first and kept, so
// with the network gone the view still opens and shows the last plan, areas and track, marked
// with when they were saved. Anything but GET goes to the network or fails: nothing is queued,
// nothing is sent later.
//
// build-officer.mjs replaces __VERSION__ and __SHELL__.

/* global __VERSION__, __SHELL__ */
const VERSION = __VERSION__;
const SHELL = __SHELL__;
const SHELL_CACHE = `patrolmap-officer-shell-${VERSION}`;
const DATA_CACHE = 'patrolmap-officer-data';
const NETWORK_TIMEOUT_MS = 6000;
const API = new Set(['/api/v1/session', '/api/v1/units', '/api/v1/night', '/api/v1/plan', '/api/v1/areas', '/api/v1/tracks', '/api/v1/handovers', '/api/v1/places']);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('patrolmap-officer-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (API.has(url.pathname)) {
    event.respondWith(networkFirst(req, DATA_CACHE, true));
  } else if (url.pathname.startsWith('/officer/') || url.pathname === '/favicon.svg') {
    event.respondWith(networkFirst(req, SHELL_CACHE, false));
  }
});

// fetchSoon is fetch that gives up after NETWORK_TIMEOUT_MS, so a dead network falls back to
// the cache quickly.
function fetchSoon(req) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), NETWORK_TIMEOUT_MS);
  return fetch(req, { signal: ctrl.signal }).finally(() => clearTimeout(timer));
}

async function networkFirst(req, cacheName, isData) {
  const cache = await caches.open(cacheName);
  try {
    const res = await fetchSoon(req);
    if (res.ok) {
      const headers = new Headers(res.headers);
      headers.set('X-Patrolmap-Saved-At', new Date().toISOString());
      const body = await res.clone().blob();
      await cache.put(req, new Response(body, { status: res.status, statusText: res.statusText, headers }));
    }
    return res;
  } catch (err) {
    const hit = await cache.match(req);
    if (!hit) throw err;
    if (!isData) return hit;
    const headers = new Headers(hit.headers);
    headers.set('X-Patrolmap-Cached-At', hit.headers.get('X-Patrolmap-Saved-At') || new Date(0).toISOString());
    return new Response(await hit.blob(), { status: hit.status, statusText: hit.statusText, headers });
  }
}
