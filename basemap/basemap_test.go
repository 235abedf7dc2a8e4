package basemap_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/patrolmap/patrolmap/basemap"
)

func sample() map[string]*geojson.FeatureCollection {
	roads := geojson.NewFeatureCollection()
	f := geojson.NewFeature(orb.LineString{{105.80, 21.00}, {105.82, 21.01}})
	f.Properties = geojson.Properties{"kind": "major_road", "name": "Đường Thử"}
	roads.Append(f)
	earth := geojson.NewFeatureCollection()
	earth.Append(geojson.NewFeature(orb.Polygon{{{105.79, 20.99}, {105.83, 20.99}, {105.83, 21.02}, {105.79, 21.02}, {105.79, 20.99}}}))
	return map[string]*geojson.FeatureCollection{"roads": roads, "earth": earth}
}

// readTile finds tile z/x/y in a PMTiles archive with go-pmtiles' own reader functions.
func readTile(t *testing.T, archive []byte, z uint8, x, y uint32) []byte {
	t.Helper()
	h, err := pmtiles.DeserializeHeader(archive[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	dir := pmtiles.DeserializeEntries(bytes.NewBuffer(archive[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression)
	e, ok := pmtiles.FindTile(dir, pmtiles.ZxyToID(z, x, y))
	if !ok || e.RunLength == 0 {
		return nil
	}
	start := h.TileDataOffset + e.Offset
	zr, err := gzip.NewReader(bytes.NewReader(archive[start : start+uint64(e.Length)]))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestWriteReadsBackAsVectorTiles(t *testing.T) {
	var buf bytes.Buffer
	if err := basemap.Write(&buf, sample(), basemap.Options{MinZoom: 10, MaxZoom: 14, Name: "test"}); err != nil {
		t.Fatal(err)
	}
	h, err := pmtiles.DeserializeHeader(buf.Bytes()[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	if h.TileType != pmtiles.Mvt || h.MinZoom != 10 || h.MaxZoom != 14 || h.TileDataOffset+h.TileDataLength != uint64(buf.Len()) {
		t.Fatalf("header %+v for %d bytes", h, buf.Len())
	}
	if h.MinLonE7 != 1057900000 || h.MaxLatE7 != 210200000 {
		t.Errorf("bounds %d %d, want the features' bounds", h.MinLonE7, h.MaxLatE7)
	}
	tile := maptile.At(orb.Point{105.81, 21.005}, 14)
	raw := readTile(t, buf.Bytes(), 14, tile.X, tile.Y)
	if raw == nil {
		t.Fatalf("no tile 14/%d/%d", tile.X, tile.Y)
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, l := range layers {
		names[l.Name] = len(l.Features)
		for _, f := range l.Features {
			if l.Name == "roads" && f.Properties["name"] != "Đường Thử" {
				t.Errorf("road name %v", f.Properties["name"])
			}
		}
	}
	if names["roads"] != 1 || names["earth"] != 1 {
		t.Errorf("layers in the tile: %v", names)
	}
	far := maptile.At(orb.Point{106.5, 21.5}, 14)
	if readTile(t, buf.Bytes(), 14, far.X, far.Y) != nil {
		t.Error("a tile far away from every feature was written")
	}
}

func TestWriteRefusesNothingAndBadZooms(t *testing.T) {
	var buf bytes.Buffer
	if err := basemap.Write(&buf, map[string]*geojson.FeatureCollection{}, basemap.Options{MinZoom: 1, MaxZoom: 2}); err == nil {
		t.Error("an empty basemap was written")
	}
	if err := basemap.Write(&buf, sample(), basemap.Options{MinZoom: 5, MaxZoom: 3}); err == nil {
		t.Error("zoom 5–3 accepted")
	}
}

func TestArchiveServesRanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.pmtiles")
	var buf bytes.Buffer
	if err := basemap.Write(&buf, sample(), basemap.Options{MinZoom: 12, MaxZoom: 13}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := basemap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if info := a.Info(); info.MinZoom != 12 || info.MaxZoom != 13 || !info.Vector || info.Bounds[0] != 105.79 {
		t.Errorf("info %+v", info)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Range", "bytes=0-126")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(body) != 127 || !bytes.Equal(body, buf.Bytes()[:127]) {
		t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
	}
	if cr := resp.Header.Get("Content-Range"); cr != "bytes 0-126/"+itoa(buf.Len()) {
		t.Errorf("Content-Range %q", cr)
	}

	bad := filepath.Join(dir, "bad.pmtiles")
	os.WriteFile(bad, []byte(strings.Repeat("x", 200)), 0o644)
	if _, err := basemap.Open(bad); err == nil {
		t.Error("a file that is not PMTiles opened")
	}
	if _, err := basemap.Open(filepath.Join(dir, "missing.pmtiles")); err == nil {
		t.Error("a missing file opened")
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
