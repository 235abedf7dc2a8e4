package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

// reportSettingsJSON is a unit's report settings on the wire.
type reportSettingsJSON struct {
	MinIncidents   int `json:"min_incidents"`
	MinWeeks       int `json:"min_weeks"`
	GiMinIncidents int `json:"gi_min_incidents"`
	// The lines beside the verdict; absent on a PUT: the defaults (100, 0).
	KeyAreaNightsPct  *int     `json:"key_area_nights_pct"`
	MaxUnpatrolledPct *int     `json:"max_unpatrolled_pct"`
	ParentAgency      string   `json:"parent_agency"`
	Agency            string   `json:"agency"`
	NumberSuffix      string   `json:"number_suffix"`
	Place             string   `json:"place"`
	ChiefTitle        string   `json:"chief_title"`
	ChiefName         string   `json:"chief_name"`
	Preparer          string   `json:"preparer_name"`
	Recipients        []string `json:"recipients"`
}

func settingsJSON(s patrol.ReportSettings) reportSettingsJSON {
	if s.Recipients == nil {
		s.Recipients = []string{}
	}
	return reportSettingsJSON{MinIncidents: s.MinIncidents, MinWeeks: s.MinWeeks, GiMinIncidents: s.GiMinIncidents,
		KeyAreaNightsPct: &s.KeyAreaNightsPct, MaxUnpatrolledPct: &s.MaxUnpatrolledPct, ParentAgency: s.ParentAgency, Agency: s.Agency, NumberSuffix: s.NumberSuffix, Place: s.Place, ChiefTitle: s.ChiefTitle,
		ChiefName: s.ChiefName, Preparer: s.Preparer, Recipients: s.Recipients}
}

// getReportSettings answers GET /api/v1/units/{code}/report-settings: the verdict's thresholds
// and the official form's fields.
func (s *Server) getReportSettings(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	st, err := s.db.ReportSettings(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settingsJSON(st))
}

// putReportSettings answers PUT /api/v1/units/{code}/report-settings (admins): every field
// replaced; thresholds must be positive (min_weeks at most 53, gi_min_incidents at least 2);
// key_area_nights_pct is 1–100 (default 100), max_unpatrolled_pct 0–100 (default 0).
func (s *Server) putReportSettings(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	var in reportSettingsJSON
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	var errs []FieldError
	check := func(field string, ok bool, msg string) {
		if !ok {
			errs = append(errs, FieldError{Field: field, Message: msg})
		}
	}
	check("min_incidents", in.MinIncidents >= 1 && in.MinIncidents <= 1000, "must be 1–1000")
	check("min_weeks", in.MinWeeks >= 1 && in.MinWeeks <= 53, "must be 1–53")
	check("gi_min_incidents", in.GiMinIncidents >= 2 && in.GiMinIncidents <= 100000, "must be 2–100000")
	keyPct, coverPct := 100, 0
	if in.KeyAreaNightsPct != nil {
		keyPct = *in.KeyAreaNightsPct
	}
	if in.MaxUnpatrolledPct != nil {
		coverPct = *in.MaxUnpatrolledPct
	}
	check("key_area_nights_pct", keyPct >= 1 && keyPct <= 100, "must be 1–100")
	check("max_unpatrolled_pct", coverPct >= 0 && coverPct <= 100, "must be 0–100")
	for field, v := range map[string]string{"parent_agency": in.ParentAgency, "agency": in.Agency, "number_suffix": in.NumberSuffix,
		"place": in.Place, "chief_title": in.ChiefTitle, "chief_name": in.ChiefName, "preparer_name": in.Preparer} {
		check(field, utf8.RuneCountInString(v) <= 200 && validText(v), "must be text of at most 200 characters")
	}
	check("recipients", len(in.Recipients) <= 20, "at most 20 recipients")
	for _, r := range in.Recipients {
		check("recipients", r != "" && utf8.RuneCountInString(r) <= 200 && validText(r), "each must be text of 1–200 characters")
	}
	if len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "invalid report settings", errs...))
		return
	}
	st := patrol.ReportSettings{MinIncidents: in.MinIncidents, MinWeeks: in.MinWeeks, GiMinIncidents: in.GiMinIncidents,
		KeyAreaNightsPct: keyPct, MaxUnpatrolledPct: coverPct,
		ParentAgency: in.ParentAgency, Agency: in.Agency, NumberSuffix: in.NumberSuffix, Place: in.Place, ChiefTitle: in.ChiefTitle,
		ChiefName: in.ChiefName, Preparer: in.Preparer, Recipients: in.Recipients}
	if err := s.db.SetReportSettings(c.Request.Context(), u.ID, st); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, u.ID, "unit.report_settings", u.Code, nil)
	c.JSON(http.StatusOK, settingsJSON(st))
}

// validText refuses NUL and invalid UTF-8.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0 {
			return false
		}
	}
	return true
}
