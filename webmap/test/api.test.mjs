import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { api, ApiError, onUnauthorized, parseRetryAfter, setCsrfToken } from '../src/api.js';

let calls;
function answer(status, body, headers = {}) {
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(body === null ? null : JSON.stringify(body), { status, headers });
  };
}

beforeEach(() => {
  calls = [];
  setCsrfToken('');
  onUnauthorized(null);
});

test('GET sends the cookie, no CSRF token, and the query', async () => {
  setCsrfToken('tok');
  answer(200, { type: 'FeatureCollection', features: [] }, { 'Content-Type': 'application/geo+json' });
  await api.coverage({ unit: 'demo', from: '2024-03-01', to: '2024-03-02', window: 'night' });
  const { url, init } = calls[0];
  assert.equal(url, '/api/v1/coverage?unit=demo&from=2024-03-01&to=2024-03-02&window=night');
  assert.equal(init.method, 'GET');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.headers['X-CSRF-Token'], undefined);
});

test('POST, PUT and DELETE carry the CSRF token', async () => {
  setCsrfToken('tok');
  answer(201, { type: 'Feature', properties: { id: 1 } }, { 'Content-Type': 'application/json' });
  await api.createArea('demo', { type: 'Feature' });
  answer(204, null);
  assert.equal(await api.deleteArea(7), null);
  assert.equal(calls[0].url, '/api/v1/areas?unit=demo');
  assert.equal(calls[0].init.headers['X-CSRF-Token'], 'tok');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[1].url, '/api/v1/areas/7');
  assert.equal(calls[1].init.method, 'DELETE');
  assert.equal(calls[1].init.headers['X-CSRF-Token'], 'tok');
});

test('problem+json becomes an ApiError with field errors', async () => {
  answer(422, { type: 'about:blank', title: 'Invalid', status: 422, detail: 'bad area', errors: [{ field: 'properties.name', message: 'required' }] },
    { 'Content-Type': 'application/problem+json' });
  await assert.rejects(api.createArea('demo', {}), (err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 422);
    assert.equal(err.title, 'Invalid');
    assert.equal(err.detail, 'bad area');
    assert.deepEqual(err.errors, [{ field: 'properties.name', message: 'required' }]);
    return true;
  });
});

test('429 reports Retry-After; 404 is "not available"', async () => {
  answer(429, { title: 'Too Many Requests', status: 429 }, { 'Content-Type': 'application/problem+json', 'Retry-After': '120' });
  await assert.rejects(api.login('a', 'b'), (err) => err.status === 429 && err.retryAfter === 120);
  answer(404, null);
  await assert.rejects(api.hotspots({ unit: 'demo' }), (err) => err.notAvailable && err.status === 404);
});

test('401 calls the session handler, except for session/login', async () => {
  let fired = 0;
  onUnauthorized(() => fired++);
  answer(401, { title: 'Unauthorized', status: 401 }, { 'Content-Type': 'application/problem+json' });
  await assert.rejects(api.session());
  await assert.rejects(api.login('a', 'b'));
  assert.equal(fired, 0);
  await assert.rejects(api.roads('demo'));
  assert.equal(fired, 1);
});

test('a network failure or a non-collection is a readable error', async () => {
  globalThis.fetch = async () => {
    throw new TypeError('Failed to fetch');
  };
  await assert.rejects(api.units(), (err) => err.status === 0 && err.reason === 'network');
  answer(200, { hello: 1 }, { 'Content-Type': 'application/json' });
  await assert.rejects(api.units(), (err) => err.reason === 'bad-response');
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('90'), 90);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 30);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
});
