package e2e

import (
	"strconv"
	"testing"
	"time"

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
