package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/report/pdf"
)

// answerPage answers a self-contained page (a report, a handover) as HTML, or for format "pdf"
// printed by the server's headless Chromium with opt and named filename; 501 when the server
// has no Chromium.
func answerPage(c *gin.Context, format string, page []byte, filename string, opt pdf.Options) {
	if format != "pdf" {
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
		return
	}
	out, err := pdf.Render(c.Request.Context(), page, opt)
	if errors.Is(err, pdf.ErrNoBrowser) {
		writeProblem(c, problem(http.StatusNotImplemented, "PDF needs headless Chromium on the server, which is not installed; print the HTML page instead"))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, filename))
	c.Data(http.StatusOK, "application/pdf", out)
}
