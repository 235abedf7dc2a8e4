// Package api is patrolmap's HTTP layer: the gin router, authentication and roles, the ingest
// protocols, problem+json errors and the handlers of the fixed interface in DESIGN.md. It
// declares the Backend it needs and never imports pgx or the store.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

// Backend is what the handlers need from storage; package store implements it. Each concern
// declares its part beside its handlers.
type Backend interface {
	CoreBackend
	IngestBackend   // ingest.go
	AnalysisBackend // hotspots.go
	CoverageBackend // coverage.go
	PlanBackend     // plan.go
	ReportBackend   // report.go
	AdminBackend    // admin.go
	LiveBackend     // live.go
	NightBackend    // night.go
}

// CoreBackend is storage for auth, units, devices, incidents, areas and the logs.
type CoreBackend interface {
	Ping(ctx context.Context) error

	CheckPassword(ctx context.Context, username, password string) (patrol.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration, addr string) (id, csrf string, err error)
	CallerBySession(ctx context.Context, id string) (patrol.Caller, error)
	DeleteSession(ctx context.Context, idHash []byte) error
	CallerByToken(ctx context.Context, token string) (patrol.Caller, error)
	CallerByDeviceSecret(ctx context.Context, secret string) (patrol.Caller, error)
	UserByUsername(ctx context.Context, username string) (patrol.User, error)
	ListUsers(ctx context.Context, unitID int) ([]patrol.User, error)
	CreateUserRecord(ctx context.Context, u patrol.User, password string) (patrol.User, error)
	CreateToken(ctx context.Context, userID int64, label string) (string, error)
	RevokeToken(ctx context.Context, tokenID int64) error

	UnitByCode(ctx context.Context, code string) (patrol.Unit, error)
	UnitByID(ctx context.Context, id int) (patrol.Unit, error)
	ListUnits(ctx context.Context, unitID int) ([]patrol.Unit, error)
	CreateUnit(ctx context.Context, u patrol.Unit) (patrol.Unit, error)
	UpdateUnit(ctx context.Context, u patrol.Unit) (patrol.Unit, error)

	CreateDevice(ctx context.Context, unitID int, ident, name string) (patrol.Device, string, error)
	DeviceByIdent(ctx context.Context, ident string) (patrol.Device, error)
	ListDevices(ctx context.Context, unitID int) ([]patrol.Device, error)
	DeviceAssignedTo(ctx context.Context, deviceID int, userID int64) (bool, error)

	InsertFixes(ctx context.Context, fixes []patrol.Fix) (patrol.IngestResult, error)
	EachFix(ctx context.Context, f patrol.FixFilter, fn func(patrol.StoredFix) error) error

	InsertIncidents(ctx context.Context, unitID int, userID int64, list []patrol.Incident) (patrol.IngestResult, []int64, error)
	IncidentByID(ctx context.Context, id int64) (patrol.Incident, error)
	ListIncidents(ctx context.Context, unitID int, from, to time.Time, withVoid bool) ([]patrol.Incident, error)
	UpdateIncident(ctx context.Context, in patrol.Incident) (patrol.Incident, error)
	VoidIncident(ctx context.Context, id int64) error

	CreateArea(ctx context.Context, a patrol.Area) (patrol.Area, error)
	UpdateArea(ctx context.Context, a patrol.Area) (patrol.Area, error)
	DeleteArea(ctx context.Context, id int64) error
	AreaByID(ctx context.Context, id int64) (patrol.Area, error)
	ListAreas(ctx context.Context, unitID int, kind string) ([]patrol.Area, error)
	ListRoads(ctx context.Context, unitID int) ([]patrol.Road, error)

	Audit(ctx context.Context, e patrol.AuditEntry) error
	ListAudit(ctx context.Context, limit int) ([]patrol.AuditEntry, error)
	Reject(ctx context.Context, r patrol.Rejection) error
	ListRejections(ctx context.Context, limit int) ([]patrol.Rejection, error)
}

// Config holds the server's settings.
type Config struct {
	TileURL         string        // basemap tiles for the web map; empty disables the basemap
	TileAttribution string        // shown under the map
	Basemap         http.Handler  // a local PMTiles basemap served at BasemapPath (nil: none); wins over TileURL
	BasemapInfo     any           // what /api/v1/config says about Basemap (zooms, bounds)
	SecureCookies   bool          // mark the session cookie Secure (behind TLS)
	HSTS            string        // Strict-Transport-Security value sent on every response (behind TLS); empty sends none
	MetricsToken    string        // bearer token that may read /metrics on the main listener; admins of all units may too
	SessionTTL      time.Duration // default 12 h
	MaxBodyBytes    int64         // default 32 MiB
	RequestTimeout  time.Duration // default 60 s for ordinary handlers and heavy analyses
	HeavyAnalyses   int           // heavy analyses (statistics, plan, report, imports) at once; default one per core, at least 2
	HeavyPerUser    int           // heavy analyses one user may run at once; default 3 (the map loads hot spots, emerging and the plan together)
	HeavyWait       time.Duration // how long a heavy analysis waits for a free slot before 503; default 10 s
	// PublicURL is the address people reach this server at (PATROLMAP_PUBLIC_URL), printed with
	// a QR code on archived reports as the verification address; when empty, the address the
	// archiving request came to.
	PublicURL string
	Version   string
	Now       func() time.Time // clock; time.Now when nil
	// KeepRefused bounds the refused requests kept for replay (ingest.DefaultKeepLimits when
	// zero); KeepTrimEvery is how many are kept between two trims to the total (default 100).
	KeepRefused   patrol.KeepLimits
	KeepTrimEvery int
}

// Server holds the router and its state.
type Server struct {
	cfg      Config
	db       Backend
	assets   fs.FS
	log      *slog.Logger
	metrics  *metrics
	throttle *loginThrottle
	heavy    *heavyPool // bounds the heavy analyses (heavy.go)
	draining atomic.Bool
	engine   *gin.Engine
	ingester *ingester // group commit and the device secret cache (ingest.go)
	tokens   sync.Map  // token id → time its use was last recorded
}

// New builds the server; assets is the web map's built folder (may be nil).
func New(cfg Config, db Backend, assets fs.FS, log *slog.Logger) *Server {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 32 << 20
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HeavyAnalyses <= 0 {
		cfg.HeavyAnalyses = defaultHeavyAnalyses()
	}
	if cfg.HeavyPerUser <= 0 {
		cfg.HeavyPerUser = 3
	}
	if cfg.HeavyWait < 0 {
		cfg.HeavyWait = 0
	} else if cfg.HeavyWait == 0 {
		cfg.HeavyWait = 10 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, db: db, assets: assets, log: log, metrics: newMetrics(), throttle: newLoginThrottle(10, 15*time.Minute),
		heavy: newHeavyPool(cfg.HeavyAnalyses, cfg.HeavyPerUser, cfg.HeavyWait)}
	s.engine = s.routes()
	return s
}

// Handler returns the HTTP handler of the whole service.
func (s *Server) Handler() http.Handler { return s.engine }

// Drain makes /readyz answer 503 so load balancers stop sending work before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

func init() { gin.SetMode(gin.ReleaseMode) }

func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.SetTrustedProxies(nil)
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer, s.logRequests, s.securityHeaders, s.limitBody, s.strictQuery, s.authenticate, s.limitHeavy)
	r.NoRoute(func(c *gin.Context) {
		if !s.staticFile(c) {
			writeProblem(c, problem(http.StatusNotFound, "no such resource"))
		}
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, problem(http.StatusMethodNotAllowed, "method not allowed on this resource"))
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.requireMetricsAccess, s.metricsHandler)

	v1 := r.Group("/api/v1")
	v1.GET("/config", s.config)
	v1.POST("/login", s.login)
	v1.POST("/logout", s.logout)
	v1.GET("/me", s.requireUser, s.me)
	v1.GET("/session", s.session)

	v1.GET("/units", s.requireUser, s.listUnits)
	v1.POST("/units", s.requireUser, s.requireRole(patrol.RoleAdmin), s.createUnit)
	v1.GET("/units/:code", s.requireUser, s.getUnit)
	v1.PUT("/units/:code", s.requireUser, s.requireRole(patrol.RoleAdmin), s.updateUnit)
	v1.GET("/units/:code/devices", s.requireUser, s.requireRole(patrol.RoleAdmin), s.listDevices)
	v1.POST("/units/:code/devices", s.requireUser, s.requireRole(patrol.RoleAdmin), s.createDevice)

	v1.GET("/users", s.requireUser, s.requireRole(patrol.RoleAdmin), s.listUsers)
	v1.POST("/users", s.requireUser, s.requireRole(patrol.RoleAdmin), s.createUser)
	v1.POST("/users/:username/tokens", s.requireUser, s.requireRole(patrol.RoleAdmin), s.createToken)
	v1.DELETE("/tokens/:id", s.requireUser, s.requireRole(patrol.RoleAdmin), s.revokeToken)
	v1.GET("/audit", s.requireUser, s.requireRole(patrol.RoleAdmin), s.listAudit)
	v1.GET("/rejections", s.requireUser, s.requireRole(patrol.RoleAdmin), s.listRejections)

	v1.POST("/fixes", s.requireCaller, s.postFixes)
	v1.GET("/fixes", s.requireUser, s.getFixes)

	v1.GET("/incidents", s.requireUser, s.listIncidents)
	v1.POST("/incidents", s.requireUser, s.postIncidents)
	v1.PUT("/incidents/:id", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.updateIncident)
	v1.DELETE("/incidents/:id", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.voidIncident)

	v1.GET("/areas", s.requireUser, s.listAreas)
	v1.POST("/areas", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.createArea)
	v1.PUT("/areas/:id", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.updateArea)
	v1.DELETE("/areas/:id", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.deleteArea)
	v1.GET("/roads", s.requireUser, s.listRoads)

	s.ingestRoutes(r, v1)
	s.analysisRoutes(v1)
	s.coverageRoutes(v1)
	s.planRoutes(v1)
	s.reportRoutes(r, v1)
	s.placesRoutes(v1)
	s.summaryRoutes(v1)
	s.adminRoutes(v1)
	s.liveRoutes(v1)
	s.basemapRoutes(r)
	s.nightRoutes(v1)
	s.webRoutes(r)
	return r
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	if s.draining.Load() {
		writeProblem(c, problem(http.StatusServiceUnavailable, "shutting down"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		writeProblem(c, problem(http.StatusServiceUnavailable, "the database is unreachable"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// config answers the web map's settings; the build version only to signed-in users, so that
// an anonymous scan cannot match it against known bugs.
func (s *Server) config(c *gin.Context) {
	body := gin.H{"tile_url": s.cfg.TileURL, "tile_attribution": s.cfg.TileAttribution, "basemap": s.basemapConfig()}
	if callerOf(c).Kind == patrol.CallerUser {
		body["version"] = s.cfg.Version
	}
	c.JSON(http.StatusOK, body)
}

// OsmAndHandler returns the handler of the second listener (--osmand-addr): the OsmAnd /
// Traccar Client protocol at /, as Traccar's port 5055 serves it.
func (s *Server) OsmAndHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "" {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/osmand"
			s.engine.ServeHTTP(w, r2)
			return
		}
		http.NotFound(w, r)
	})
}

// RouteInfo names one registered route.
type RouteInfo struct{ Method, Path string }

// Routes lists every registered route, for the authorization matrix test and for docs.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.engine.Routes() {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path})
	}
	return out
}
