import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api.js';
import { setLanguage } from '../src/i18n.js';
import { loginFailure, loginFailureText, waitSeconds } from '../src/signin.js';

const kind = (err, online = true) => loginFailure(err, { online }).kind;

test('each answer of POST /api/v1/login has its own cause', () => {
  assert.equal(kind(new ApiError({ status: 401 })), 'wrong');
  assert.equal(kind(new ApiError({ status: 400 })), 'wrong');
  assert.equal(kind(new ApiError({ status: 429, retryAfter: 600 })), 'throttled');
  assert.equal(kind(new ApiError({ status: 503, retryAfter: 5 })), 'busy');
  assert.equal(kind(new ApiError({ status: 500 })), 'server');
  assert.equal(kind(new ApiError({ status: 200, reason: 'bad-response' })), 'server');
  assert.equal(kind(new ApiError({ status: 502 })), 'unreachable');
  assert.equal(kind(new ApiError({ status: 504 })), 'unreachable');
  assert.equal(kind(new ApiError({ status: 403 })), 'refused');
  assert.equal(kind(new ApiError({ status: 415 })), 'refused');
});

test('no answer: the server is unreachable, or the device has no network', () => {
  assert.equal(kind(new ApiError({ status: 0, reason: 'network' })), 'unreachable');
  assert.equal(kind(new ApiError({ status: 0, reason: 'network' }), false), 'offline');
  // The officer view's fetch rejects with a TypeError, no status at all.
  assert.equal(kind(new TypeError('Failed to fetch')), 'unreachable');
  assert.equal(kind(Object.assign(new Error('not sent'), { notSent: true })), 'offline');
  assert.equal(kind(undefined), 'unreachable');
});

test('the wait comes from Retry-After, rounded up to whole minutes from a minute on', () => {
  assert.deepEqual(loginFailure(new ApiError({ status: 429, retryAfter: 839 })), { kind: 'throttled', status: 429, wait: 840 });
  assert.deepEqual(loginFailure(new ApiError({ status: 503, retryAfter: 5 })), { kind: 'busy', status: 503, wait: 5 });
  assert.equal(loginFailure(new ApiError({ status: 429 })).wait, null);
  assert.equal(loginFailure(new ApiError({ status: 500, retryAfter: 5 })).wait, null);
  assert.equal(waitSeconds(0.2), 1);
  assert.equal(waitSeconds(59), 59);
  assert.equal(waitSeconds(61), 120);
  assert.equal(waitSeconds(901), 960);
});

test('the words, in Vietnamese and in English', () => {
  setLanguage('vi');
  assert.equal(loginFailureText({ kind: 'wrong', status: 401, wait: null }), 'Sai tên đăng nhập hoặc mật khẩu.');
  assert.match(loginFailureText({ kind: 'throttled', status: 429, wait: 900 }), /thử lại sau 15 phút\.$/);
  assert.match(loginFailureText({ kind: 'throttled', status: 429, wait: null }), /quá nhiều lần/);
  assert.match(loginFailureText({ kind: 'unreachable', status: 0, wait: null }), /^Không kết nối được máy chủ/);
  assert.match(loginFailureText({ kind: 'offline', status: 0, wait: null }), /không có mạng/);
  assert.match(loginFailureText({ kind: 'busy', status: 503, wait: 5 }), /thử lại sau 5 giây\.$/);
  assert.match(loginFailureText({ kind: 'server', status: 500, wait: null }), /mã 500/);
  assert.match(loginFailureText({ kind: 'refused', status: 403, wait: null }), /từ chối.*mã 403/);
  setLanguage('en');
  assert.equal(loginFailureText({ kind: 'wrong', status: 401, wait: null }), 'Wrong username or password.');
  assert.match(loginFailureText({ kind: 'throttled', status: 429, wait: 900 }), /try again in 15 min\.$/);
  assert.match(loginFailureText({ kind: 'unreachable', status: 0, wait: null }), /^Cannot reach the server/);
  assert.match(loginFailureText({ kind: 'busy', status: 503, wait: null }), /a few minutes/);
  assert.match(loginFailureText({ kind: 'server', status: 500, wait: null }), /code 500/);
  for (const k of ['wrong', 'throttled', 'offline', 'unreachable', 'busy', 'server', 'refused']) {
    assert.doesNotMatch(loginFailureText({ kind: k, status: 500, wait: null }), /Could not load|\{|undefined/, k);
  }
  setLanguage('vi');
});
