// main.js boots the web map: language, GET /api/v1/config, then
// GET /api/v1/session — the login form when nobody is signed in, else the map.

import { api } from './api.js';
import { byId } from './dom.js';
import { initLanguage, t } from './i18n.js';
import { bindLanguageToggle } from './header.js';
import { showView } from './views.js';
import { showLogin } from './login.js';
import { errorMessage } from './notify.js';
import { startWorkspace } from './workspace.js';

const NO_CONFIG = { tile_url: '', tile_attribution: '', version: '' };

async function loadConfig() {
  try {
    const config = await api.config();
    return config && typeof config === 'object' ? { ...NO_CONFIG, ...config } : NO_CONFIG;
  } catch (err) {
    // Without the config the map still works, only without a basemap.
    console.warn('config:', err);
    return NO_CONFIG;
  }
}

function bootFailed(err) {
  showView('boot');
  const status = byId('boot-status');
  status.removeAttribute('data-i18n');
  status.textContent = `${t('boot.failed')} ${errorMessage(err)}`;
  const retry = byId('boot-retry');
  retry.hidden = false;
  retry.addEventListener('click', () => window.location.reload(), { once: true });
}

async function boot() {
  initLanguage();
  bindLanguageToggle();
  showView('boot');
  const config = await loadConfig();
  let session;
  try {
    session = await api.session();
  } catch (err) {
    bootFailed(err);
    return;
  }
  if (!session || !session.authenticated) {
    showView('login');
    // The config tells the version only to signed-in users: read it again after sign-in.
    showLogin({ onSuccess: async (me) => startWorkspace({ config: await loadConfig(), user: me }) });
    return;
  }
  await startWorkspace({ config, user: session });
}

boot().catch((err) => {
  console.error(err);
  bootFailed(err);
});
