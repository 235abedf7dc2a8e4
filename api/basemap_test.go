package api_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/basemap"
	"github.com/patrolmap/patrolmap/store/storetest"
)

func TestBasemapServedSameOriginWithRanges(t *testing.T) {
	roads := geojson.NewFeatureCollection()
	roads.Append(geojson.NewFeature(orb.LineString{{105.846, 21.466}, {105.854, 21.474}}))
	var buf bytes.Buffer
	if err := basemap.Write(&buf, map[string]*geojson.FeatureCollection{"roads": roads}, basemap.Options{MinZoom: 13, MaxZoom: 15}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ward.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	archive, err := basemap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWithStore(t, storetest.New(t), api.Config{Basemap: archive, BasemapInfo: archive.Info(), TileURL: ""})

	var cfg struct {
		TileURL string `json:"tile_url"`
		Basemap struct {
			Kind string         `json:"kind"`
			URL  string         `json:"url"`
			Info map[string]any `json:"info"`
		} `json:"basemap"`
	}
	e.do(http.MethodGet, "/api/v1/config", "", nil).json(t, &cfg)
	if cfg.Basemap.Kind != "pmtiles" || cfg.Basemap.URL != api.BasemapPath || cfg.TileURL != "" || cfg.Basemap.Info["max_zoom"] != 15.0 {
		t.Fatalf("config %+v", cfg)
	}
	if r := e.do(http.MethodGet, api.BasemapPath, "", nil, "Range", "bytes=0-126"); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous basemap: %d, want 401", r.status)
	}
	r := e.as("officer1", http.MethodGet, api.BasemapPath, nil, "Range", "bytes=0-126")
	if r.status != http.StatusPartialContent || !bytes.Equal(r.body, buf.Bytes()[:127]) || r.header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("range: %d, %d bytes, Accept-Ranges %q", r.status, len(r.body), r.header.Get("Accept-Ranges"))
	}
	if csp := r.header.Get("Content-Security-Policy"); csp == "" {
		t.Error("no CSP on the basemap")
	}
	if r := e.as("officer1", http.MethodHead, api.BasemapPath, nil); r.status != http.StatusOK || r.header.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d", r.status)
	}

	none := newEnvWithStore(t, storetest.New(t), api.Config{TileURL: ""})
	none.do(http.MethodGet, "/api/v1/config", "", nil).json(t, &cfg)
	if cfg.Basemap.Kind != "none" {
		t.Errorf("without a basemap the config says %q", cfg.Basemap.Kind)
	}
	if r := none.as("officer1", http.MethodGet, api.BasemapPath, nil); r.status != http.StatusNotFound {
		t.Errorf("basemap without one configured: %d", r.status)
	}
	osm := newEnvWithStore(t, storetest.New(t), api.Config{TileURL: "https://tile.example.org/{z}/{x}/{y}.png"})
	osm.do(http.MethodGet, "/api/v1/config", "", nil).json(t, &cfg)
	if cfg.Basemap.Kind != "tiles" || cfg.Basemap.URL != "https://tile.example.org/{z}/{x}/{y}.png" {
		t.Errorf("online tiles: %+v", cfg.Basemap)
	}
}
