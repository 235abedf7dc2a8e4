// admin/button.js puts the "Quản trị" (administration) button in the top bar
// for admins. The administration pages themselves (admin/main.js) are loaded
// only when it is first pressed: esbuild splits them into their own chunk.

import { h, byId } from '../dom.js';
import { language, onLanguageChange } from '../i18n.js';
import { showError } from '../notify.js';

const LABEL = { vi: 'Quản trị', en: 'Administration' };

// addAdminButton shows the button when user (the body of /api/v1/session or
// /api/v1/login) is an admin; it returns the button or null.
export function addAdminButton(user) {
  if (!user || user.role !== 'admin' || document.querySelector('[data-testid="admin-open"]')) return null;
  const button = h('button', { type: 'button', class: 'topbar-button', id: 'admin-open', testid: 'admin-open', 'aria-haspopup': 'dialog' });
  const render = () => {
    button.textContent = LABEL[language()] || LABEL.vi;
  };
  render();
  onLanguageChange(render);
  byId('logout').before(button);
  let loading = null;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      loading = loading || import('./main.js');
      const admin = await loading;
      admin.openAdmin({ user, opener: button });
    } catch (err) {
      loading = null;
      showError(err);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
