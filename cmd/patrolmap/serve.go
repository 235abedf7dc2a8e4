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

func cmdServe(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("PATROLMAP_ADDR", "127.0.0.1:8080"), "HTTP listen address")
	osmandAddr := fs.String("osmand-addr", envOr("PATROLMAP_OSMAND_ADDR", ""), "optional second listener speaking the OsmAnd protocol at /")
	metricsAddr := fs.String("metrics-addr", envOr("PATROLMAP_METRICS_ADDR", ""), "optional separate listener serving GET /metrics without credentials (bind it where only monitoring reaches)")
	drain := fs.Duration("drain", 0, "time between /readyz turning 503 and the listener closing on shutdown")
	basemapFlag := fs.String("basemap", envOr("PATROLMAP_BASEMAP", ""), "a local vector basemap (PMTiles, Protomaps schema) served from this origin; wins over PATROLMAP_TILE_URL")
	retentionFlag := fs.String("fix-retention", envOr("PATROLMAP_FIX_RETENTION", ""), "drop fix partitions older than this (for example 400d or 9600h); empty keeps everything")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	heavyAnalyses, err := envInt("PATROLMAP_HEAVY_ANALYSES")
	if err != nil {
		return usageError{err.Error()}
	}
	heavyPerUser, err := envInt("PATROLMAP_HEAVY_PER_USER")
	if err != nil {
		return usageError{err.Error()}
	}
	hsts, err := hstsValue(os.Getenv("PATROLMAP_HSTS"))
	if err != nil {
		return usageError{err.Error()}
	}
	metricsToken := os.Getenv("PATROLMAP_METRICS_TOKEN")
	if metricsToken != "" && len(metricsToken) < 16 {
		return usageError{"PATROLMAP_METRICS_TOKEN is too short: use at least 16 random characters"}
	}
	url, err := databaseURL()
	if err != nil {
		return err
	}
	// The database may still be starting: keep trying for a while, then serve anyway and let
	// /readyz say it is not ready.
	var db *store.Store
	for i := 0; ; i++ {
		db, err = store.Open(ctx, url, store.Options{MaxConns: 20})
		if err == nil || i >= 15 || ctx.Err() != nil {
			break
		}
		log.Warn("database not reachable yet; retrying", "err", err)
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()

	// Coverage rollups: recompute the (device, day) keys that new or late fixes marked.
	go db.RunRollups(ctx, store.DefaultRollupPolicy(), log)

	retention, err := parseRetention(*retentionFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	// Every hour: expired off-duty fixes are deleted (always), and with -fix-retention old
	// partitions dropped.
	go retainFixes(ctx, db, retention, log)

	// Deadline alerts and morning handovers: judged every night.AlertEvery, so an alert is raised
	// at most that late; unique keys keep a restart (or a second server) from raising or
	// archiving one twice.
	go night.NewScheduler(db, log).Run(ctx, night.AlertEvery, time.Now)

	if !webmap.Built() {
		log.Warn("the web map is not built; run `make build` (npm ci && npm run build in webmap/)")
	}
	var (
		basemapHandler http.Handler
		basemapInfo    any
	)
	tileURL := os.Getenv("PATROLMAP_TILE_URL")
	if *basemapFlag != "" {
		archive, err := basemap.Open(*basemapFlag)
		if err != nil {
			return err
		}
		basemapHandler, basemapInfo, tileURL = archive, archive.Info(), ""
		log.Info("basemap", "file", *basemapFlag, "bytes", archive.Size(), "zoom", fmt.Sprintf("%d-%d", archive.Info().MinZoom, archive.Info().MaxZoom))
	}
	attribution := os.Getenv("PATROLMAP_TILE_ATTRIBUTION")
	if attribution == "" && tileURL == osmTileURL {
		attribution = "© OpenStreetMap contributors"
	}
	srv := api.New(api.Config{
		TileURL:         tileURL,
		TileAttribution: attribution,
		Basemap:         basemapHandler,
		BasemapInfo:     basemapInfo,
		SecureCookies:   os.Getenv("PATROLMAP_SECURE_COOKIES") == "true",
		MetricsToken:    metricsToken,
		HSTS:            hsts,
		HeavyAnalyses:   heavyAnalyses,
		HeavyPerUser:    heavyPerUser,
		PublicURL:       strings.TrimRight(os.Getenv("PATROLMAP_PUBLIC_URL"), "/"),
		Version:         version,
	}, db, webmap.Assets(), log)
	// Every hour: refused requests kept for replay expire after 14 days and stay under their bound.
	go trimKeptRequests(ctx, srv, log)

	servers := []*http.Server{newHTTPServer(*addr, srv.Handler())}
	if *osmandAddr != "" {
		servers = append(servers, newHTTPServer(*osmandAddr, srv.OsmAndHandler()))
	}
	if *metricsAddr != "" {
		servers = append(servers, newHTTPServer(*metricsAddr, srv.MetricsHandler()))
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
	if *drain > 0 {
		time.Sleep(*drain)
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
