// Package geofile reads the geography files a ward's land office and police already keep —
// GeoJSON, KML (and KMZ) and zipped ESRI Shapefiles — into plain features, describes the
// coordinate system they are written in, and maps their attributes to patrolmap's area fields
// (a `ten` column becomes the name, `loai` = "tổ dân phố" the kind residential_group).
//
// It is pure: it reads the bytes it is given and returns values, with no database, network or
// clock. Reprojection is PostGIS's job (package store): geofile only says which coordinate
// system the file is in and whether it looks like VN-2000 without its datum shift.
package geofile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// Format names a file format.
type Format string

// The formats Read understands.
const (
	FormatGeoJSON   Format = "geojson"
	FormatKML       Format = "kml"
	FormatShapefile Format = "shapefile"
)

// Limits that keep a hostile or broken file from exhausting memory.
const (
	// MaxFeatures is the most features one file may hold.
	MaxFeatures = 100000
	// MaxUnzipped bounds the total size of the files read out of a zip archive, as their
	// headers declare it (checked before inflating) and as they inflate.
	MaxUnzipped = 128 << 20
)

// Feature is one record of a file.
type Feature struct {
	Index      int               // position in the file, from 0, across its layers
	Layer      string            // the shapefile, KML folder or zip member it came from
	Geometry   orb.Geometry      // in the file's coordinates; nil when the record has none
	Properties map[string]string // attribute values as text (numbers as written)
	Err        string            // why the record could not be read; Geometry is nil then
}

// Collection is the content of one file.
type Collection struct {
	Format   Format
	CRS      string   // the file's coordinate system: a .prj's WKT or a GeoJSON crs name; "" is WGS 84
	Encoding string   // how the attribute text was decoded, for shapefiles ("UTF-8", "windows-1258")
	Fields   []string // attribute names in the order the file gives them
	Features []Feature
	Warnings []string
}

// ErrUnsupported is returned for content Read does not recognise.
var ErrUnsupported = errors.New("unsupported file")

// Read reads a GeoJSON, KML, KMZ or zipped Shapefile. name is the file's name; its extension
// is only a hint, the content decides.
func Read(name string, data []byte) (*Collection, error) {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return readZip(data)
	case ext == ".shp" || ext == ".dbf" || ext == ".shx":
		return nil, fmt.Errorf("%w: a shapefile is several files (.shp, .shx, .dbf, .prj): put them in one .zip", ErrUnsupported)
	}
	body := bytes.TrimLeft(trimBOM(data), " \t\r\n")
	switch {
	case len(body) == 0:
		return nil, fmt.Errorf("%w: the file is empty", ErrUnsupported)
	case body[0] == '{':
		return ReadGeoJSON(data)
	case body[0] == '<':
		return ReadKML(data)
	}
	return nil, fmt.Errorf("%w: %s is not GeoJSON, KML, KMZ or a zipped shapefile", ErrUnsupported, name)
}

func trimBOM(b []byte) []byte {
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

// readZip reads a zip archive: the shapefiles in it (all of them, each a layer), else its KML
// (a KMZ) or GeoJSON.
func readZip(data []byte) (*Collection, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: broken zip archive: %v", ErrUnsupported, err)
	}
	files := map[string]*zip.File{} // lower-case path -> entry
	var shps, others []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(path.Base(f.Name), "._") || strings.Contains(f.Name, "__MACOSX/") {
			continue
		}
		key := strings.ToLower(f.Name)
		files[key] = f
		switch path.Ext(key) {
		case ".shp":
			shps = append(shps, key)
		case ".kml", ".geojson", ".json":
			others = append(others, key)
		}
	}
	sort.Strings(shps)
	sort.Strings(others)
	budget := &unzipBudget{left: MaxUnzipped}
	if len(shps) > 0 {
		out := &Collection{Format: FormatShapefile}
		seenField := map[string]bool{}
		for _, shp := range shps {
			base := strings.TrimSuffix(shp, ".shp")
			parts := shapefileParts{name: path.Base(strings.TrimSuffix(files[shp].Name, path.Ext(files[shp].Name)))}
			for _, p := range []struct {
				ext string
				dst *[]byte
			}{{".shp", &parts.shp}, {".shx", &parts.shx}, {".dbf", &parts.dbf}, {".prj", &parts.prj}, {".cpg", &parts.cpg}} {
				f, ok := files[base+p.ext]
				if !ok {
					continue
				}
				b, err := budget.read(f)
				if err != nil {
					return nil, err
				}
				*p.dst = b
			}
			layer, err := readShapefile(parts, len(out.Features))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", files[shp].Name, err)
			}
			if len(shps) > 1 && out.CRS != "" && layer.CRS != out.CRS {
				return nil, fmt.Errorf("%w: the shapefiles in the archive use different coordinate systems; import them one at a time", ErrUnsupported)
			}
			out.CRS = layer.CRS
			if out.Encoding == "" {
				out.Encoding = layer.Encoding
			}
			for _, f := range layer.Fields {
				if !seenField[f] {
					seenField[f] = true
					out.Fields = append(out.Fields, f)
				}
			}
			out.Features = append(out.Features, layer.Features...)
			out.Warnings = append(out.Warnings, layer.Warnings...)
			if len(out.Features) > MaxFeatures {
				return nil, fmt.Errorf("%w: more than %d features", ErrUnsupported, MaxFeatures)
			}
		}
		return out, nil
	}
	if len(others) == 1 {
		b, err := budget.read(files[others[0]])
		if err != nil {
			return nil, err
		}
		if path.Ext(others[0]) == ".kml" {
			return ReadKML(b)
		}
		return ReadGeoJSON(b)
	}
	if len(others) > 1 {
		// A KMZ holds doc.kml (and perhaps other KML it links to): read doc.kml.
		if f, ok := files["doc.kml"]; ok {
			b, err := budget.read(f)
			if err != nil {
				return nil, err
			}
			return ReadKML(b)
		}
		return nil, fmt.Errorf("%w: the archive holds several files (%s); put one layer in it", ErrUnsupported, strings.Join(others, ", "))
	}
	return nil, fmt.Errorf("%w: the archive holds no .shp, .kml or .geojson", ErrUnsupported)
}

// unzipBudget is what is left of MaxUnzipped for the members of one archive.
type unzipBudget struct{ left int64 }

// read inflates one member. Its size as the archive declares it is checked against the budget
// before anything is inflated, so a bomb (a small archive declaring gigabytes) costs nothing;
// the member is then inflated into a buffer of exactly that size, and one byte more than
// declared (a header that lies) stops the inflation there.
func (b *unzipBudget) read(f *zip.File) ([]byte, error) {
	declared := f.UncompressedSize64
	if declared > uint64(b.left) {
		return nil, fmt.Errorf("%w: the archive unpacks to more than %d MiB (%s alone declares %d MiB)", ErrUnsupported, MaxUnzipped>>20, f.Name, declared>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	defer rc.Close()
	data := make([]byte, declared)
	if _, err := io.ReadFull(rc, data); errors.Is(err, zip.ErrFormat) {
		return nil, fmt.Errorf("%w: %s does not inflate to the %d bytes its header declares", ErrUnsupported, f.Name, declared)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	// archive/zip itself refuses to read past the declared size (ErrFormat).
	var extra [1]byte
	switch n, err := io.ReadFull(rc, extra[:]); {
	case n > 0 || errors.Is(err, zip.ErrFormat):
		return nil, fmt.Errorf("%w: %s inflates to more than the %d bytes its header declares", ErrUnsupported, f.Name, declared)
	case err != io.EOF:
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	b.left -= int64(declared)
	return data, nil
}
