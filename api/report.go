package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
	"github.com/patrolmap/patrolmap/report/pdf"
)

// ReportBackend is the storage the proof report needs beyond the analyses (store/report.go).
type ReportBackend interface {
	// PatrolSummary sums the fixes and coverage segments of a unit inside night periods.
	PatrolSummary(ctx context.Context, unitID int, nights []geo.Period) (patrol.PatrolSummary, error)
	// MockFixCounts counts the fixes flagged mock per device of a unit in [from, to).
	MockFixCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.DeviceFixCount, error)
	// IncidentCounts counts the non-void incidents of [from, to) per category.
	IncidentCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.IncidentCount, error)
	ReportSettings(ctx context.Context, unitID int) (patrol.ReportSettings, error)
	SetReportSettings(ctx context.Context, unitID int, s patrol.ReportSettings) error

	ArchiveReport(ctx context.Context, unitID, year int, build func(number int) (patrol.ReportSnapshot, error)) (patrol.ReportSnapshot, error)
	ReportBySHA256(ctx context.Context, sum []byte) (patrol.ReportSnapshot, error)
	ListReportSnapshots(ctx context.Context, unitID int) ([]patrol.ReportSnapshot, error)
	ReportSnapshotByID(ctx context.Context, id int64) (patrol.ReportSnapshot, error)
}

// reportRoutes registers the proof report, its archive and the public verification page.
func (s *Server) reportRoutes(r *gin.Engine, v1 *gin.RouterGroup) {
	v1.GET("/report", s.requireUser, s.getReport)
	v1.GET("/reports", s.requireUser, s.listReports)
	v1.POST("/reports", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.createReport)
	v1.GET("/reports/:id", s.requireUser, s.getReportSnapshot)
	v1.GET("/units/:code/report-settings", s.requireUser, s.getReportSettings)
	v1.PUT("/units/:code/report-settings", s.requireUser, s.requireRole(patrol.RoleAdmin), s.putReportSettings)
	r.GET("/verify/:sha256", s.verifyReport)
}

const reportPDFTimeout = 90 * time.Second

// reporting returns the report use case on this server's storage and clock.
func (s *Server) reporting() *reporting.Service {
	return &reporting.Service{Repo: s.db, Now: s.cfg.Now, Version: s.cfg.Version}
}

// reportError turns the use case's errors into problems.
func reportError(err error) error {
	var fe *patrol.FieldError
	var in *geo.AnalysisInputError
	switch {
	case errors.As(err, &fe):
		return err // fail answers it by its kind
	case errors.As(err, &in):
		return problem(http.StatusUnprocessableEntity, "the analysis cannot run on this input: "+in.Msg)
	case errors.Is(err, patrol.ErrNotFound):
		return problem(http.StatusNotFound, "no such unit", FieldError{Field: "unit", Message: "unknown unit"})
	}
	return err
}

// reportHeaders sets the headers of a report page: a policy that lets it load nothing at all,
// its verdict, and the SHA-256 of its content (and of its bytes as an RFC 9530 Repr-Digest).
func reportHeaders(c *gin.Context, html []byte, verdict, contentSHA string, cutoff time.Time) {
	sum := sha256.Sum256(html)
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Report-Verdict", verdict)
	h.Set("X-Report-SHA256", contentSHA)
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	h.Set("X-Report-Cutoff", rfc3339(cutoff))
}

// reportFormat reads format: html (default), pdf or json.
func reportFormat(c *gin.Context, json bool) (string, bool) {
	switch f := c.Query("format"); {
	case f == "" || f == "html":
		return "html", true
	case f == "pdf":
		return "pdf", true
	case f == "json" && json:
		return "json", true
	}
	if json {
		writeProblem(c, badField("format", "must be html, pdf or json"))
	} else {
		writeProblem(c, badField("format", "must be html or pdf"))
	}
	return "", false
}

// writeReport answers a report page as HTML, or printed to PDF with its footer.
func (s *Server) writeReport(c *gin.Context, format, name string, html []byte, verdict, contentSHA, footer string, cutoff time.Time) {
	reportHeaders(c, html, verdict, contentSHA, cutoff)
	answerPage(c, format, html, name+".pdf", pdf.Options{Timeout: reportPDFTimeout, Footer: footer})
}

// buildReport parses the request of a report for a unit in scope and builds its draft.
func (s *Server) buildReport(c *gin.Context, u patrol.Unit) (*reporting.Draft, bool) {
	d, err := s.reporting().BuildFor(c.Request.Context(), u, reporting.Request{Unit: u.Code, From: c.Query("from"), To: c.Query("to"), Lang: c.Query("lang")})
	if err != nil {
		fail(c, reportError(err))
		return nil, false
	}
	return d, true
}

// getReport answers GET /api/v1/report?unit&from&to[&lang=en][&format=pdf|json]: the proof
// report as one self-contained HTML page (or PDF, or its content as JSON), whose <html> carries
// data-verdict="pass", "fail" or "insufficient". It is a draft: no number, not archived.
func (s *Server) getReport(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	format, ok := reportFormat(c, true)
	if !ok {
		return
	}
	d, ok := s.buildReport(c, u)
	if !ok {
		return
	}
	html, sum, err := d.Render("")
	if err != nil {
		fail(c, err)
		return
	}
	if format == "json" {
		c.Header("Cache-Control", "no-store")
		c.Header("X-Report-SHA256", sum)
		c.JSON(http.StatusOK, d.Content)
		return
	}
	footer := d.PDFFooter("", sum)
	s.writeReport(c, format, fmt.Sprintf("patrolmap-report-%s-%s-%s", u.Code, c.Query("from"), c.Query("to")), html, d.Verdict.Value, sum, footer, d.Cutoff)
}

// snapshotJSON describes an archived report.
func snapshotJSON(r patrol.ReportSnapshot) map[string]any {
	out := map[string]any{
		"id": r.ID, "unit": r.UnitCode, "from": r.FromText, "to": r.ToText, "period_from": rfc3339(r.From), "period_to": rfc3339(r.To),
		"lang": r.Lang, "verdict": r.Verdict, "cutoff": rfc3339(r.Cutoff), "sha256": hex.EncodeToString(r.SHA256), "size": r.Size,
		"created_by": r.CreatedByName, "created_at": rfc3339(r.CreatedAt), "href": "/api/v1/reports/" + strconv.FormatInt(r.ID, 10),
		"number": nil, "year": nil, "verify": "/verify/" + hex.EncodeToString(r.SHA256),
	}
	if r.Number > 0 {
		out["number"], out["year"] = r.NumberText, r.Year
	}
	return out
}

// createReport answers POST /api/v1/reports?unit&from&to[&lang]: it builds the report, gives it
// the unit's next number of the year and archives it immutably with the SHA-256 of its content.
func (s *Server) createReport(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	d, ok := s.buildReport(c, u)
	if !ok {
		return
	}
	d.VerifyBase = s.publicURL(c)
	snap, err := s.reporting().Archive(c.Request.Context(), s.db, d, callerOf(c).User)
	if err != nil {
		fail(c, err)
		return
	}
	sum := hex.EncodeToString(snap.SHA256)
	detail := []byte(fmt.Sprintf(`{"number":%q,"from":%q,"to":%q,"verdict":%q,"sha256":%q}`, snap.NumberText, snap.FromText, snap.ToText, snap.Verdict, sum))
	s.audit(c, u.ID, "report.archive", strconv.FormatInt(snap.ID, 10), detail)
	c.Header("Location", "/api/v1/reports/"+strconv.FormatInt(snap.ID, 10))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, snapshotJSON(snap))
}

// listReports answers GET /api/v1/reports?unit: the archived reports, newest first.
func (s *Server) listReports(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	list, err := s.db.ListReportSnapshots(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = snapshotJSON(r)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "reports": out})
}

// getReportSnapshot answers GET /api/v1/reports/{id}[?format=pdf|json]: the archived HTML byte
// for byte (or printed to PDF with the footer, or the archived content), with the SHA-256 of its
// content in X-Report-SHA256 and its cut-off in X-Report-Cutoff.
func (s *Server) getReportSnapshot(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	format, ok := reportFormat(c, true)
	if !ok {
		return
	}
	snap, err := s.db.ReportSnapshotByID(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !callerOf(c).InScope(snap.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this report is outside your scope"))
		return
	}
	signed := snap.HTML
	if snap.Content != nil {
		signed = snap.Content
	}
	sum := sha256.Sum256(signed)
	if !bytes.Equal(sum[:], snap.SHA256) {
		fail(c, fmt.Errorf("report %d: the stored content does not match its hash", id))
		return
	}
	hexSum := hex.EncodeToString(sum[:])
	c.Header("ETag", `"`+hexSum+`"`)
	if format == "json" {
		if snap.Content == nil {
			writeProblem(c, problem(http.StatusNotFound, "this report was archived before contents were kept; ask for html or pdf"))
			return
		}
		c.Header("Cache-Control", "no-store")
		c.Header("X-Report-SHA256", hexSum)
		c.Data(http.StatusOK, "application/json", snap.Content)
		return
	}
	u, err := s.db.UnitByID(c.Request.Context(), snap.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	p := report.NewPrinter(snap.Lang, unit.Location(u))
	footer := report.PDFFooter(snap.Lang, snap.NumberText, p.DateTime(snap.Cutoff), hexSum)
	s.writeReport(c, format, fmt.Sprintf("patrolmap-report-%d", id), snap.HTML, snap.Verdict, hexSum, footer, snap.Cutoff)
}

// verifyReport answers GET /verify/{sha256} for anyone, without login: whether a report with
// that content hash was issued, for which unit, number, period and time — nothing more; 404
// otherwise.
func (s *Server) verifyReport(c *gin.Context) {
	v, err := reporting.Verify(c.Request.Context(), s.db, s.db, c.Param("sha256"))
	if errors.Is(err, patrol.ErrNotFound) {
		c.Header("Cache-Control", "no-store")
		writeProblem(c, problem(http.StatusNotFound, "no report with this SHA-256 was issued"))
		return
	}
	if err != nil {
		fail(c, reportError(err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, v)
}

// publicURL is the address people reach this server at: Config.PublicURL, else the scheme and
// host the request came to.
func (s *Server) publicURL(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if c.Request.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
