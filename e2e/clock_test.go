package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// A clock is what a test calls "now": the server's (api.Config.Now), the demo's day and the
// browser's Date all read it, so a browser test can run on a fixed day as well as today.
type clock func() time.Time

// today is the real clock.
func today() time.Time { return time.Now() }

// onDay returns a clock that reads at when it is made and then runs with the real clock.
func onDay(at time.Time) clock {
	start := time.Now()
	return func() time.Time { return at.Add(time.Since(start)) }
}

// ict is the demo ward's zone, Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
var ict = time.FixedZone("ICT", 7*3600)

// leapDay is the awkward day the browser tests also run on: 29 February of a leap year, at
// 06:00 in the demo ward (the night before has ended; in UTC it is still the 28th).
var leapDay = time.Date(2028, 2, 29, 6, 0, 0, 0, ict)

// The other awkward days, each at 06:00 in the demo ward, when in UTC it is still the day
// before: the 1st (of a year: report numbers restart), the 7th (the demo's partitions once
// skipped the 2nd to the 8th), the 31st, and the night Europe's clocks go back (31 October
// 2027, 01:00 in Berlin), which the browser sees from Europe/Berlin while the ward, in
// Asia/Ho_Chi_Minh, has no daylight saving: the page must count days in the unit's zone.
var (
	newYear  = time.Date(2027, 1, 1, 6, 0, 0, 0, ict)
	seventh  = time.Date(2027, 3, 7, 6, 0, 0, 0, ict)
	monthEnd = time.Date(2027, 1, 31, 6, 0, 0, 0, ict)
	dstEnd   = time.Date(2027, 10, 31, 6, 0, 0, 0, ict)
)

// dstZone is the browser's zone on dstEnd.
const dstZone = "Europe/Berlin"

// testDay is one day a browser test runs on: its clock and the browser's time zone ("" for
// the machine's own).
type testDay struct {
	name string
	now  clock
	zone string
}

// todayAnd returns the real clock followed by the fixed days, each named by its date.
func todayAnd(days ...time.Time) []testDay {
	out := []testDay{{name: "today", now: today}}
	for _, d := range days {
		td := testDay{name: d.Format(time.DateOnly), now: onDay(d)}
		if d.Equal(dstEnd) {
			td.zone = dstZone
		}
		out = append(out, td)
	}
	return out
}

// dayTag is what a test's screenshots on the day are named with: nothing today (their names
// stay as they were), "-YYYY-MM-DD" on a fixed day.
func dayTag(d testDay) string {
	if d.name == "today" {
		return ""
	}
	return "-" + d.name
}

// setDay puts the browser on a test day: its clock and, when the day says so, its time zone.
// Call it before navigating.
func (b *browser) setDay(t testing.TB, d testDay) {
	t.Helper()
	b.setClock(t, d.now)
	if d.zone == "" {
		return
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: d.zone}); err != nil {
		t.Fatalf("set the browser's time zone: %v", err)
	}
}

// clockScript shifts the page's Date by offset milliseconds: new Date() and Date.now() read the
// test's clock, every other use of Date is the browser's own.
func clockScript(offset int64) string {
	return `(() => {
  const Real = Date;
  const shift = ` + strconv.FormatInt(offset, 10) + `;
  const now = () => Real.now() + shift;
  function Shifted(...args) {
    if (!new.target) return new Real(now()).toString();
    return args.length === 0 ? new Real(now()) : new Real(...args);
  }
  Shifted.prototype = Real.prototype;
  Shifted.now = now;
  Shifted.parse = Real.parse;
  Shifted.UTC = Real.UTC;
  globalThis.Date = Shifted;
})();`
}

// setClock makes every page the browser opens from now on read the clock; call it before
// navigating. The real clock needs nothing.
func (b *browser) setClock(t testing.TB, c clock) {
	t.Helper()
	offset := c().Sub(time.Now()).Milliseconds()
	if offset > -1000 && offset < 1000 {
		return
	}
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: clockScript(offset)}); err != nil {
		t.Fatalf("set the page clock: %v", err)
	}
}
