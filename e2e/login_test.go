package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/webmap"
)

// loginFault stands in front of the server and, while set, answers POST /api/v1/login itself:
// with a status (and Retry-After), as a failing server or a proxy in front of a stopped one
// does, or by cutting the connection without an answer, as a lost network does. Everything
// else reaches the server.
type loginFault struct {
	next       http.Handler
	mu         sync.Mutex
	status     int // 0: no fault
	retryAfter string
	cut        bool
}

func (f *loginFault) set(status int, retryAfter string, cut bool) {
	f.mu.Lock()
	f.status, f.retryAfter, f.cut = status, retryAfter, cut
	f.mu.Unlock()
}

func (f *loginFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	status, retryAfter, cut := f.status, f.retryAfter, f.cut
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/login" || (status == 0 && !cut) {
		f.next.ServeHTTP(w, r)
		return
	}
	if cut {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
		}
		return
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if status == http.StatusBadGateway {
		// A proxy's own page, not problem+json.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": "internal error"})
}

// signInPage is one of the two sign-in forms: the map's (shared by the administration) and the
// officer view's.
type signInPage struct {
	name, path                    string
	user, password, submit, error chromedp.CSS
	switchLanguage                chromedp.Action[chromedp.Void]
	width, height                 int64
}

var signInPages = []signInPage{
	{name: "map", path: "/", user: `[data-testid="login-username"]`, password: `[data-testid="login-password"]`,
		submit: `[data-testid="login-submit"]`, error: `[data-testid="login-error"]`,
		switchLanguage: chromedp.Click(`[data-testid="lang-toggle"]`), width: 1280, height: 860},
	{name: "officer", path: "/officer/", user: `[data-testid="officer-username"]`, password: `[data-testid="officer-password"]`,
		submit: `[data-testid="officer-login-submit"]`, error: `[data-testid="officer-login-error"]`,
		switchLanguage: chromedp.Click(`[data-testid="officer-lang"]`), width: 390, height: 844},
}

// TestLoginSaysWhy: a sign-in that fails for another reason than a wrong password says what
// happened and what to do, in Vietnamese and in English, on the map's login form (1280×860)
// and on the officer view (390×844): a server error (500) gives its code and "try again", a
// busy server (503 + Retry-After) the wait, a proxy's 502 and a cut connection "cannot reach
// the server — check the connection", ten wrong passwords the real server's 429 with its
// Retry-After ("try again in 15 minutes"), and a stopped server "cannot reach the server". No
// cause reads "Could not load the data".
func TestLoginSaysWhy(t *testing.T) {
	for _, page := range signInPages {
		t.Run(page.name, func(t *testing.T) { loginSaysWhy(t, page) })
	}
}

func loginSaysWhy(t *testing.T, page signInPage) {
	if !webmap.Built() {
		t.Fatal("the web map is not built: run `make build` (make test does)")
	}
	env := loadDemo(t, today, false)
	fault := &loginFault{next: api.New(api.Config{Version: "e2e"}, env.store, webmap.Assets(), serverLog(t)).Handler()}
	srv := httptest.NewServer(fault)
	t.Cleanup(srv.Close)
	user := env.ward.Officers[0].Username

	b := newBrowser(t)
	b.run(t, "open the "+page.name+" sign-in", chromedp.EmulateViewport(page.width, page.height), chromedp.Navigate(srv.URL+page.path),
		chromedp.WaitVisible(page.submit), chromedp.SendKeys(page.user, user))
	// signIn submits the form and returns the error it then shows; the old error is wiped first,
	// so what shows is the answer to this attempt.
	signIn := func(what, password string) string {
		t.Helper()
		b.eval(t, what+": wipe the old error and password", `(() => {
			document.querySelector(`+js(string(page.error))+`).textContent = '';
			document.querySelector(`+js(string(page.password))+`).value = '';
			return true; })()`, nil)
		b.run(t, what, chromedp.SendKeys(page.password, password), chromedp.Click(page.submit))
		b.wait(t, what+": the error shows", `(() => { const e = document.querySelector(`+js(string(page.error))+`);
			return !e.hidden && e.textContent.trim() !== ''; })()`)
		text := b.text(t, string(page.error))
		b.screenshot(t, "login-"+page.name+"-"+strings.ReplaceAll(what, " ", "-"))
		return text
	}
	expect := func(what, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s on the %s page: the error reads %q, want it to say %q", what, page.name, got, w)
			}
		}
		for _, wrong := range []string{"Không tải được dữ liệu", "Could not load the data", "internal error", "Internal Server Error"} {
			if strings.Contains(got, wrong) {
				t.Errorf("%s on the %s page: the error reads %q", what, page.name, got)
			}
		}
	}

	fault.set(http.StatusInternalServerError, "", false)
	expect("server error", signIn("server error", load.Password), "Máy chủ gặp lỗi", "mã 500", "thử lại")
	fault.set(http.StatusServiceUnavailable, "30", false)
	expect("busy", signIn("busy", load.Password), "tạm thời", "thử lại sau 30 giây")
	fault.set(http.StatusBadGateway, "", false)
	expect("proxy without server", signIn("bad gateway", load.Password), "Không kết nối được máy chủ", "Kiểm tra kết nối mạng")
	fault.set(0, "", true)
	expect("cut connection", signIn("cut", load.Password), "Không kết nối được máy chủ")

	// The message on screen follows the language.
	b.run(t, "switch to English", page.switchLanguage)
	b.wait(t, "English", `document.documentElement.lang === 'en'`)
	var english string
	b.eval(t, "the error in English", `document.querySelector(`+js(string(page.error))+`).textContent`, &english)
	expect("cut connection, in English", english, "Cannot reach the server", "Check the network connection")
	fault.set(http.StatusInternalServerError, "", false)
	expect("server error, in English", signIn("server error en", load.Password), "The server ran into an error (code 500)", "try again")

	// The real server: a wrong password, then too many of them.
	fault.set(0, "", false)
	expect("wrong password", signIn("wrong", "not-the-password"), "Wrong username or password.")
	for i := 0; i < 9; i++ {
		body, _ := json.Marshal(map[string]string{"username": user, "password": "still-wrong"})
		res, err := http.Post(srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	throttled := signIn("throttled", load.Password)
	expect("throttled", throttled, "Too many failed attempts", "try again in 15 min")

	// The server stops: nothing answers.
	srv.Close()
	expect("stopped server", signIn("stopped", load.Password), "Cannot reach the server")
	b.run(t, "back to Vietnamese", page.switchLanguage)
	b.wait(t, "Vietnamese", `document.documentElement.lang === 'vi'`)
	var vietnamese string
	b.eval(t, "the error in Vietnamese", `document.querySelector(`+js(string(page.error))+`).textContent`, &vietnamese)
	expect("stopped server, in Vietnamese", vietnamese, "Không kết nối được máy chủ")

	// The only console errors are the failed sign-ins themselves.
	b.forgetErrors(func(s string) bool {
		return strings.Contains(s, "/api/v1/login") || strings.Contains(s, "Failed to load resource")
	})
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
