// time.js works with local calendar dates ("YYYY-MM-DD") in a unit's time
// zone and with instants. The API takes `from`/`to` as local dates with a
// half-open range [from, to); the panel shows an inclusive end date, and
// toQueryRange turns one into the other.

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const DAY_MS = 86400000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const partFormatters = new Map();

function partFormatter(timeZone) {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partFormatters.set(timeZone, f);
  }
  return f;
}

// validTimeZone reports whether the runtime knows the IANA zone name.
export function validTimeZone(timeZone) {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    partFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

// zoneOrDefault returns timeZone when it is usable, else Asia/Ho_Chi_Minh.
export function zoneOrDefault(timeZone) {
  return validTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE;
}

// partsInZone returns the wall-clock fields of an instant in a time zone, as
// zero-padded strings: {year, month, day, hour, minute, second}.
export function partsInZone(instant, timeZone = DEFAULT_TIME_ZONE) {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(date.getTime())) return null;
  const out = {};
  for (const p of partFormatter(zoneOrDefault(timeZone)).formatToParts(date)) {
    if (p.type !== 'literal') out[p.type] = p.value;
  }
  if (out.hour === '24') out.hour = '00';
  return out;
}

// isLocalDate reports whether s is a real calendar date written YYYY-MM-DD.
export function isLocalDate(s) {
  if (typeof s !== 'string') return false;
  const m = LOCAL_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function toUTCms(localDate) {
  if (!isLocalDate(localDate)) throw new RangeError(`not a local date: ${localDate}`);
  const [y, m, d] = localDate.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

function fromUTCms(ms) {
  const d = new Date(ms);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

// addDays returns the local date n days after localDate (n may be negative).
export function addDays(localDate, n) {
  return fromUTCms(toUTCms(localDate) + n * DAY_MS);
}

// daysBetween returns the number of days from a to b (b − a).
export function daysBetween(a, b) {
  return Math.round((toUTCms(b) - toUTCms(a)) / DAY_MS);
}

// todayIn returns today's local date in the time zone.
export function todayIn(timeZone = DEFAULT_TIME_ZONE, now = new Date()) {
  const p = partsInZone(now, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

// defaultRange returns the last `days` local dates up to and including
// today, as an inclusive {from, to}.
export function defaultRange(timeZone = DEFAULT_TIME_ZONE, days = 30, now = new Date()) {
  const to = todayIn(timeZone, now);
  return { from: addDays(to, -(days - 1)), to };
}

// validRange reports whether an inclusive {from, to} is two dates in order.
export function validRange(range) {
  return Boolean(range) && isLocalDate(range.from) && isLocalDate(range.to) && range.from <= range.to;
}

// rangeDays returns how many dates an inclusive {from, to} holds.
export function rangeDays(range) {
  return daysBetween(range.from, range.to) + 1;
}

// toQueryRange turns an inclusive {from, to} into the API's half-open one.
export function toQueryRange(range) {
  return { from: range.from, to: addDays(range.to, 1) };
}

// wholeWeeksEnding returns the half-open range of whole weeks that ends
// where queryRange ends, covers all of it and spans at least minWeeks
// weeks: {from, to, weeks}. The emerging hot spot analysis needs whole
// 7-day steps counted from `from`, and at least 10 of them.
export function wholeWeeksEnding(queryRange, minWeeks = 1) {
  const days = daysBetween(queryRange.from, queryRange.to);
  const weeks = Math.max(minWeeks, Math.ceil(days / 7));
  return { from: addDays(queryRange.to, -7 * weeks), to: queryRange.to, weeks };
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

// localDateTimeIn returns an instant's wall-clock time in the time zone as
// "YYYY-MM-DDTHH:mm", the value of an <input type="datetime-local">.
export function localDateTimeIn(instant, timeZone = DEFAULT_TIME_ZONE) {
  const p = partsInZone(instant, timeZone);
  return p ? `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}` : '';
}

// zonedToInstant reads a wall-clock time "YYYY-MM-DDTHH:mm[:ss]" in the time
// zone and returns the instant as a Date, or null when it is not a real
// time. In a gap of a daylight-saving change the later offset wins; Vietnam
// has none.
export function zonedToInstant(localDateTime, timeZone = DEFAULT_TIME_ZONE) {
  const m = LOCAL_DATE_TIME.exec(localDateTime || '');
  if (!m || !isLocalDate(`${m[1]}-${m[2]}-${m[3]}`)) return null;
  const [hour, minute, second] = [+m[4], +m[5], +(m[6] || 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], hour, minute, second);
  // The zone's offset at the guess, then again at the corrected instant
  // (they differ only next to an offset change).
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = partsInZone(new Date(guess), timeZone);
    const seen = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    guess = wall - (seen - guess);
  }
  return new Date(guess);
}

const CLOCK = /^(\d{2}):(\d{2})$/;

function clockMinutes(s, fallback) {
  const m = CLOCK.exec(s || '');
  return m ? +m[1] * 60 + +m[2] : fallback;
}

// nightInProgress returns the local date of the unit's night under way at
// now or, between nights, of the coming one — the night the server plans and
// the night board shows when asked for no night (night.Of). A night of date
// D runs from night_start on D to night_end on D + 1 when the window crosses
// midnight, so before night_end it is still the night of the day before; a
// window within one day that has ended today leaves tomorrow's as the next.
export function nightInProgress(unit, now = new Date()) {
  const timeZone = zoneOrDefault(unit?.timezone);
  const p = partsInZone(now, timeZone);
  const today = `${p.year}-${p.month}-${p.day}`;
  const start = clockMinutes(unit?.night_start, 22 * 60);
  const end = clockMinutes(unit?.night_end, 5 * 60);
  const clock = +p.hour * 60 + +p.minute;
  if (start > end) return clock < end ? addDays(today, -1) : today;
  return clock >= end ? addDays(today, 1) : today;
}

// planNight returns the night the plan card plans for an inclusive period
// {from, to}: the night in progress (or by day the coming one) when the
// period holds it, else the period's last night.
export function planNight(range, unit, now = new Date()) {
  const tonight = nightInProgress(unit, now);
  return validRange(range) && range.from <= tonight && tonight <= range.to ? tonight : range?.to;
}
