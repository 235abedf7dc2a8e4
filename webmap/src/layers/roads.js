// roads.js draws the unit's roads (GET /api/v1/roads) as grey lines named on
// hover, so the map reads even without a basemap.

import L from '../leaflet.js';
import { api } from '../api.js';
import { PANES } from '../map.js';
import { h } from '../dom.js';
import { entry, stroke } from '../palette.js';

export const ROAD_STYLE = { color: stroke('road'), weight: entry('road').weight, opacity: entry('road').opacity, lineCap: 'round', lineJoin: 'round' };

// createRoadsLayer returns the layer definition for roads. Over a vector
// basemap (which draws and names the same streets) it starts off.
export function createRoadsLayer({ basemap = false } = {}) {
  const layer = L.geoJSON(null, {
    pane: PANES.roads.name,
    style: () => ROAD_STYLE,
    onEachFeature(feature, path) {
      const name = feature.properties?.name;
      if (name) path.bindTooltip(() => h('span', {}, name), { sticky: true, direction: 'top' });
    },
  });
  return {
    name: 'roads',
    defaultOn: !basemap,
    depends: ['unit'],
    layer,
    swatch: { shape: 'line', stroke: ROAD_STYLE.color },
    async load(view, signal) {
      const fc = await api.roads(view.unit.code, signal);
      const features = fc.features.filter((f) => f?.geometry);
      layer.clearLayers();
      layer.addData({ type: 'FeatureCollection', features });
      return features.length;
    },
    clear: () => layer.clearLayers(),
    legend: () => null,
  };
}
