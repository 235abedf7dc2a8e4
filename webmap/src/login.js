// login.js runs the login form: POST /api/v1/login, wrong-password and
// throttling (429 + Retry-After) messages, and hands the signed-in user on.

import { api, setCsrfToken } from './api.js';
import { byId } from './dom.js';
import { errorMessage } from './notify.js';
import { t, formatDuration, onLanguageChange } from './i18n.js';

// showLogin shows the login form and calls onSuccess(user) once the server
// accepts the credentials.
export function showLogin({ onSuccess }) {
  const form = byId('login-form');
  const username = byId('login-username');
  const password = byId('login-password');
  const submit = byId('login-submit');
  const error = byId('login-error');
  let lastError = null; // () => string, so the message follows a language switch

  const setError = (messageFn) => {
    lastError = messageFn;
    error.textContent = messageFn ? messageFn() : '';
    error.hidden = !messageFn;
  };
  onLanguageChange(() => {
    if (lastError) error.textContent = lastError();
  });

  const setBusy = (busy) => {
    submit.disabled = busy;
    submit.textContent = t(busy ? 'login.busy' : 'login.submit');
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const user = username.value.trim();
    if (user === '' || password.value === '') {
      setError(() => t('login.missing'));
      (user === '' ? username : password).focus();
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const me = await api.login(user, password.value);
      setCsrfToken(me?.csrf_token);
      password.value = '';
      onSuccess(me);
    } catch (err) {
      setError(() => loginFailure(err));
      password.select();
      password.focus();
    } finally {
      setBusy(false);
    }
  });

  username.focus();
}

function loginFailure(err) {
  if (err.status === 401) return t('login.wrong');
  if (err.status === 429) {
    return err.retryAfter != null
      ? t('login.throttled', { wait: formatDuration(waitSeconds(err.retryAfter)) })
      : t('login.throttledNoWait');
  }
  return errorMessage(err);
}

// waitSeconds rounds a wait up to whole minutes (from a minute on), so
// the user is never told to retry too early.
function waitSeconds(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 60 ? s : Math.ceil(s / 60) * 60;
}
