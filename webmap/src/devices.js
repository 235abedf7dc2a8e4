// devices.js gives each officer's device one colour, the same on the patrol
// tracks and the live positions. Colours are handed out in order of the
// device ids, so the five phones of a ward keep their colours from one
// morning to the next.

// DEVICE_COLORS are dark enough for a 3 px line on a light map and apart
// from the hot spot reds and the coverage blues.
export const DEVICE_COLORS = [
  '#1b9e77', '#7570b3', '#e7298a', '#1f78b4', '#a6761d',
  '#66a61e', '#6a3d9a', '#b15928', '#17becf', '#4d4d4d',
];

// createDevicePalette returns {colorOf(id), register(ids), reset()}. ids
// registered together get colours in sorted order; an id seen for the first
// time later gets the next free colour.
export function createDevicePalette(colors = DEVICE_COLORS) {
  let assigned = new Map();
  const next = (id) => {
    if (!assigned.has(id)) assigned.set(id, colors[assigned.size % colors.length]);
    return assigned.get(id);
  };
  return {
    colorOf: (id) => next(String(id ?? '')),
    register(ids) {
      for (const id of [...new Set(ids.map((v) => String(v ?? '')))].sort()) next(id);
    },
    reset() {
      assigned = new Map();
    },
  };
}
