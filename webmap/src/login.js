// login.js runs the login form: POST /api/v1/login, says why a sign-in
// failed (signin.js: wrong password, too many attempts, no network, server
// down or failing) and hands the signed-in user on.

import { api, setCsrfToken } from './api.js';
import { byId } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { loginFailure, loginFailureText } from './signin.js';

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
    let me;
    try {
      me = await api.login(user, password.value);
    } catch (err) {
      const failure = loginFailure(err, { online: navigator.onLine });
      if (failure.kind !== 'wrong') console.warn('login:', err);
      setError(() => loginFailureText(failure));
      password.select();
      password.focus();
      return;
    } finally {
      setBusy(false);
    }
    setCsrfToken(me?.csrf_token);
    password.value = '';
    onSuccess(me);
  });

  username.focus();
}
