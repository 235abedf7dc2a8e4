// boundary.js draws the selected unit's boundary (from GET /api/v1/units,
// already in the view) as an outline.

import L from '../leaflet.js';
import { PANES } from '../map.js';
import { entry, stroke } from '../palette.js';

export const BOUNDARY_STYLE = { color: stroke('boundary'), weight: entry('boundary').weight, dashArray: entry('boundary').dash, fill: false };

// createBoundaryLayer returns the layer definition for the unit boundary.
export function createBoundaryLayer() {
  const layer = L.geoJSON(null, {
    pane: PANES.boundary.name,
    interactive: false,
    style: () => BOUNDARY_STYLE,
  });
  return {
    name: 'boundary',
    defaultOn: true,
    depends: ['unit'],
    layer,
    swatch: { shape: 'line', stroke: BOUNDARY_STYLE.color, dashed: true },
    async load(view) {
      layer.clearLayers();
      if (!view.unitFeature?.geometry) return 0;
      layer.addData(view.unitFeature);
      return 1;
    },
    clear: () => layer.clearLayers(),
    legend: () => null,
  };
}
