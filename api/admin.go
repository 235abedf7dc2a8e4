package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/admin"
	"github.com/patrolmap/patrolmap/geofile"
	"github.com/patrolmap/patrolmap/patrol"
)

// AdminBackend is the storage the administration pages need beyond CoreBackend: people,
// tokens, devices and their assignments, the devices knocking in the rejection log, and the
// import of a ward's own geography (geoimport.go).
type AdminBackend interface {
	ListAccounts(ctx context.Context, unitID int) ([]patrol.Account, error)
	AccountByUsername(ctx context.Context, username string) (patrol.Account, error)
	// UpdateAccount fails with an error wrapping patrol.ErrConflict when the change would leave
	// no enabled admin of all units.
	UpdateAccount(ctx context.Context, userID int64, ch patrol.AccountChange) (patrol.User, error)
	SetPassword(ctx context.Context, userID int64, password string) error

	ListTokens(ctx context.Context, unitID int, userID int64, withRevoked bool) ([]patrol.Token, error)
	TokenByID(ctx context.Context, id int64) (patrol.Token, error)
	// TouchToken records a token's use (at most once a minute); authenticate may call it.
	TouchToken(ctx context.Context, id int64) error

	ListDeviceStatus(ctx context.Context, unitID int, now time.Time) ([]patrol.DeviceStatus, error)
	DeviceStatusByIdent(ctx context.Context, ident string, now time.Time) (patrol.DeviceStatus, error)
	UpdateDevice(ctx context.Context, id int, name *string, active *bool) error
	RotateDeviceSecret(ctx context.Context, id int) (string, error)
	ListAssignments(ctx context.Context, deviceID int) ([]patrol.Assignment, error)
	CreateAssignment(ctx context.Context, deviceID int, userID int64, from, to time.Time) (patrol.Assignment, error)
	EndAssignment(ctx context.Context, deviceID int, assignmentID int64, at time.Time) error
	KnockingDevices(ctx context.Context, since time.Time, limit int) ([]patrol.KnockingDevice, error)

	ImportGeography(ctx context.Context, req geofile.Request) (geofile.Report, error)
	TilingReport(ctx context.Context, unitID int) (geofile.TilingReport, error)
}

// adminRoutes registers the administration endpoints added by issue 9 (the older ones —
// devices of a unit, users, tokens, audit and rejection logs — are registered in routes and
// handled here too).
func (s *Server) adminRoutes(v1 *gin.RouterGroup) {
	admin := []gin.HandlerFunc{s.requireUser, s.requireRole(patrol.RoleAdmin)}
	with := func(h gin.HandlerFunc) []gin.HandlerFunc { return append(append([]gin.HandlerFunc{}, admin...), h) }

	v1.PATCH("/users/:username", with(s.updateUser)...)
	v1.POST("/users/:username/password", with(s.resetPassword)...)
	v1.GET("/users/:username/tokens", with(s.listUserTokens)...)
	v1.GET("/tokens", with(s.listTokens)...)

	v1.GET("/devices/:device", with(s.getDevice)...)
	v1.PATCH("/devices/:device", with(s.updateDevice)...)
	v1.POST("/devices/:device/secret", with(s.rotateDeviceSecret)...)
	v1.GET("/devices/:device/assignments", with(s.listAssignments)...)
	v1.POST("/devices/:device/assignments", with(s.createAssignment)...)
	v1.DELETE("/devices/:device/assignments/:id", with(s.endAssignment)...)

	v1.GET("/rejections/devices", with(s.listKnockingDevices)...)

	// Areas and roads are analysts' work too; setting a boundary is checked in the handler.
	v1.POST("/units/:code/import", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.importGeography)
	v1.GET("/units/:code/tiling", s.requireUser, s.tiling)
}

// auditFor returns the audit recorder of request c, for the use cases of app/admin.
func (s *Server) auditFor(c *gin.Context) admin.AuditFunc {
	return func(unitID int, action, target string, detail []byte) { s.audit(c, unitID, action, target, detail) }
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return rfc3339(*t)
}

func deviceJSON(d patrol.Device) gin.H {
	h := gin.H{"id": d.Ident, "unit": d.UnitCode, "name": d.Name, "active": d.Active, "created_at": rfc3339(d.Created), "last_seen": nil}
	if d.LastSeen != nil {
		h["last_seen"] = rfc3339(*d.LastSeen)
	}
	return h
}

func deviceStatusJSON(d patrol.DeviceStatus) gin.H {
	h := deviceJSON(d.Device)
	h["deactivated_at"] = timeOrNil(d.Deactivated)
	h["last_battery"] = nil
	if d.LastBattery != nil {
		h["last_battery"] = *d.LastBattery
	}
	h["fixes_today"] = d.FixesToday
	h["officer"] = nil
	if d.Officer != "" {
		h["officer"] = gin.H{"username": d.Officer, "full_name": d.OfficerName}
	}
	return h
}

func (s *Server) listDevices(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	list, err := s.db.ListDeviceStatus(c.Request.Context(), u.ID, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(list))
	for _, d := range list {
		out = append(out, deviceStatusJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"devices": out})
}

// validDeviceIdent reports whether id is a usable device id: printable, no spaces, ≤ 128 bytes.
func validDeviceIdent(id string) bool {
	if id == "" || len(id) > 128 || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

func (s *Server) createDevice(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	var req struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if !validDeviceIdent(req.ID) {
		writeProblem(c, badField("id", "required: 1–128 printable characters without spaces"))
		return
	}
	if len(req.Name) > 200 {
		writeProblem(c, badField("name", "at most 200 characters"))
		return
	}
	d, secret, err := s.db.CreateDevice(c.Request.Context(), u.ID, req.ID, req.Name)
	if errors.Is(err, patrol.ErrConflict) {
		writeProblem(c, problem(http.StatusConflict, "a device with this id exists", FieldError{"id", "already registered"}))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.ID, "device.create", d.Ident, nil)
	body := deviceJSON(d)
	body["secret"] = secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, body)
}

// deviceInScope loads the device named by the :device path parameter and checks the caller
// may manage its unit.
func (s *Server) deviceInScope(c *gin.Context) (patrol.DeviceStatus, bool) {
	ident := c.Param("device")
	if !validDeviceIdent(ident) {
		writeProblem(c, badField("device", "not a device id"))
		return patrol.DeviceStatus{}, false
	}
	d, err := s.db.DeviceStatusByIdent(c.Request.Context(), ident, s.cfg.Now())
	if errors.Is(err, patrol.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, "no device "+strconv.Quote(ident), FieldError{"device", "unknown device"}))
		return d, false
	}
	if err != nil {
		fail(c, err)
		return d, false
	}
	if !callerOf(c).InScope(d.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this device belongs to a unit outside your scope"))
		return d, false
	}
	return d, true
}

func assignmentsJSON(list []patrol.Assignment) []patrol.Assignment {
	if list == nil {
		return []patrol.Assignment{}
	}
	return list
}

// deviceAssignments loads the device named by the :device path parameter, in the caller's
// scope, and its assignments.
func (s *Server) deviceAssignments(c *gin.Context) (patrol.DeviceStatus, []patrol.Assignment, bool) {
	d, ok := s.deviceInScope(c)
	if !ok {
		return d, nil, false
	}
	list, err := s.db.ListAssignments(c.Request.Context(), d.ID)
	if err != nil {
		fail(c, err)
		return d, nil, false
	}
	return d, assignmentsJSON(list), true
}

func (s *Server) getDevice(c *gin.Context) {
	d, list, ok := s.deviceAssignments(c)
	if !ok {
		return
	}
	body := deviceStatusJSON(d)
	body["assignments"] = list
	c.JSON(http.StatusOK, body)
}

func (s *Server) updateDevice(c *gin.Context) {
	d, ok := s.deviceInScope(c)
	if !ok {
		return
	}
	var req struct {
		Name   *string `json:"name"`
		Active *bool   `json:"active"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Name != nil && len(*req.Name) > 200 {
		writeProblem(c, badField("name", "at most 200 characters"))
		return
	}
	if req.Name == nil && req.Active == nil {
		writeProblem(c, badField("body", "give name or active"))
		return
	}
	ctx := c.Request.Context()
	if err := s.db.UpdateDevice(ctx, d.ID, req.Name, req.Active); err != nil {
		fail(c, err)
		return
	}
	if req.Active != nil && !*req.Active {
		// The secret stops working now, not when the ingest cache forgets it.
		s.ForgetDeviceSecrets(d.ID)
	}
	after, err := s.db.DeviceStatusByIdent(ctx, d.Ident, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	action := "device.update"
	switch {
	case req.Active != nil && *req.Active && !d.Active:
		action = "device.activate"
	case req.Active != nil && !*req.Active && d.Active:
		action = "device.deactivate"
	}
	detail, _ := json.Marshal(gin.H{"name": req.Name, "active": req.Active})
	s.audit(c, d.UnitID, action, d.Ident, detail)
	c.JSON(http.StatusOK, deviceStatusJSON(after))
}

func (s *Server) rotateDeviceSecret(c *gin.Context) {
	d, ok := s.deviceInScope(c)
	if !ok {
		return
	}
	secret, err := s.db.RotateDeviceSecret(c.Request.Context(), d.ID)
	if err != nil {
		fail(c, err)
		return
	}
	s.ForgetDeviceSecrets(d.ID)
	s.audit(c, d.UnitID, "device.rotate_secret", d.Ident, nil)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"id": d.Ident, "secret": secret})
}

func (s *Server) listAssignments(c *gin.Context) {
	_, list, ok := s.deviceAssignments(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"assignments": list})
}

// createAssignment assigns the device to an officer for a period (app/admin).
func (s *Server) createAssignment(c *gin.Context) {
	d, ok := s.deviceInScope(c)
	if !ok {
		return
	}
	var req admin.AssignmentRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, err := admin.Assign(c.Request.Context(), s.db, d, req, s.auditFor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

func (s *Server) endAssignment(c *gin.Context) {
	d, ok := s.deviceInScope(c)
	if !ok {
		return
	}
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.db.EndAssignment(c.Request.Context(), d.ID, id, s.cfg.Now()); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, d.UnitID, "device.unassign", d.Ident, []byte(`{"assignment":`+strconv.FormatInt(id, 10)+`}`))
	c.Status(http.StatusNoContent)
}

func (s *Server) listKnockingDevices(c *gin.Context) {
	days, ok := daysParam(c)
	if !ok {
		return
	}
	list, err := s.db.KnockingDevices(c.Request.Context(), s.cfg.Now().Add(-time.Duration(days)*24*time.Hour), limitParam(c, 200))
	if err != nil {
		fail(c, err)
		return
	}
	if list == nil {
		list = []patrol.KnockingDevice{}
	}
	c.JSON(http.StatusOK, gin.H{"devices": list, "days": days})
}

func userJSON(u patrol.User) gin.H {
	var unit any
	if u.UnitCode != "" {
		unit = u.UnitCode
	}
	return gin.H{"id": u.ID, "username": u.Username, "full_name": u.FullName, "role": u.Role, "unit": unit, "disabled": u.Disabled}
}

func accountJSON(a patrol.Account) gin.H {
	h := userJSON(a.User)
	h["created_at"] = rfc3339(a.Created)
	h["last_login"] = timeOrNil(a.LastLogin)
	h["active_tokens"] = a.ActiveTokens
	h["sessions"] = a.Sessions
	return h
}

func (s *Server) listUsers(c *gin.Context) {
	unitID := callerOf(c).User.UnitID
	list, err := s.db.ListAccounts(c.Request.Context(), unitID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(list))
	for _, u := range list {
		out = append(out, accountJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
}

func (s *Server) createUser(c *gin.Context) {
	var req struct {
		Username string  `json:"username"`
		FullName string  `json:"full_name"`
		Role     string  `json:"role"`
		Unit     *string `json:"unit"`
		Password string  `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var errs []FieldError
	if !validUsername(req.Username) {
		errs = append(errs, FieldError{"username", "required: 1–64 letters, digits, . _ @ -"})
	}
	if !patrol.Role(req.Role).Valid() {
		errs = append(errs, FieldError{"role", "must be admin, analyst or officer"})
	}
	if len(req.Password) < 8 || len(req.Password) > 256 {
		errs = append(errs, FieldError{"password", "8–256 characters"})
	}
	if len(req.FullName) > 200 {
		errs = append(errs, FieldError{"full_name", "at most 200 characters"})
	}
	caller := callerOf(c)
	unitCode := ""
	if req.Unit != nil {
		unitCode = *req.Unit
	}
	if unitCode == "" && patrol.Role(req.Role) == patrol.RoleOfficer {
		errs = append(errs, FieldError{"unit", "an officer belongs to one unit"})
	}
	if len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the user has invalid fields", errs...))
		return
	}
	if !caller.AllUnits() {
		if unitCode != caller.User.UnitCode {
			writeProblem(c, problem(http.StatusForbidden, "you may only create users of your own unit"))
			return
		}
	}
	if unitCode != "" {
		if _, ok := s.unitInScope(c, "unit", unitCode); !ok {
			return
		}
	}
	u, err := s.db.CreateUserRecord(c.Request.Context(), patrol.User{Username: req.Username, FullName: req.FullName, Role: patrol.Role(req.Role), UnitCode: unitCode}, req.Password)
	if errors.Is(err, patrol.ErrConflict) {
		writeProblem(c, problem(http.StatusConflict, "a user with this name exists", FieldError{"username", "already used"}))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.UnitID, "user.create", u.Username, nil)
	c.JSON(http.StatusCreated, userJSON(u))
}

func validUsername(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@-", r)) {
			return false
		}
	}
	return true
}

// userInScope loads the user named by the :username path parameter and checks the caller may
// manage them: an admin of one unit manages the users of that unit only.
func (s *Server) userInScope(c *gin.Context) (patrol.User, bool) {
	if name := c.Param("username"); len(name) > 256 || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		writeProblem(c, badField("username", "not a user name"))
		return patrol.User{}, false
	}
	u, err := s.db.UserByUsername(c.Request.Context(), c.Param("username"))
	if errors.Is(err, patrol.ErrNotFound) {
		writeProblem(c, problem(http.StatusNotFound, "no user "+strconv.Quote(c.Param("username"))))
		return u, false
	}
	if err != nil {
		fail(c, err)
		return u, false
	}
	caller := callerOf(c)
	if !caller.AllUnits() && u.UnitID != caller.User.UnitID {
		writeProblem(c, problem(http.StatusForbidden, "this user is outside your scope"))
		return u, false
	}
	return u, true
}

// updateUser changes a user's name, role, scope (unit; null for all units) or disabled flag
// (app/admin). Disabling ends the user's sessions and their tokens stop working.
func (s *Server) updateUser(c *gin.Context) {
	u, ok := s.userInScope(c)
	if !ok {
		return
	}
	var raw map[string]json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		fail(c, err)
		return
	}
	ch, err := admin.ParseUserChange(raw)
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(raw)
	a, err := admin.UpdateUser(c.Request.Context(), s.db, callerOf(c), u, ch, detail, s.auditFor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, accountJSON(a))
}

func (s *Server) resetPassword(c *gin.Context) {
	u, ok := s.userInScope(c)
	if !ok {
		return
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if len(req.Password) < 8 || len(req.Password) > 256 {
		writeProblem(c, badField("password", "8–256 characters"))
		return
	}
	if err := s.db.SetPassword(c.Request.Context(), u.ID, req.Password); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.UnitID, "user.password", u.Username, nil)
	c.Status(http.StatusNoContent)
}

func tokensJSON(list []patrol.Token) []patrol.Token {
	if list == nil {
		return []patrol.Token{}
	}
	return list
}

func (s *Server) listUserTokens(c *gin.Context) {
	u, ok := s.userInScope(c)
	if !ok {
		return
	}
	list, err := s.db.ListTokens(c.Request.Context(), 0, u.ID, c.Query("revoked") == "true")
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": tokensJSON(list)})
}

// listTokens lists the bearer tokens of the users in the caller's scope (never their values).
func (s *Server) listTokens(c *gin.Context) {
	list, err := s.db.ListTokens(c.Request.Context(), callerOf(c).User.UnitID, 0, c.Query("revoked") == "true")
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": tokensJSON(list)})
}

func (s *Server) createToken(c *gin.Context) {
	u, ok := s.userInScope(c)
	if !ok {
		return
	}
	label := "api"
	if c.Request.ContentLength != 0 {
		var req struct {
			Label string `json:"label"`
		}
		if err := decodeJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		if len(req.Label) > 100 {
			writeProblem(c, badField("label", "at most 100 characters"))
			return
		}
		if strings.TrimSpace(req.Label) != "" {
			label = strings.TrimSpace(req.Label)
		}
	}
	if u.Disabled {
		writeProblem(c, problem(http.StatusConflict, "the user is disabled: a token would not work"))
		return
	}
	token, err := s.db.CreateToken(c.Request.Context(), u.ID, label)
	if err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.UnitID, "token.create", u.Username, []byte(`{"label":`+strconv.Quote(label)+`}`))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"username": u.Username, "label": label, "token": token})
}

func (s *Server) revokeToken(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	caller := callerOf(c)
	t, err := s.db.TokenByID(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !caller.AllUnits() && t.UnitID != caller.User.UnitID {
		writeProblem(c, problem(http.StatusForbidden, "this token belongs to a user outside your scope"))
		return
	}
	unitID, target := t.UnitID, strconv.FormatInt(id, 10)+" ("+t.Username+")"
	if err := s.db.RevokeToken(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, unitID, "token.revoke", target, nil)
	c.Status(http.StatusNoContent)
}

func (s *Server) listAudit(c *gin.Context) {
	if !callerOf(c).AllUnits() {
		writeProblem(c, problem(http.StatusForbidden, "only an admin of all units may read the audit log"))
		return
	}
	list, err := s.db.ListAudit(c.Request.Context(), limitParam(c, 500))
	if err != nil {
		fail(c, err)
		return
	}
	if list == nil {
		list = []patrol.AuditEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"entries": list})
}

func (s *Server) listRejections(c *gin.Context) {
	list, err := s.db.ListRejections(c.Request.Context(), limitParam(c, 500))
	if err != nil {
		fail(c, err)
		return
	}
	caller := callerOf(c)
	out := make([]patrol.Rejection, 0, len(list))
	for _, r := range list {
		if caller.AllUnits() || r.UnitID == caller.User.UnitID {
			out = append(out, r)
		}
	}
	c.JSON(http.StatusOK, gin.H{"rejections": out})
}

// daysParam reads days, the look-back of the knocking devices, 1 to 366, default 14.
func daysParam(c *gin.Context) (int, bool) {
	v := c.Query("days")
	if v == "" {
		return 14, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 366 {
		writeProblem(c, badField("days", "a whole number from 1 to 366"))
		return 0, false
	}
	return n, true
}

// limitParam reads limit, lenient on purpose: a bad or missing value is def, and more than 5000
// is 5000.
func limitParam(c *gin.Context, def int) int {
	n, err := strconv.Atoi(c.Query("limit"))
	if err != nil || n <= 0 {
		return def
	}
	if n > 5000 {
		return 5000
	}
	return n
}
