// Package basemap writes and serves the web map's offline vector basemap: a PMTiles v3
// archive of Mapbox Vector Tiles in the Protomaps basemap schema (layers earth, water,
// landuse, roads, buildings, places, pois). Write encodes GeoJSON layers into tiles with orb's
// mvt and maptile packages and lays them out with go-pmtiles; Open checks an archive and
// serves it with HTTP range requests, so the browser (protomaps-leaflet) reads only the bytes
// it needs from the server's own origin.
package basemap

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/protomaps/go-pmtiles/pmtiles"
)

// Options say which zoom levels to cut and what to write into the metadata.
type Options struct {
	MinZoom, MaxZoom int    // inclusive; 0 ≤ MinZoom ≤ MaxZoom ≤ 18
	Name             string // metadata name
	Attribution      string // metadata attribution
}

// tileBuffer is how far (in tile extents) features reach past a tile's edge, so lines and
// labels join up across tiles.
const tileBuffer = 64.0 / 4096

// Write encodes layers (layer name → features in WGS 84, [lon, lat]) as vector tiles for the
// zoom levels of opts and writes them as one PMTiles v3 archive to w. Tiles with no feature
// are left out; the archive's bounds are those of the features.
func Write(w io.Writer, layers map[string]*geojson.FeatureCollection, opts Options) error {
	if opts.MinZoom < 0 || opts.MaxZoom > 18 || opts.MinZoom > opts.MaxZoom {
		return fmt.Errorf("basemap: zoom %d–%d outside 0–18", opts.MinZoom, opts.MaxZoom)
	}
	bound, ok := boundOf(layers)
	if !ok {
		return fmt.Errorf("basemap: no features to write")
	}
	type tile struct {
		id   uint64
		data []byte
	}
	var tiles []tile
	for z := opts.MinZoom; z <= opts.MaxZoom; z++ {
		zoom := maptile.Zoom(z)
		lo, hi := maptile.At(orb.Point{bound.Min[0], bound.Max[1]}, zoom), maptile.At(orb.Point{bound.Max[0], bound.Min[1]}, zoom)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				t := maptile.New(x, y, zoom)
				data, err := encodeTile(layers, t)
				if err != nil {
					return fmt.Errorf("basemap: tile %d/%d/%d: %w", z, x, y, err)
				}
				if data != nil {
					tiles = append(tiles, tile{pmtiles.ZxyToID(uint8(z), x, y), data})
				}
			}
		}
	}
	if len(tiles) == 0 {
		return fmt.Errorf("basemap: every tile is empty")
	}
	sort.Slice(tiles, func(i, j int) bool { return tiles[i].id < tiles[j].id })

	var data bytes.Buffer
	entries := make([]pmtiles.EntryV3, 0, len(tiles))
	for _, t := range tiles {
		entries = append(entries, pmtiles.EntryV3{TileID: t.id, Offset: uint64(data.Len()), Length: uint32(len(t.data)), RunLength: 1})
		data.Write(t.data)
	}
	root, leaves, _ := pmtiles.BuildDirectories(entries, 16384-pmtiles.HeaderV3LenBytes, pmtiles.Gzip)
	meta, err := pmtiles.SerializeMetadata(metadata(layers, opts), pmtiles.Gzip)
	if err != nil {
		return fmt.Errorf("basemap: metadata: %w", err)
	}
	centre := bound.Center()
	h := pmtiles.HeaderV3{
		SpecVersion:         3,
		RootOffset:          pmtiles.HeaderV3LenBytes,
		RootLength:          uint64(len(root)),
		AddressedTilesCount: uint64(len(tiles)),
		TileEntriesCount:    uint64(len(tiles)),
		TileContentsCount:   uint64(len(tiles)),
		Clustered:           true,
		InternalCompression: pmtiles.Gzip,
		TileCompression:     pmtiles.Gzip,
		TileType:            pmtiles.Mvt,
		MinZoom:             uint8(opts.MinZoom),
		MaxZoom:             uint8(opts.MaxZoom),
		MinLonE7:            e7(bound.Min[0]),
		MinLatE7:            e7(bound.Min[1]),
		MaxLonE7:            e7(bound.Max[0]),
		MaxLatE7:            e7(bound.Max[1]),
		CenterZoom:          uint8(opts.MaxZoom - 1),
		CenterLonE7:         e7(centre[0]),
		CenterLatE7:         e7(centre[1]),
	}
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(meta))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(data.Len())
	for _, part := range [][]byte{pmtiles.SerializeHeader(h), root, meta, leaves, data.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("basemap: write: %w", err)
		}
	}
	return nil
}

// encodeTile returns the gzipped vector tile t of layers, nil when no feature reaches it.
func encodeTile(layers map[string]*geojson.FeatureCollection, t maptile.Tile) ([]byte, error) {
	box := t.Bound(tileBuffer * 4)
	clipped := map[string]*geojson.FeatureCollection{}
	for name, fc := range layers {
		out := geojson.NewFeatureCollection()
		for _, f := range fc.Features {
			if !f.Geometry.Bound().Intersects(box) {
				continue
			}
			g := geojson.NewFeature(orb.Clone(f.Geometry))
			g.Properties = f.Properties.Clone()
			out.Append(g)
		}
		if len(out.Features) > 0 {
			clipped[name] = out
		}
	}
	if len(clipped) == 0 {
		return nil, nil
	}
	ls := mvt.NewLayers(clipped)
	ls.ProjectToTile(t)
	ls.Clip(mvt.MapboxGLDefaultExtentBound)
	ls.RemoveEmpty(1, 1)
	n := 0
	for _, l := range ls {
		n += len(l.Features)
	}
	if n == 0 {
		return nil, nil
	}
	raw, err := mvt.Marshal(ls)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func boundOf(layers map[string]*geojson.FeatureCollection) (orb.Bound, bool) {
	var b orb.Bound
	first := true
	for _, fc := range layers {
		for _, f := range fc.Features {
			if f.Geometry == nil {
				continue
			}
			if first {
				b, first = f.Geometry.Bound(), false
			} else {
				b = b.Union(f.Geometry.Bound())
			}
		}
	}
	return b, !first
}

// metadata is the archive's JSON metadata: name, attribution and the vector_layers a
// TileJSON reader expects.
func metadata(layers map[string]*geojson.FeatureCollection, opts Options) map[string]any {
	names := make([]string, 0, len(layers))
	for name := range layers {
		names = append(names, name)
	}
	sort.Strings(names)
	vl := make([]any, 0, len(names))
	for _, name := range names {
		vl = append(vl, map[string]any{"id": name, "fields": map[string]any{}, "minzoom": opts.MinZoom, "maxzoom": opts.MaxZoom})
	}
	return map[string]any{
		"name":          opts.Name,
		"attribution":   opts.Attribution,
		"type":          "baselayer",
		"format":        "pbf",
		"vector_layers": vl,
	}
}

func e7(v float64) int32 { return int32(math.Round(v * 1e7)) }
