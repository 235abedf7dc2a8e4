// admin/identifier.js splits an identifier (a device id, a username, a unit
// code) where a line may break in it: after a separator, so that
// "traccar-client-canbo2-samsung-a54" wraps as "traccar-client-canbo2-" /
// "samsung-a54" and never as "traccar-client-ca" / "nbo2-…". Pure.

// SEPARATORS are the characters a line may break after.
const SEPARATORS = /[-_/.:@|+]/;
// A part of at most SHORT characters stays with the part before it ("phone-1").
const SHORT = 3;
// A run of more than LONG characters without a separator (a hash, a serial)
// may break every GROUP characters, as such ids are read in groups.
const LONG = 16;
const GROUP = 8;

// idParts returns the parts of id between which a line may break; joined,
// they give id back.
export function idParts(id) {
  const text = String(id ?? '');
  const parts = [];
  let run = '';
  for (const ch of text) {
    run += ch;
    if (SEPARATORS.test(ch)) {
      parts.push(...groups(run));
      run = '';
    }
  }
  if (run !== '') parts.push(...groups(run));
  // Glue a short part to the one before it.
  const glued = [];
  for (const p of parts) {
    if (glued.length > 0 && p.replace(SEPARATORS, '').length <= SHORT) glued[glued.length - 1] += p;
    else glued.push(p);
  }
  return glued;
}

// groups cuts a run without separators (but for one at its end) into groups
// of GROUP characters when it is longer than LONG.
function groups(run) {
  const chars = [...run];
  const core = SEPARATORS.test(chars[chars.length - 1]) ? chars.length - 1 : chars.length;
  if (core <= LONG) return [run];
  const out = [];
  for (let i = 0; i < chars.length; i += GROUP) out.push(chars.slice(i, i + GROUP).join(''));
  // A separator left alone at the end goes with the group before it.
  if (out.length > 1 && out[out.length - 1].length === 1 && SEPARATORS.test(out[out.length - 1])) out[out.length - 2] += out.pop();
  return out;
}
