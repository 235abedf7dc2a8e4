package api

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

const (
	sessionCookie = "patrolmap_session"
	callerKey     = "patrolmap.caller"
)

// callerOf returns who made the request (CallerNone when anonymous).
func callerOf(c *gin.Context) patrol.Caller {
	if v, ok := c.Get(callerKey); ok {
		return v.(patrol.Caller)
	}
	return patrol.Caller{}
}

// authenticate identifies the caller from a bearer token (user token or device secret), Basic
// auth (device id and secret, as OwnTracks sends) or the session cookie. Bad credentials are
// 401; no credentials leave the caller anonymous for the route to decide.
func (s *Server) authenticate(c *gin.Context) {
	if s.presentsMetricsToken(c) {
		c.Set(metricsTokenKey, true)
		c.Next()
		return
	}
	ok := true
	if h := c.GetHeader("Authorization"); h != "" {
		ok = s.authorization(c, h)
	} else if id, err := c.Cookie(sessionCookie); err == nil && id != "" {
		ok = s.sessionAuth(c, id)
	}
	if ok {
		c.Next()
	}
}

// authorization authenticates the Authorization header h: a Bearer token (a user's token or a
// device's secret) or Basic device credentials. It returns false when it has answered.
func (s *Server) authorization(c *gin.Context, h string) bool {
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "bearer":
		ctx := c.Request.Context()
		caller, err := s.db.CallerByToken(ctx, value)
		if errors.Is(err, patrol.ErrNotFound) {
			caller, err = s.deviceCaller(ctx, value)
		}
		if err != nil {
			s.authFailure(c, err)
			return false
		}
		s.touchToken(c, caller.TokenID)
		c.Set(callerKey, caller)
		return true
	case "basic":
		return s.basicAuth(c, value)
	}
	writeProblem(c, problem(http.StatusUnauthorized, "unsupported Authorization scheme"))
	return false
}

// basicAuth authenticates Basic credentials (base64 of "device id:secret") as a device. It
// returns false when it has answered.
func (s *Server) basicAuth(c *gin.Context, value string) bool {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		writeProblem(c, problem(http.StatusUnauthorized, "malformed Basic credentials"))
		return false
	}
	ident, secret, _ := strings.Cut(string(raw), ":")
	caller, err := s.deviceCaller(c.Request.Context(), secret)
	if (errors.Is(err, patrol.ErrNotFound) || (err == nil && caller.Device.Ident != ident)) && c.FullPath() == "/owntracks" {
		// A phone not registered yet or with a wrong password: /owntracks refuses it
		// itself, keeping its fixes for a replay once it is registered.
		c.Set(basicRefusedKey, ident)
		return true
	}
	if err != nil {
		s.authFailure(c, err)
		return false
	}
	if caller.Device.Ident != ident {
		writeProblem(c, problem(http.StatusUnauthorized, "the secret does not belong to this device"))
		return false
	}
	c.Set(callerKey, caller)
	return true
}

// sessionAuth authenticates the session cookie id; an expired or ended session is simply no
// session. A cookie-authenticated write must carry the session's CSRF token. It returns false
// when it has answered.
func (s *Server) sessionAuth(c *gin.Context, id string) bool {
	caller, err := s.db.CallerBySession(c.Request.Context(), id)
	if err != nil {
		if errors.Is(err, patrol.ErrUnavailable) {
			fail(c, err)
			return false
		}
		return true
	}
	if unsafeMethod(c.Request.Method) && c.FullPath() != "/api/v1/login" {
		token := c.GetHeader("X-CSRF-Token")
		if subtle.ConstantTimeCompare([]byte(token), []byte(caller.CSRFToken)) != 1 {
			writeProblem(c, problem(http.StatusForbidden, "missing or wrong X-CSRF-Token header for a cookie-authenticated write"))
			return false
		}
	}
	c.Set(callerKey, caller)
	return true
}

// basicRefusedKey holds, on /owntracks, the Basic user whose credentials were refused.
const basicRefusedKey = "patrolmap.basic_refused"

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func (s *Server) authFailure(c *gin.Context, err error) {
	if errors.Is(err, patrol.ErrNotFound) {
		c.Header("WWW-Authenticate", `Bearer realm="patrolmap"`)
		writeProblem(c, problem(http.StatusUnauthorized, "unknown or revoked credentials"))
		return
	}
	fail(c, err)
}

// requireUser lets only signed-in users (not devices) through.
func (s *Server) requireUser(c *gin.Context) {
	switch callerOf(c).Kind {
	case patrol.CallerUser:
		c.Next()
	case patrol.CallerDevice:
		writeProblem(c, problem(http.StatusForbidden, "a device secret may only send its own fixes"))
	default:
		c.Header("WWW-Authenticate", `Bearer realm="patrolmap"`)
		writeProblem(c, problem(http.StatusUnauthorized, "sign in or send a bearer token"))
	}
}

// requireCaller lets users and devices through.
func (s *Server) requireCaller(c *gin.Context) {
	if callerOf(c).Kind == patrol.CallerNone {
		c.Header("WWW-Authenticate", `Bearer realm="patrolmap"`)
		writeProblem(c, problem(http.StatusUnauthorized, "sign in or send a bearer token or device secret"))
		return
	}
	c.Next()
}

// requireRole lets only users with one of the roles through.
func (s *Server) requireRole(roles ...patrol.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		caller := callerOf(c)
		for _, r := range roles {
			if caller.User.Role == r {
				c.Next()
				return
			}
		}
		writeProblem(c, problem(http.StatusForbidden, "your role may not do this"))
	}
}

// unitInScope loads the unit named by code and checks the caller may see it: 404 when it does
// not exist, 403 when it is outside the caller's scope.
func (s *Server) unitInScope(c *gin.Context, field, code string) (patrol.Unit, bool) {
	if code == "" {
		writeProblem(c, badField(field, "required"))
		return patrol.Unit{}, false
	}
	if !validCode(code) {
		writeProblem(c, badField(field, "not a unit code"))
		return patrol.Unit{}, false
	}
	u, err := s.db.UnitByCode(c.Request.Context(), code)
	if errors.Is(err, patrol.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, "no unit with code "+strconv.Quote(code), FieldError{Field: field, Message: "unknown unit"}))
		return patrol.Unit{}, false
	}
	if err != nil {
		fail(c, err)
		return patrol.Unit{}, false
	}
	if !callerOf(c).InScope(u.ID) {
		writeProblem(c, problem(http.StatusForbidden, "this unit is outside your scope"))
		return patrol.Unit{}, false
	}
	return u, true
}

// validCode reports whether code can be a unit's code (patrol.ValidUnitCode).
func validCode(code string) bool { return patrol.ValidUnitCode(code) }

// audit records an action of the caller; a failure to audit is logged, not hidden.
func (s *Server) audit(c *gin.Context, unitID int, action, target string, detail []byte) {
	caller := callerOf(c)
	e := patrol.AuditEntry{UserID: caller.User.ID, Username: caller.User.Username, UnitID: unitID, Action: action, Target: target, Detail: detail, Addr: c.ClientIP()}
	if caller.Kind == patrol.CallerDevice {
		e.Username = "device:" + caller.Device.Ident
	}
	if err := s.db.Audit(c.Request.Context(), e); err != nil {
		s.log.Error("audit write failed", "action", action, "err", err)
	}
}

// loginThrottle counts failed logins per user and per address in a sliding window.
type loginThrottle struct {
	mu       sync.Mutex
	limit    int
	window   time.Duration
	failures map[string][]time.Time
}

func newLoginThrottle(limit int, window time.Duration) *loginThrottle {
	return &loginThrottle{limit: limit, window: window, failures: map[string][]time.Time{}}
}

// blocked reports whether a key has reached the limit, and for how long it stays blocked.
func (t *loginThrottle) blocked(now time.Time, keys ...string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		list := t.prune(now, k)
		if len(list) >= t.limit {
			if w := list[len(list)-t.limit].Add(t.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait > 0, wait
}

func (t *loginThrottle) prune(now time.Time, k string) []time.Time {
	list := t.failures[k]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.failures, k)
	} else {
		t.failures[k] = list
	}
	return list
}

func (t *loginThrottle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		list := t.prune(now, k)
		if len(list) > 4*t.limit {
			list = list[1:]
		}
		t.failures[k] = append(list, now)
	}
	// Keep memory bounded under a spray of usernames.
	if len(t.failures) > 100000 {
		for k := range t.failures {
			t.prune(now, k)
		}
	}
}

func (t *loginThrottle) reset(k string) {
	t.mu.Lock()
	delete(t.failures, k)
	t.mu.Unlock()
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c *gin.Context) {
	if !loginFromThisSite(c) {
		return
	}
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var fields []FieldError
	if req.Username == "" || len(req.Username) > 64 {
		fields = append(fields, FieldError{Field: "username", Message: "required, at most 64 characters"})
	}
	if req.Password == "" || len(req.Password) > 256 {
		fields = append(fields, FieldError{Field: "password", Message: "required, at most 256 characters"})
	}
	if len(fields) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "username and password are required", fields...))
		return
	}
	now := s.cfg.Now()
	userKey, addrKey := "u:"+strings.ToLower(req.Username), "a:"+c.ClientIP()
	if blocked, wait := s.throttle.blocked(now, userKey, addrKey); blocked {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		writeProblem(c, problem(http.StatusTooManyRequests, "too many failed logins; try again later"))
		return
	}
	user, err := s.db.CheckPassword(c.Request.Context(), req.Username, req.Password)
	if errors.Is(err, patrol.ErrBadCredentials) {
		s.throttle.fail(now, userKey, addrKey)
		s.audit(c, 0, "login.failed", req.Username, nil)
		writeProblem(c, problem(http.StatusUnauthorized, "wrong username or password"))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.throttle.reset(userKey)
	// A new session id at every login; an old cookie's session ends.
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		if prev, err := s.db.CallerBySession(c.Request.Context(), old); err == nil {
			s.db.DeleteSession(c.Request.Context(), prev.SessionID)
		}
	}
	id, csrf, err := s.db.CreateSession(c.Request.Context(), user.ID, s.cfg.SessionTTL, c.ClientIP())
	if err != nil {
		fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies || c.Request.TLS != nil,
	})
	c.Set(callerKey, patrol.Caller{Kind: patrol.CallerUser, User: user})
	s.audit(c, user.UnitID, "login", user.Username, nil)
	c.JSON(http.StatusOK, meBody(user, csrf))
}

// loginFromThisSite refuses a login that a browser sent from another site (login CSRF: a page
// elsewhere signing the victim in to the attacker's account). The body must be
// application/json, which a cross-site form cannot send and a cross-site fetch cannot send
// without a CORS preflight this server never grants; and when the browser says where the
// request comes from (Origin, Sec-Fetch-Site), that must be this site. Clients that send
// neither header (curl, scripts) are not browsers and are let through.
func loginFromThisSite(c *gin.Context) bool {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(c, problem(http.StatusUnsupportedMediaType, "login takes a JSON body sent with Content-Type: application/json",
			FieldError{Field: "Content-Type", Message: "must be application/json"}))
		return false
	}
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		writeProblem(c, problem(http.StatusForbidden, "a login sent from another site is refused",
			FieldError{Field: "Sec-Fetch-Site", Message: "must be same-origin"}))
		return false
	}
	if origin := c.GetHeader("Origin"); origin != "" && !sameOrigin(origin, c.Request.Host) {
		writeProblem(c, problem(http.StatusForbidden, "a login sent from another site is refused",
			FieldError{Field: "Origin", Message: "must be this site"}))
		return false
	}
	return true
}

// sameOrigin reports whether an Origin header names this server's host (and port). The scheme
// is not compared: behind a TLS proxy the browser says https while the server sees http.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false // includes "null", sent by sandboxed frames and file: pages
	}
	return strings.EqualFold(u.Host, host)
}

func (s *Server) logout(c *gin.Context) {
	caller := callerOf(c)
	if caller.SessionID != nil {
		if err := s.db.DeleteSession(c.Request.Context(), caller.SessionID); err != nil {
			fail(c, err)
			return
		}
		s.audit(c, caller.User.UnitID, "logout", caller.User.Username, nil)
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.Status(http.StatusNoContent)
}

func meBody(u patrol.User, csrf string) gin.H {
	var unit any
	if u.UnitCode != "" {
		unit = u.UnitCode
	}
	return gin.H{"username": u.Username, "full_name": u.FullName, "role": u.Role, "unit": unit, "csrf_token": csrf}
}

func (s *Server) me(c *gin.Context) {
	caller := callerOf(c)
	c.JSON(http.StatusOK, meBody(caller.User, caller.CSRFToken))
}

// session answers who is signed in without failing for anonymous callers, so the web map can
// decide between the login form and the map without a failed request in the console.
func (s *Server) session(c *gin.Context) {
	caller := callerOf(c)
	if caller.Kind != patrol.CallerUser {
		c.JSON(http.StatusOK, gin.H{"authenticated": false})
		return
	}
	body := meBody(caller.User, caller.CSRFToken)
	body["authenticated"] = true
	c.JSON(http.StatusOK, body)
}

// touchToken records a token's use for the token list at most once a minute per token and
// process, so bulk ingest does not pay a second commit per request.
func (s *Server) touchToken(c *gin.Context, tokenID int64) {
	if tokenID == 0 {
		return
	}
	now := s.cfg.Now()
	if last, ok := s.tokens.Load(tokenID); ok && now.Sub(last.(time.Time)) < time.Minute {
		return
	}
	s.tokens.Store(tokenID, now)
	if err := s.db.TouchToken(c.Request.Context(), tokenID); err != nil {
		s.log.Warn("record token use", "err", err)
	}
}
