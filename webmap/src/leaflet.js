// leaflet.js gives every module the same Leaflet namespace. Leaflet's browser
// build also publishes it as window.L, which Leaflet-Geoman extends (L.PM);
// import this module before Geoman.

import L from 'leaflet';

if (typeof window !== 'undefined' && window.L !== L) window.L = L;

export default L;
