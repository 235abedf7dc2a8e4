// devices.js gives each officer's device one colour, the same on the patrol
// tracks and the live positions. Colours are handed out in order of the
// device ids, so the five phones of a ward keep their colours from one
// morning to the next.

import { TRACK_LINES } from './palette.js';

// DEVICE_COLORS and DEVICE_DASHES are the officers' track lines of the
// shared palette: the first five are solid and far apart in colour (ΔE ≥ 20,
// tested in package palette), later ones add a dash pattern.
export const DEVICE_COLORS = TRACK_LINES.map((l) => l.stroke);
export const DEVICE_DASHES = TRACK_LINES.map((l) => l.dash || null);

// createDevicePalette returns {colorOf(id), dashOf(id), register(ids),
// reset()}. ids registered together get lines in sorted order; an id seen
// for the first time later gets the next free line.
export function createDevicePalette(colors = DEVICE_COLORS, dashes = DEVICE_DASHES) {
  let order = new Map();
  const index = (id) => {
    if (!order.has(id)) order.set(id, order.size);
    return order.get(id);
  };
  return {
    colorOf: (id) => colors[index(String(id ?? '')) % colors.length],
    dashOf: (id) => dashes[index(String(id ?? '')) % dashes.length] || null,
    register(ids) {
      for (const id of [...new Set(ids.map((v) => String(v ?? '')))].sort()) index(id);
    },
    reset() {
      order = new Map();
    },
  };
}
