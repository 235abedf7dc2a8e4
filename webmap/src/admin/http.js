// admin/http.js calls the administration endpoints: JSON in and out, the
// session cookie, the CSRF token on every write, and problem+json errors as
// the map's ApiError (so notify.errorMessage reads them).

import { ApiError, parseRetryAfter } from '../api.js';

const BASE = '/api/v1';
let csrf = '';

// setCsrf keeps the session's CSRF token for writes.
export function setCsrf(token) {
  csrf = typeof token === 'string' ? token : '';
}

function url(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${BASE}${path}?${s}` : `${BASE}${path}`;
}

async function problem(res) {
  let body = {};
  if (/json/i.test(res.headers.get('Content-Type') || '')) {
    try {
      body = (await res.json()) || {};
    } catch {
      body = {};
    }
  }
  return new ApiError({
    status: res.status, title: body.title, detail: body.detail, type: body.type, errors: body.errors,
    retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
  });
}

async function request(method, path, { query, body, file } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (file) {
    const form = new FormData();
    form.append('file', file, file.name);
    init.body = form;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(url(path, query), init);
  } catch {
    throw new ApiError({ status: 0, reason: 'network' });
  }
  if (!res.ok) {
    const err = await problem(res);
    if (res.status === 401) setTimeout(() => window.location.reload(), 1500);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ status: res.status, reason: 'bad-response' });
  }
}

const seg = (s) => encodeURIComponent(String(s));

// adminApi lists the endpoints the administration pages use.
export const adminApi = {
  units: () => request('GET', '/units'),
  createUnit: (body) => request('POST', '/units', { body }),
  updateUnit: (code, body) => request('PUT', `/units/${seg(code)}`, { body }),
  tiling: (code) => request('GET', `/units/${seg(code)}/tiling`),

  users: () => request('GET', '/users'),
  createUser: (body) => request('POST', '/users', { body }),
  updateUser: (username, body) => request('PATCH', `/users/${seg(username)}`, { body }),
  resetPassword: (username, password) => request('POST', `/users/${seg(username)}/password`, { body: { password } }),
  userTokens: (username) => request('GET', `/users/${seg(username)}/tokens`, { query: { revoked: true } }),
  createToken: (username, label) => request('POST', `/users/${seg(username)}/tokens`, { body: { label } }),
  revokeToken: (id) => request('DELETE', `/tokens/${seg(id)}`),

  devices: (unit) => request('GET', `/units/${seg(unit)}/devices`),
  createDevice: (unit, id, name) => request('POST', `/units/${seg(unit)}/devices`, { body: { id, name } }),
  device: (id) => request('GET', `/devices/${seg(id)}`),
  updateDevice: (id, body) => request('PATCH', `/devices/${seg(id)}`, { body }),
  rotateSecret: (id) => request('POST', `/devices/${seg(id)}/secret`),
  assign: (id, body) => request('POST', `/devices/${seg(id)}/assignments`, { body }),
  endAssignment: (id, assignment) => request('DELETE', `/devices/${seg(id)}/assignments/${seg(assignment)}`),

  knocking: (days) => request('GET', '/rejections/devices', { query: { days } }),
  replay: (id) => request('POST', `/devices/${seg(id)}/replay`),
  rejections: (limit = 200) => request('GET', '/rejections', { query: { limit } }),
  audit: (limit = 300) => request('GET', '/audit', { query: { limit } }),

  importFile: (unit, file, params) => request('POST', `/units/${seg(unit)}/import`, { query: params, file }),
};
