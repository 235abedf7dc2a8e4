// stay.js is the stay timer at a stop: the Koper-curve practice of stays of 10–16 minutes.
// Pure functions over the start time and now, so the timer survives a reload (the start is
// kept in localStorage) and is tested without a clock.

export const STAY_MIN_S = 10 * 60;
export const STAY_MAX_S = 16 * 60;

// stayState returns {elapsed (s), phase: 'short' | 'good' | 'long', fraction (0..1 of 16 min)}.
export function stayState(startedAt, now) {
  const elapsed = Math.max(0, Math.floor((now - startedAt) / 1000));
  let phase = 'short';
  if (elapsed >= STAY_MAX_S) phase = 'long';
  else if (elapsed >= STAY_MIN_S) phase = 'good';
  return { elapsed, phase, fraction: Math.min(1, elapsed / STAY_MAX_S) };
}

// clockText writes seconds as m:ss (or h:mm:ss).
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
