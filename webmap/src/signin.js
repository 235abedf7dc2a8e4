// signin.js says why a sign-in failed, in words an officer acts on: the map's
// login form (login.js, which the administration shares) and the officer
// view (officer/main.js) both use it.
//
// What POST /api/v1/login answers (api/auth.go): 401 for a wrong username or
// password (a disabled account too, on purpose); 400 when a field is empty or
// too long; 429 with Retry-After (seconds) after 10 failures for the user or
// the address within 15 minutes; 503 with Retry-After when the database is
// unreachable or the server is shutting down; 500 when something else broke;
// 403/415 for a request that did not come from this site's own form. A proxy
// in front answers 502/504 when the server behind it is down, and with the
// server or the network gone the request fails without an answer.

import { t, formatDuration } from './i18n.js';

// loginFailure classifies a failed sign-in: err carries status (0 or absent
// when no answer came), retryAfter (seconds) and reason ('network',
// 'bad-response'), as ApiError does; online is navigator.onLine. It returns
// {kind, status, wait}: kind one of wrong, throttled, offline, unreachable,
// busy, server, refused; wait the seconds to wait, rounded up, or null.
export function loginFailure(err, { online = true } = {}) {
  const status = typeof err?.status === 'number' ? err.status : 0;
  const wait = typeof err?.retryAfter === 'number' && err.retryAfter >= 0 ? waitSeconds(err.retryAfter) : null;
  const failure = (kind, withWait = false) => ({ kind, status, wait: withWait ? wait : null });
  if (err?.notSent) return failure('offline');
  if (status === 0 || err?.reason === 'network') return failure(online ? 'unreachable' : 'offline');
  if (status === 401 || status === 400) return failure('wrong');
  if (status === 429) return failure('throttled', true);
  if (status === 502 || status === 504) return failure('unreachable');
  if (status === 503) return failure('busy', true);
  if (status >= 500 || err?.reason === 'bad-response') return failure('server');
  return failure('refused');
}

// loginFailureText words a failure from loginFailure in the current language.
export function loginFailureText({ kind, status, wait }) {
  const waitText = wait === null ? null : formatDuration(wait);
  switch (kind) {
    case 'wrong':
      return t('login.wrong');
    case 'throttled':
      return waitText ? t('login.throttled', { wait: waitText }) : t('login.throttledNoWait');
    case 'offline':
      return t('login.offline');
    case 'unreachable':
      return t('login.unreachable');
    case 'busy':
      return waitText ? t('login.serverBusy', { wait: waitText }) : t('login.serverBusyNoWait');
    case 'server':
      return t('login.serverError', { status: status || '?' });
    default:
      return t('login.refused', { status: status || '?' });
  }
}

// waitSeconds rounds a wait up to whole minutes (from a minute on), so the
// user is never told to retry too early.
export function waitSeconds(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 60 ? s : Math.ceil(s / 60) * 60;
}
