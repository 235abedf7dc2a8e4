package basemap

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/protomaps/go-pmtiles/pmtiles"
)

// Info describes an archive: its zoom levels, bounds [west, south, east, north] and centre
// [lon, lat].
type Info struct {
	MinZoom int        `json:"min_zoom"`
	MaxZoom int        `json:"max_zoom"`
	Bounds  [4]float64 `json:"bounds"`
	Center  [2]float64 `json:"center"`
	Vector  bool       `json:"vector"` // Mapbox Vector Tiles, as protomaps-leaflet draws
}

// Archive is a PMTiles file opened for serving.
type Archive struct {
	path    string
	size    int64
	modTime time.Time
	info    Info
}

// Open checks that path is a PMTiles v3 archive of vector tiles and returns it.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	head := make([]byte, pmtiles.HeaderV3LenBytes)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("basemap: %s is not a PMTiles archive (too short)", path)
	}
	h, err := pmtiles.DeserializeHeader(head)
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: %w", path, err)
	}
	if h.SpecVersion != 3 {
		return nil, fmt.Errorf("basemap: %s is PMTiles version %d; only version 3 is served", path, h.SpecVersion)
	}
	if h.TileType != pmtiles.Mvt {
		return nil, fmt.Errorf("basemap: %s holds tile type %d, not vector tiles (MVT)", path, h.TileType)
	}
	info := Info{
		MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom),
		Bounds: [4]float64{float64(h.MinLonE7) / 1e7, float64(h.MinLatE7) / 1e7, float64(h.MaxLonE7) / 1e7, float64(h.MaxLatE7) / 1e7},
		Center: [2]float64{float64(h.CenterLonE7) / 1e7, float64(h.CenterLatE7) / 1e7},
		Vector: true,
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return &Archive{path: abs, size: st.Size(), modTime: st.ModTime(), info: info}, nil
}

// Info returns what the archive holds.
func (a *Archive) Info() Info { return a.info }

// Size returns the archive's size in bytes.
func (a *Archive) Size() int64 { return a.size }

// ServeHTTP answers GET and HEAD for the whole archive; a Range request gets 206 with just
// those bytes (http.ServeContent), as PMTiles readers ask.
func (a *Archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(a.path)
	if err != nil {
		http.Error(w, "the basemap file is gone", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.pmtiles")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, a.size, a.modTime.UnixNano()))
	http.ServeContent(w, r, "", a.modTime, f)
}
