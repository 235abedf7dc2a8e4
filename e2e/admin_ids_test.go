package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// longDeviceIDs are ids phones really send: an app's id with words, an OwnTracks user/device
// pair, an IMEI and a 40-character hex serial.
var longDeviceIDs = []string{
	"traccar-client-canbo2-samsung-a54",
	"owntracks/canbo3/iphone-se",
	"865432109876543",
	"3f7a9c0e5b1d2468ace013579bdf02468ace1357",
}

// readIDLines reads, for each device row, its id as the lines it is drawn on (each character's
// box tells its line), the id's word-break, and whether the devices table fits its frame.
const readIDLines = `(() => {
	const ids = [];
	for (const row of document.querySelectorAll('[data-testid="admin-device-row"]')) {
		const code = row.querySelector('td code');
		const lines = [];
		let line = '', top = null;
		const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			for (let i = 0; i < n.length; i++) {
				const r = document.createRange();
				r.setStart(n, i);
				r.setEnd(n, i + 1);
				const box = r.getClientRects()[0];
				if (box && top !== null && box.top - top > 4) {
					lines.push(line);
					line = '';
				}
				if (box && (top === null || box.top - top > 4)) top = box.top;
				line += n.data[i];
			}
		}
		lines.push(line);
		ids.push({id: code.textContent, lines, wordBreak: getComputedStyle(code).wordBreak});
	}
	const table = document.querySelector('[data-testid="admin-devices"]');
	const wrap = table.closest('.admin-table-wrap');
	return {ids, scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth,
		right: table.getBoundingClientRect().right, page: document.documentElement.clientWidth};
})()`

// idSeparators are the characters an id may wrap after.
const idSeparators = "-_/.:@|+"

// sensibleBreak reports whether an id may wrap before its rune at index at: after a separator,
// or, inside a run of more than 16 characters without one (a serial), between groups of 8.
func sensibleBreak(id []rune, at int) bool {
	if strings.ContainsRune(idSeparators, id[at-1]) {
		return true
	}
	start, end := at, at
	for start > 0 && !strings.ContainsRune(idSeparators, id[start-1]) {
		start--
	}
	for end < len(id) && !strings.ContainsRune(idSeparators, id[end]) {
		end++
	}
	return end-start > 16 && (at-start)%8 == 0
}

// TestAdminDeviceIDsWrapAtSeparators registers devices with long ids and opens the devices tab
// at 1280×860 and on a 390×844 phone: an id wraps only after a separator (or a long serial
// between groups of 8 characters), never mid-word as CSS word-break: break-all did
// ("traccar-client-ca" / "nbo2-…"); an IMEI stays on one line; the table fits the screen.
func TestAdminDeviceIDsWrapAtSeparators(t *testing.T) {
	env := demoServer(t, today)
	base := env.srv.URL
	admin, csrf := apiClient(t, base, "admin", load.Password)
	for _, id := range longDeviceIDs {
		body, _ := json.Marshal(map[string]string{"id": id, "name": ""})
		req, _ := http.NewRequest("POST", base+"/api/v1/units/demo/devices", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		if s := status(t, admin, req); s != http.StatusCreated && s != http.StatusOK {
			t.Fatalf("register %s: %d", id, s)
		}
	}
	b := newBrowser(t)
	b.run(t, "desktop", desktopScreen.emulate())
	openAdmin(t, b, base, "devices")
	for _, size := range []screen{desktopScreen, phoneScreen} {
		if size.phone {
			b.run(t, "phone screen", size.emulate())
			b.run(t, "layout", chromedp.Sleep(300*time.Millisecond))
		}
		var got struct {
			IDs []struct {
				ID        string
				Lines     []string
				WordBreak string
			}
			ScrollWidth, ClientWidth, Right, Page float64
		}
		b.eval(t, "device ids", readIDLines, &got)
		seen := map[string]bool{}
		for _, c := range got.IDs {
			seen[c.ID] = true
			if c.WordBreak == "break-all" {
				t.Errorf("%s: the id %s has word-break: break-all", size.name, c.ID)
			}
			if strings.Join(c.Lines, "") != c.ID {
				t.Fatalf("%s: the lines %q do not make the id %q", size.name, c.Lines, c.ID)
			}
			id, at := []rune(c.ID), 0
			for _, line := range c.Lines[:len(c.Lines)-1] {
				at += len([]rune(line))
				if !sensibleBreak(id, at) {
					t.Errorf("%s: the id %s breaks mid-word: %q", size.name, c.ID, c.Lines)
				}
			}
			if c.ID == "865432109876543" && len(c.Lines) > 1 {
				t.Errorf("%s: the IMEI wraps: %q", size.name, c.Lines)
			}
			if !size.phone && len(c.Lines) > 2 {
				t.Errorf("desktop: the id %s takes %d lines: %q", c.ID, len(c.Lines), c.Lines)
			}
		}
		for _, id := range longDeviceIDs {
			if !seen[id] {
				t.Errorf("%s: no row for %s", size.name, id)
			}
		}
		if got.ScrollWidth > got.ClientWidth+1 || got.Right > got.Page+1 {
			t.Errorf("%s: the devices table does not fit: scroll width %.0f in %.0f, right edge %.0f on a %.0f px page",
				size.name, got.ScrollWidth, got.ClientWidth, got.Right, got.Page)
		}
		b.eval(t, "scroll to the new ids", `(() => { document.querySelector('[data-device="traccar-client-canbo2-samsung-a54"]').scrollIntoView({block: 'center'}); return true; })()`, nil)
		b.screenshot(t, "admin-device-ids-"+size.name)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
