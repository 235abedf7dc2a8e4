package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// recoverer turns a panic into a 500 problem without leaking the stack to the client.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("handler panic", "path", c.Request.URL.Path, "panic", r)
			if !c.Writer.Written() {
				writeProblem(c, problem(http.StatusInternalServerError, "internal error"))
			}
		}
	}()
	c.Next()
}

// strictQuery answers 400 for a query string that does not parse (a bad %-escape): gin's
// c.Query drops such pairs silently, so a request would otherwise run without a parameter its
// caller sent — a dry run that is not dry, a language that falls back. The device protocols
// report a bad query in their own way and are left alone.
func (s *Server) strictQuery(c *gin.Context) {
	if q := c.Request.URL.RawQuery; q != "" && c.Request.URL.Path != "/osmand" {
		if _, err := url.ParseQuery(q); err != nil {
			writeProblem(c, badField("query", "malformed query string: "+strings.TrimPrefix(err.Error(), "invalid URL escape ")))
			return
		}
	}
	c.Next()
}

// logRequests writes one slog line per request and records its metrics.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	s.metrics.inFlight.Add(1)
	c.Next()
	s.metrics.inFlight.Add(-1)
	d := time.Since(start)
	route := c.FullPath() // the template, never the raw path; "" when no route matched
	status := c.Writer.Status()
	s.metrics.observe(c.Request.Method, route, status, d)
	level := slog.LevelInfo
	switch {
	case status == 503:
		level = slog.LevelWarn // the database is away; callers retry
	case status >= 500:
		level = slog.LevelError
	}
	if route == "" {
		route = unmatchedRoute
	}
	s.log.Log(c.Request.Context(), level, "request", "method", metricMethod(c.Request.Method), "route", route, "path", c.Request.URL.Path,
		"status", status, "duration_ms", float64(d.Microseconds())/1000, "bytes", c.Writer.Size(), "addr", c.ClientIP())
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	img := "'self' data:"
	if origin := tileOrigin(s.cfg.TileURL); origin != "" {
		img += " " + origin
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src "+img+
		"; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.HSTS != "" {
		h.Set("Strict-Transport-Security", s.cfg.HSTS)
	}
	c.Next()
}

// limitBody refuses bodies over the limit with 413, before or while they are read.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		writeProblem(c, problem(http.StatusRequestEntityTooLarge, "the request body exceeds the limit of "+strconv.FormatInt(s.cfg.MaxBodyBytes, 10)+" bytes"))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}

// tileOrigin returns the scheme://host of a tile URL template for the CSP, or "".
func tileOrigin(u string) string {
	for i := 0; i+3 <= len(u); i++ {
		if u[i:i+3] == "://" {
			j := i + 3
			for j < len(u) && u[j] != '/' {
				j++
			}
			host := u[i+3 : j]
			// {s} subdomain placeholders become a wildcard.
			if len(host) > 4 && host[:4] == "{s}." {
				host = "*." + host[4:]
			}
			return u[:i+3] + host
		}
	}
	return ""
}
