// basemap.js draws the basemap /api/v1/config names:
//   {kind: 'pmtiles', url, info}  a vector PMTiles file on this server (the
//                                 offline default), drawn with protomaps-leaflet
//                                 in a light style from the shared palette;
//   {kind: 'tiles', url}          online raster tiles an operator chose;
//   {kind: 'none'}                no basemap (the map still shows roads).
// The PMTiles file is read with HTTP range requests from the page's own
// origin: nothing leaves it.

import L from './leaflet.js';
import { leafletLayer, paintRules, labelRules, LineLabelSymbolizer, CenteredTextSymbolizer, TextSymbolizer, GroupSymbolizer, CircleSymbolizer, OffsetTextSymbolizer } from 'protomaps-leaflet';
import { namedFlavor } from '@protomaps/basemaps';
import { fill, stroke } from './palette.js';

// basemapKind returns 'pmtiles', 'tiles' or 'none' for a config.
export function basemapKind(config = {}) {
  const b = config.basemap;
  if (b && b.kind === 'pmtiles' && typeof b.url === 'string' && b.url.startsWith('/')) return 'pmtiles';
  if (b && b.kind === 'tiles' && usableTileURL(b.url)) return 'tiles';
  if (!b && usableTileURL(config.tile_url)) return 'tiles';
  return 'none';
}

// usableTileURL reports whether url looks like an XYZ template.
export function usableTileURL(url) {
  return typeof url === 'string' && /\{z\}/.test(url) && /\{x\}/.test(url) && /\{y\}/.test(url);
}

// lightFlavor is Protomaps' light flavour with the palette's basemap colours:
// pale land, soft water and parks, white streets on a grey casing, so the
// magenta gaps and the red hot spots stay the strongest things on the map.
export function lightFlavor() {
  const f = structuredClone(namedFlavor('light'));
  const road = fill('basemap.road_minor');
  Object.assign(f, {
    background: fill('basemap.background'),
    earth: fill('basemap.earth'),
    water: fill('basemap.water'),
    park_a: fill('basemap.park'),
    park_b: fill('basemap.park'),
    school: fill('basemap.building'),
    buildings: fill('basemap.building'),
    minor_casing: road,
    minor_service_casing: road,
    major_casing_early: fill('basemap.road_major'),
    major_casing_late: fill('basemap.road_major'),
    minor_a: stroke('basemap.road_minor'),
    minor_b: stroke('basemap.road_minor'),
    minor_service: stroke('basemap.road_minor'),
    major: stroke('basemap.road_major'),
    roads_label_minor: fill('basemap.label'),
    roads_label_major: fill('basemap.label'),
    city_label: fill('basemap.label'),
  });
  return f;
}

// wardLabelRules name what a ward map needs and the world basemap leaves to
// higher zooms: every street (major from 14, alleys from 16), the
// residential groups and the landmarks.
function wardLabelRules(flavor) {
  const label = fill('basemap.label');
  const halo = stroke('basemap.label');
  const streets = (kinds) => (z, f) => kinds.includes(f.props.kind);
  return [
    { dataLayer: 'roads', minzoom: 14, filter: streets(['major_road', 'highway']), symbolizer: new LineLabelSymbolizer({ labelProps: ['name:vi', 'name'], fill: label, stroke: halo, width: 3, font: '600 12px sans-serif' }) },
    { dataLayer: 'roads', minzoom: 15, filter: streets(['minor_road']), symbolizer: new LineLabelSymbolizer({ labelProps: ['name:vi', 'name'], fill: label, stroke: halo, width: 3, font: '400 11px sans-serif' }) },
    { dataLayer: 'water', minzoom: 12, filter: (z, f) => f.geomType === 1, symbolizer: new CenteredTextSymbolizer({ labelProps: ['name:vi', 'name'], fill: flavor.ocean_label || '#4a7ab0', stroke: halo, width: 2, font: 'italic 400 12px sans-serif' }) },
    {
      dataLayer: 'pois',
      minzoom: 15,
      symbolizer: new GroupSymbolizer([
        new CircleSymbolizer({ radius: 3, fill: fill('basemap.landmark'), stroke: halo, width: 1.5 }),
        new OffsetTextSymbolizer({ labelProps: ['name:vi', 'name'], fill: fill('basemap.landmark'), stroke: halo, width: 2, offsetX: 6, offsetY: 4, font: '400 11px sans-serif' }),
      ]),
    },
  ];
}

// pmtilesLayer returns the protomaps-leaflet layer for a PMTiles URL.
function pmtilesLayer(config, lang) {
  const flavor = lightFlavor();
  const info = config.basemap.info || {};
  return leafletLayer({
    url: config.basemap.url,
    flavor: undefined,
    paintRules: paintRules(flavor),
    labelRules: [...wardLabelRules(flavor), ...labelRules(flavor, lang).filter((r) => r.dataLayer === 'places')],
    // Land colour behind everything: a tile edge or a gap in an extract reads as land, not as a hole.
    backgroundColor: flavor.earth,
    maxDataZoom: Number.isInteger(info.max_zoom) ? info.max_zoom : 15,
    maxZoom: 20,
    attribution: escapeText(config.basemap.attribution || ''),
  });
}

// basemapLayer returns the Leaflet layer of the configured basemap, or null.
export function basemapLayer(config = {}, lang = 'vi') {
  switch (basemapKind(config)) {
    case 'pmtiles':
      return pmtilesLayer(config, lang);
    case 'tiles': {
      const url = config.basemap?.url || config.tile_url;
      return L.tileLayer(url, { maxZoom: 20, maxNativeZoom: 19, attribution: escapeText(config.basemap?.attribution ?? config.tile_attribution ?? '') });
    }
    default:
      return null;
  }
}

function escapeText(s) {
  return String(s).replace(/<[^>]*>?/g, ' ').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]).trim();
}

export { TextSymbolizer };
