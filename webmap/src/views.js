// views.js switches between the page's three screens: "boot" (loading or
// a start-up error), "login" and "map". body[data-view] names the one shown.

import { byId } from './dom.js';

const VIEWS = { boot: 'boot-view', login: 'login-view', map: 'map-view' };

// showView shows one screen and hides the others.
export function showView(name) {
  for (const [view, id] of Object.entries(VIEWS)) byId(id).hidden = view !== name;
  document.body.dataset.view = name;
}
