package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// IngestBackend is the storage the tracking-app protocols need: what app/ingest needs.
type IngestBackend interface {
	ingest.Repository
}

// trackerBodyLimit bounds one request of the single-fix protocols (/osmand, /owntracks).
const trackerBodyLimit = 64 << 10

// ingester is the HTTP side of the ingest protocols; the use cases (group commit, secret cache,
// refusal log, kept requests and their replay, who may write) live in app/ingest.
type ingester struct {
	s   *Server
	svc *ingest.Service
}

// ingestState returns the Server's ingester, or nil before ingestRoutes ran.
func (s *Server) ingestState() *ingester { return s.ingester }

// ingestRoutes registers the tracking-app protocols (OsmAnd, OwnTracks, GPX, incident CSV) and
// the replay of kept refused requests.
func (s *Server) ingestRoutes(r *gin.Engine, v1 *gin.RouterGroup) {
	svc := ingest.New(s.db, ingest.Config{Now: s.cfg.Now, Log: s.log, Keep: s.cfg.KeepRefused, TrimEvery: s.cfg.KeepTrimEvery})
	svc.ObserveWrite = s.metrics.observeWrite
	svc.Observe = func(fixes int) {
		s.metrics.add("patrolmap_ingest_group_commits_total", 1)
		s.metrics.add("patrolmap_ingest_group_commit_fixes_total", fixes)
	}
	g := &ingester{s: s, svc: svc}
	s.ingester = g

	r.GET("/osmand", g.osmand)
	r.POST("/osmand", g.osmand)
	r.POST("/owntracks", g.owntracks)
	v1.POST("/gpx", s.requireCaller, s.postGPX)
	v1.POST("/incidents/csv", s.requireUser, s.postIncidentsCSV)
	v1.POST("/devices/:device/replay", s.requireUser, s.requireRole(patrol.RoleAdmin), g.replay)
}

// ForgetDeviceSecrets drops the cached checks of a device's secret (deviceID 0: of every
// device), so that a rotated secret or a deactivated device stops working at once.
func (s *Server) ForgetDeviceSecrets(deviceID int) {
	if g := s.ingestState(); g != nil {
		g.svc.ForgetDeviceSecrets(deviceID)
	}
}

// TrimKeptRequests deletes the kept refused requests that are too old or over the total bound;
// serve calls it every hour.
func (s *Server) TrimKeptRequests(ctx context.Context) (int64, error) {
	if g := s.ingestState(); g != nil {
		return g.svc.Trim(ctx)
	}
	return 0, nil
}

// deviceCaller returns the active device whose secret this is, through the ingest secret
// cache.
func (s *Server) deviceCaller(ctx context.Context, secret string) (patrol.Caller, error) {
	if g := s.ingestState(); g != nil {
		return g.svc.DeviceCaller(ctx, secret)
	}
	return s.db.CallerByDeviceSecret(ctx, secret)
}

// ingestService returns the process's ingest use cases (a fresh Service before ingestRoutes
// ran, as some tests build the Server).
func (s *Server) ingestService() *ingest.Service {
	if g := s.ingestState(); g != nil {
		return g.svc
	}
	return ingest.New(s.db, ingest.Config{Now: s.cfg.Now, Log: s.log})
}

// newDeviceAuthorizer returns who-may-write for one request's caller.
func (s *Server) newDeviceAuthorizer(caller patrol.Caller) *ingest.Writers {
	return s.ingestService().Writers(caller)
}

// rejectAttempt logs a refused attempt (unknown device, missing or wrong key), throttled.
func (g *ingester) rejectAttempt(c *gin.Context, r patrol.Rejection) {
	r.Addr = c.ClientIP()
	g.svc.LogRefusal(c.Request.Context(), r)
}

// keptRequest is the request as kept for replay: the query and a form body with the key
// redacted, the rest as received.
func keptRequest(c *gin.Context, source string, body []byte, received time.Time) patrol.KeptRequest {
	k := patrol.KeptRequest{ReceivedAt: received, Source: source, Method: c.Request.Method, Query: redactedQuery(c.Request.URL.RawQuery),
		ContentType: c.ContentType(), Body: body}
	if k.ContentType == "application/x-www-form-urlencoded" {
		k.Body = []byte(redactedQuery(string(body)))
	}
	return k
}

// decodeKept reads the fixes of a kept request with the protocol's own decoder, as of the time
// it was received.
func decodeKept(k patrol.KeptRequest) ([]ingest.Candidate, error) {
	switch k.Source {
	case "osmand":
		req, err := decodeOsmAnd(k.ContentType, k.Query, k.Body, k.ReceivedAt)
		if err != nil {
			return nil, err
		}
		return []ingest.Candidate{candidateOf(req.Fix, req.Ident)}, nil
	case "owntracks":
		msgs, err := decodeOwnTracks(k.Body, k.ReceivedAt)
		if err != nil {
			return nil, err
		}
		var out []ingest.Candidate
		for _, m := range msgs {
			if m.Type == "location" {
				out = append(out, candidateOf(m.Fix, ""))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("kept request of unknown protocol %q", k.Source)
}

func candidateOf(c decode.Candidate, ident string) ingest.Candidate {
	out := ingest.Candidate{Ident: ident, Fix: c.Fix}
	if c.Invalid != nil {
		out.Invalid = errors.New(c.Invalid.Field + ": " + c.Invalid.Message)
	}
	return out
}

// replay stores the kept refused fixes of a device that is registered by now (admin).
func (g *ingester) replay(c *gin.Context) {
	s := g.s
	ident := c.Param("device")
	if !validIdent(ident) {
		writeProblem(c, badField("device", identProblem))
		return
	}
	res, d, err := g.svc.Replay(c.Request.Context(), callerOf(c), ident, decodeKept)
	switch {
	case errors.Is(err, patrol.ErrNotFound):
		writeProblem(c, problem(http.StatusNotFound, "no device "+strconv.Quote(ident)+"; register it first", FieldError{"device", "unknown device"}))
		return
	case errors.Is(err, ingest.ErrForbidden):
		writeProblem(c, problem(http.StatusForbidden, "the device is outside your scope", FieldError{"device", "not allowed for this caller"}))
		return
	case errors.Is(err, patrol.ErrConflict):
		writeProblem(c, problem(http.StatusConflict, "the device is deactivated; activate it before replaying", FieldError{"device", "deactivated"}))
		return
	case err != nil:
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(res)
	s.audit(c, d.UnitID, "device.replay", d.Ident, detail)
	s.metrics.add("patrolmap_fixes_accepted_total", res.Accepted)
	s.metrics.add("patrolmap_fixes_duplicate_total", res.Duplicates)
	s.metrics.add("patrolmap_fixes_off_duty_total", res.OffDuty)
	s.metrics.add("patrolmap_fixes_rejected_total", res.Rejected)
	c.JSON(http.StatusOK, res)
}
