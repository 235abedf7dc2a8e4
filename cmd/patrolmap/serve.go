package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/basemap"
	"github.com/patrolmap/patrolmap/demo/live"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/webmap"
)

// osmTileURL is OpenStreetMap's tile server, for operators who choose an online basemap with
// PATROLMAP_TILE_URL; it is no longer the default (every view would tell a third party which
// area is being looked at, and offline there would be no streets).
const osmTileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// serveConfig is what `patrolmap serve` reads from its flags and the environment.
type serveConfig struct {
	addr, osmandAddr, metricsAddr string
	drain                         time.Duration
	basemap                       string
	retention                     time.Duration
	demoLive                      bool       // play the demo ward on as its time comes (demo/live)
	api                           api.Config // without the basemap, which opening the file fills in
}

// parseServeConfig reads the flags of `patrolmap serve` and the PATROLMAP_* settings; a bad
// value is a usageError.
func parseServeConfig(args []string) (serveConfig, error) {
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", envOr("PATROLMAP_ADDR", "127.0.0.1:8080"), "HTTP listen address")
	fs.StringVar(&cfg.osmandAddr, "osmand-addr", envOr("PATROLMAP_OSMAND_ADDR", ""), "optional second listener speaking the OsmAnd protocol at /")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", envOr("PATROLMAP_METRICS_ADDR", ""), "optional separate listener serving GET /metrics without credentials (bind it where only monitoring reaches)")
	fs.DurationVar(&cfg.drain, "drain", 0, "time between /readyz turning 503 and the listener closing on shutdown")
	fs.StringVar(&cfg.basemap, "basemap", envOr("PATROLMAP_BASEMAP", ""), "a local vector basemap (PMTiles, Protomaps schema) served from this origin; wins over PATROLMAP_TILE_URL")
	retentionFlag := fs.String("fix-retention", envOr("PATROLMAP_FIX_RETENTION", ""), "drop fix partitions older than this (for example 400d or 9600h); empty keeps everything")
	demoLive := false
	var err error
	if v := os.Getenv("PATROLMAP_DEMO_LIVE"); v != "" {
		if demoLive, err = strconv.ParseBool(v); err != nil {
			return cfg, usageError{fmt.Sprintf("PATROLMAP_DEMO_LIVE=%q: want true or false", v)}
		}
	}
	fs.BoolVar(&cfg.demoLive, "demo-live", demoLive, "keep the synthetic demo ward playing: write its fixes and incidents as their time comes (only for the demo; never on a real deployment)")
	if err := fs.Parse(args); err != nil {
		return cfg, usageError{err.Error()}
	}
	c := &cfg.api
	if c.HeavyAnalyses, err = envInt("PATROLMAP_HEAVY_ANALYSES"); err != nil {
		return cfg, usageError{err.Error()}
	}
	if c.HeavyPerUser, err = envInt("PATROLMAP_HEAVY_PER_USER"); err != nil {
		return cfg, usageError{err.Error()}
	}
	if c.HSTS, err = hstsValue(os.Getenv("PATROLMAP_HSTS")); err != nil {
		return cfg, usageError{err.Error()}
	}
	c.MetricsToken = os.Getenv("PATROLMAP_METRICS_TOKEN")
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return cfg, usageError{"PATROLMAP_METRICS_TOKEN is too short: use at least 16 random characters"}
	}
	if cfg.retention, err = parseRetention(*retentionFlag); err != nil {
		return cfg, usageError{err.Error()}
	}
	c.TileURL = os.Getenv("PATROLMAP_TILE_URL")
	c.TileAttribution = os.Getenv("PATROLMAP_TILE_ATTRIBUTION")
	c.SecureCookies = os.Getenv("PATROLMAP_SECURE_COOKIES") == "true"
	c.PublicURL = strings.TrimRight(os.Getenv("PATROLMAP_PUBLIC_URL"), "/")
	c.Version = version
	return cfg, nil
}

// cmdServe runs `patrolmap serve`: the HTTP listeners, the coverage rollups, fix retention, the
// night's alerts and handovers, until ctx ends; then it drains and shuts down.
func cmdServe(ctx context.Context, args []string, log *slog.Logger) error {
	cfg, err := parseServeConfig(args)
	if err != nil {
		return err
	}
	url, err := databaseURL()
	if err != nil {
		return err
	}
	db, err := openStoreRetrying(ctx, url, log)
	if err != nil {
		return err
	}
	defer db.Close()

	// Coverage rollups: recompute the (device, day) keys that new or late fixes marked.
	go db.RunRollups(ctx, store.DefaultRollupPolicy(), log)
	// Every hour: expired off-duty fixes are deleted (always), and with -fix-retention old
	// partitions dropped.
	go retainFixes(ctx, db, cfg.retention, log)
	// Deadline alerts and morning handovers: judged every night.AlertEvery, so an alert is raised
	// at most that late; unique keys keep a restart (or a second server) from raising or
	// archiving one twice.
	go night.NewScheduler(db, log).Run(ctx, night.AlertEvery, time.Now)
	if cfg.demoLive {
		// The demo keeps playing: its fixes and incidents are written as their time comes.
		player, err := live.New(db, time.Now, log)
		if err != nil {
			return err
		}
		log.Info("demo live play: the demo ward's fixes and incidents are written as their time comes", "every", live.Every)
		go player.Run(ctx, live.Every)
	}

	if !webmap.Built() {
		log.Warn("the web map is not built; run `make build` (npm ci && npm run build in webmap/)")
	}
	if err := openBasemap(cfg.basemap, &cfg.api, log); err != nil {
		return err
	}
	srv := api.New(cfg.api, db, webmap.Assets(), log)
	// Every hour: refused requests kept for replay expire after 14 days and stay under their bound.
	go trimKeptRequests(ctx, srv, log)
	return runServers(ctx, cfg, srv, log)
}

// openStoreRetrying opens the database. It may still be starting: keep trying for a while,
// then serve anyway and let /readyz say it is not ready.
func openStoreRetrying(ctx context.Context, url string, log *slog.Logger) (*store.Store, error) {
	var db *store.Store
	var err error
	for i := 0; ; i++ {
		db, err = store.Open(ctx, url, store.Options{MaxConns: 20})
		if err == nil || i >= 15 || ctx.Err() != nil {
			break
		}
		log.Warn("database not reachable yet; retrying", "err", err)
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// openBasemap opens the local basemap file, when one is named, into c (it wins over an online
// tile URL), and credits OpenStreetMap when their tile server is the basemap.
func openBasemap(file string, c *api.Config, log *slog.Logger) error {
	if file != "" {
		archive, err := basemap.Open(file)
		if err != nil {
			return err
		}
		c.Basemap, c.BasemapInfo, c.TileURL = archive, archive.Info(), ""
		log.Info("basemap", "file", file, "bytes", archive.Size(), "zoom", fmt.Sprintf("%d-%d", archive.Info().MinZoom, archive.Info().MaxZoom))
	}
	if c.TileAttribution == "" && c.TileURL == osmTileURL {
		c.TileAttribution = "© OpenStreetMap contributors"
	}
	return nil
}

// runServers listens on the configured addresses and serves srv until one listener fails or
// ctx ends; then /readyz turns 503, the drain time passes and the servers shut down.
func runServers(ctx context.Context, cfg serveConfig, srv *api.Server, log *slog.Logger) error {
	servers := []*http.Server{newHTTPServer(cfg.addr, srv.Handler())}
	if cfg.osmandAddr != "" {
		servers = append(servers, newHTTPServer(cfg.osmandAddr, srv.OsmAndHandler()))
	}
	if cfg.metricsAddr != "" {
		servers = append(servers, newHTTPServer(cfg.metricsAddr, srv.MetricsHandler()))
	}
	errc := make(chan error, len(servers))
	for _, hs := range servers {
		ln, err := net.Listen("tcp", hs.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", hs.Addr, err)
		}
		log.Info("serving", "addr", "http://"+ln.Addr().String())
		go func(hs *http.Server, ln net.Listener) { errc <- hs.Serve(ln) }(hs, ln)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	srv.Drain()
	if cfg.drain > 0 {
		time.Sleep(cfg.drain)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var firstErr error
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("shutdown %s: %w", hs.Addr, err)
		}
	}
	log.Info("stopped")
	return firstErr
}

// hstsValue turns PATROLMAP_HSTS into a Strict-Transport-Security value: "" or "false" sends
// none, "true" one year with subdomains, and a value starting with max-age= is sent as given.
func hstsValue(v string) (string, error) {
	switch {
	case v == "" || v == "false":
		return "", nil
	case v == "true":
		return "max-age=31536000; includeSubDomains", nil
	case strings.HasPrefix(v, "max-age=") && !strings.ContainsAny(v, "\r\n"):
		return v, nil
	}
	return "", fmt.Errorf("PATROLMAP_HSTS=%q: want true, false or a header value such as max-age=31536000; includeSubDomains", v)
}

// envInt reads an optional positive integer setting; 0 when unset.
func envInt(name string) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}

func newHTTPServer(addr string, h http.Handler) *http.Server {
	if strings.HasPrefix(addr, ":") {
		addr = "0.0.0.0" + addr
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// parseRetention reads a retention such as "400d" (days) or a Go duration such as "9600h".
func parseRetention(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err != nil || days <= 0 {
			return 0, fmt.Errorf("fix retention %q: want a number of days such as 400d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("fix retention %q: want 400d or a duration such as 9600h", s)
	}
	return d, nil
}

// retainFixes, now and then every hour, deletes the off-duty fixes older than their unit's
// off-duty retention and, when retention > 0, drops fix partitions older than retention.
func retainFixes(ctx context.Context, db *store.Store, retention time.Duration, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := db.DeleteExpiredOffDutyFixes(ctx); err != nil {
			log.Error("off-duty fix retention", "err", err)
		} else if n > 0 {
			log.Info("off-duty fix retention deleted fixes", "fixes", n)
		}
		if retention > 0 {
			dropped, err := db.DropFixPartitionsBefore(ctx, time.Now().Add(-retention))
			if err != nil {
				log.Error("fix retention", "err", err)
			} else if len(dropped) > 0 {
				log.Info("fix retention dropped partitions", "partitions", dropped)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// trimKeptRequests, now and then every hour, deletes the kept refused requests that are too old
// or over their total bound.
func trimKeptRequests(ctx context.Context, srv *api.Server, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := srv.TrimKeptRequests(ctx); err != nil {
			log.Error("kept refused requests", "err", err)
		} else if n > 0 {
			log.Info("kept refused requests expired", "requests", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
