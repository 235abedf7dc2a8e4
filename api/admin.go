package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

func deviceJSON(d patrol.Device) gin.H {
	h := gin.H{"id": d.Ident, "unit": d.UnitCode, "name": d.Name, "active": d.Active, "created_at": rfc3339(d.Created), "last_seen": nil}
	if d.LastSeen != nil {
		h["last_seen"] = rfc3339(*d.LastSeen)
	}
	return h
}

func (s *Server) listDevices(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	list, err := s.db.ListDevices(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(list))
	for _, d := range list {
		out = append(out, deviceJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"devices": out})
}

// validDeviceIdent reports whether id is a usable device id: printable, no spaces, ≤ 128 bytes.
func validDeviceIdent(id string) bool {
	if id == "" || len(id) > 128 {
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

func userJSON(u patrol.User) gin.H {
	var unit any
	if u.UnitCode != "" {
		unit = u.UnitCode
	}
	return gin.H{"id": u.ID, "username": u.Username, "full_name": u.FullName, "role": u.Role, "unit": unit, "disabled": u.Disabled}
}

func (s *Server) listUsers(c *gin.Context) {
	list, err := s.db.ListUsers(c.Request.Context(), callerOf(c).User.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(list))
	for _, u := range list {
		out = append(out, userJSON(u))
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

func (s *Server) createToken(c *gin.Context) {
	u, err := s.db.UserByUsername(c.Request.Context(), c.Param("username"))
	if err != nil {
		fail(c, err)
		return
	}
	caller := callerOf(c)
	if !caller.AllUnits() && u.UnitID != caller.User.UnitID {
		writeProblem(c, problem(http.StatusForbidden, "this user is outside your scope"))
		return
	}
	token, err := s.db.CreateToken(c.Request.Context(), u.ID, "api")
	if err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.UnitID, "token.create", u.Username, nil)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"username": u.Username, "token": token})
}

func (s *Server) revokeToken(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.db.RevokeToken(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, 0, "token.revoke", strconv.FormatInt(id, 10), nil)
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
