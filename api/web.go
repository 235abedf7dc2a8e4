package api

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// webRoutes serves the embedded web map: index.html at /, its assets, and /favicon.ico.
func (s *Server) webRoutes(r *gin.Engine) {
	serve := func(c *gin.Context, name string) {
		if s.assets == nil {
			writeProblem(c, problem(http.StatusNotFound, "the web map is not built; run `make build`"))
			return
		}
		b, err := fs.ReadFile(s.assets, name)
		if err != nil {
			writeProblem(c, problem(http.StatusNotFound, "no such file"))
			return
		}
		ct := contentTypes[path.Ext(name)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		if name == "index.html" || name == officerIndex || name == officerWorker {
			c.Header("Cache-Control", "no-cache")
		} else {
			c.Header("Cache-Control", "public, max-age=3600")
		}
		c.Data(http.StatusOK, ct, b)
	}
	r.GET("/", func(c *gin.Context) { serve(c, "index.html") })
	r.HEAD("/", func(c *gin.Context) { serve(c, "index.html") })
	r.GET("/favicon.ico", func(c *gin.Context) { serve(c, "favicon.ico") })
	// The officer's view (issue 16): its own page, its service worker always revalidated.
	r.GET("/officer/", func(c *gin.Context) { serve(c, officerIndex) })
	r.GET("/officer/sw.js", func(c *gin.Context) { serve(c, officerWorker) })
}

// The officer view's page and service worker in the built web map.
const (
	officerIndex  = "officer/index.html"
	officerWorker = "officer/sw.js"
)

// staticFile serves a built web map file for an unmatched GET, reporting whether it did.
func (s *Server) staticFile(c *gin.Context) bool {
	if s.assets == nil || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) ||
		strings.HasPrefix(c.Request.URL.Path, "/api/") {
		return false
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Request.URL.Path), "/")
	if name == "" || name == "index.html" {
		return false
	}
	b, err := fs.ReadFile(s.assets, name)
	if err != nil {
		return false
	}
	ct := contentTypes[path.Ext(name)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, ct, b)
	return true
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
	".map": "application/json", ".png": "image/png", ".svg": "image/svg+xml", ".ico": "image/x-icon",
	".woff2": "font/woff2", ".json": "application/json", ".webmanifest": "application/manifest+json",
}
