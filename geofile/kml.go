package geofile

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"golang.org/x/text/unicode/norm"
)

// xmlNode is one element of a parsed XML document, by local name (namespaces dropped: KML 2.2,
// Google's gx: extensions and KML without a namespace read alike).
type xmlNode struct {
	Name     string
	Attrs    map[string]string
	Children []*xmlNode
	Text     string
}

func (n *xmlNode) child(name string) *xmlNode {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (n *xmlNode) childText(name string) string {
	if c := n.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

const maxXMLDepth = 64

func parseXML(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	dec.Strict = true
	root := &xmlNode{Name: "#document"}
	stack := []*xmlNode{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxXMLDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxXMLDepth)
			}
			n := &xmlNode{Name: t.Name.Local}
			for _, a := range t.Attr {
				if n.Attrs == nil {
					n.Attrs = map[string]string{}
				}
				n.Attrs[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top := stack[len(stack)-1]
			top.Text += string(t)
		}
	}
	return root, nil
}

// charsetReader decodes the non-UTF-8 encodings a KML file may declare.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, ok := lookupEncoding(label)
	if !ok {
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	if enc.decoder == nil {
		return r, nil
	}
	return enc.decoder.NewDecoder().Reader(r), nil
}

// ReadKML reads the Placemarks of a KML document: their name and description, ExtendedData
// (Data and SchemaData) as properties, and Point, LineString, LinearRing, Polygon,
// MultiGeometry and gx:Track geometries. KML is WGS 84 by definition. Each Placemark is
// tagged with the Folder (or Document) it sits in.
func ReadKML(data []byte) (*Collection, error) {
	root, err := parseXML(trimBOM(data))
	if err != nil {
		return nil, fmt.Errorf("%w: not valid KML: %v", ErrUnsupported, err)
	}
	kml := root.child("kml")
	if kml == nil {
		return nil, fmt.Errorf("%w: the XML document is not KML (no <kml> element)", ErrUnsupported)
	}
	out := &Collection{Format: FormatKML, Encoding: "UTF-8"}
	seen := map[string]bool{}
	field := func(n string) {
		if !seen[n] {
			seen[n] = true
			out.Fields = append(out.Fields, n)
		}
	}
	var walk func(n *xmlNode, layer string) error
	walk = func(n *xmlNode, layer string) error {
		for _, c := range n.Children {
			switch c.Name {
			case "Document", "Folder":
				name := c.childText("name")
				if name == "" {
					name = layer
				}
				if err := walk(c, name); err != nil {
					return err
				}
			case "Placemark":
				if len(out.Features) >= MaxFeatures {
					return fmt.Errorf("%w: more than %d features", ErrUnsupported, MaxFeatures)
				}
				f := Feature{Index: len(out.Features), Layer: layer, Properties: map[string]string{}}
				if v := c.childText("name"); v != "" {
					f.Properties["name"] = norm.NFC.String(v)
					field("name")
				}
				if v := c.childText("description"); v != "" {
					f.Properties["description"] = norm.NFC.String(v)
					field("description")
				}
				if ed := c.child("ExtendedData"); ed != nil {
					for _, d := range ed.Children {
						switch d.Name {
						case "Data":
							if k := d.Attrs["name"]; k != "" {
								f.Properties[k] = norm.NFC.String(strings.TrimSpace(d.childText("value")))
								field(k)
							}
						case "SchemaData":
							for _, sd := range d.Children {
								if k := sd.Attrs["name"]; sd.Name == "SimpleData" && k != "" {
									f.Properties[k] = norm.NFC.String(strings.TrimSpace(sd.Text))
									field(k)
								}
							}
						}
					}
				}
				var geoms []orb.Geometry
				for _, g := range c.Children {
					if !isKMLGeometry(g.Name) {
						continue
					}
					geom, err := kmlGeometry(g, 0)
					if err != nil {
						f.Err = err.Error()
						break
					}
					geoms = append(geoms, geom)
				}
				if f.Err == "" {
					switch len(geoms) {
					case 0:
					case 1:
						f.Geometry = geoms[0]
					default:
						f.Geometry = orb.Collection(geoms)
					}
				}
				out.Features = append(out.Features, f)
			default:
				if err := walk(c, layer); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(kml, ""); err != nil {
		return nil, err
	}
	return out, nil
}

func isKMLGeometry(name string) bool {
	switch name {
	case "Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Track", "MultiTrack", "Model":
		return true
	}
	return false
}

func kmlGeometry(n *xmlNode, depth int) (orb.Geometry, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("MultiGeometry nested too deep")
	}
	switch n.Name {
	case "Point":
		ps, err := kmlCoordinates(n.childText("coordinates"))
		if err != nil {
			return nil, fmt.Errorf("Point: %v", err)
		}
		if len(ps) != 1 {
			return nil, fmt.Errorf("Point: expected one position, got %d", len(ps))
		}
		return ps[0], nil
	case "LineString":
		ps, err := kmlCoordinates(n.childText("coordinates"))
		if err != nil {
			return nil, fmt.Errorf("LineString: %v", err)
		}
		if len(ps) < 2 {
			return nil, fmt.Errorf("LineString: a line needs at least two positions, got %d", len(ps))
		}
		return orb.LineString(ps), nil
	case "LinearRing":
		r, err := kmlRing(n)
		if err != nil {
			return nil, fmt.Errorf("LinearRing: %v", err)
		}
		return orb.Polygon{r}, nil
	case "Polygon":
		var p orb.Polygon
		outer := n.child("outerBoundaryIs")
		if outer == nil || outer.child("LinearRing") == nil {
			return nil, fmt.Errorf("Polygon without outerBoundaryIs/LinearRing")
		}
		r, err := kmlRing(outer.child("LinearRing"))
		if err != nil {
			return nil, fmt.Errorf("Polygon outer boundary: %v", err)
		}
		p = append(p, r)
		for _, inner := range n.Children {
			if inner.Name != "innerBoundaryIs" {
				continue
			}
			for _, lr := range inner.Children {
				if lr.Name != "LinearRing" {
					continue
				}
				r, err := kmlRing(lr)
				if err != nil {
					return nil, fmt.Errorf("Polygon inner boundary: %v", err)
				}
				p = append(p, r)
			}
		}
		return p, nil
	case "MultiGeometry":
		var parts []orb.Geometry
		for _, c := range n.Children {
			if !isKMLGeometry(c.Name) {
				continue
			}
			g, err := kmlGeometry(c, depth+1)
			if err != nil {
				return nil, err
			}
			parts = append(parts, g)
		}
		return homogeneous(parts), nil
	case "Track":
		var ls orb.LineString
		for _, c := range n.Children {
			if c.Name != "coord" {
				continue
			}
			f := strings.Fields(c.Text)
			if len(f) < 2 {
				return nil, fmt.Errorf("gx:Track: gx:coord needs longitude and latitude")
			}
			lon, err1 := strconv.ParseFloat(f[0], 64)
			lat, err2 := strconv.ParseFloat(f[1], 64)
			if err1 != nil || err2 != nil || !finite(lon) || !finite(lat) {
				return nil, fmt.Errorf("gx:Track: bad gx:coord %q", strings.TrimSpace(c.Text))
			}
			ls = append(ls, orb.Point{lon, lat})
		}
		if len(ls) < 2 {
			return nil, fmt.Errorf("gx:Track needs at least two positions")
		}
		return ls, nil
	case "MultiTrack":
		var ml orb.MultiLineString
		for _, c := range n.Children {
			if c.Name != "Track" {
				continue
			}
			g, err := kmlGeometry(c, depth+1)
			if err != nil {
				return nil, err
			}
			ml = append(ml, g.(orb.LineString))
		}
		return ml, nil
	}
	return nil, fmt.Errorf("%s geometries are not supported", n.Name)
}

// homogeneous turns a list of geometries into a Multi* when they are all of one kind, else a
// Collection.
func homogeneous(parts []orb.Geometry) orb.Geometry {
	var pts orb.MultiPoint
	var lines orb.MultiLineString
	var polys orb.MultiPolygon
	for _, g := range parts {
		switch g := g.(type) {
		case orb.Point:
			pts = append(pts, g)
		case orb.MultiPoint:
			pts = append(pts, g...)
		case orb.LineString:
			lines = append(lines, g)
		case orb.MultiLineString:
			lines = append(lines, g...)
		case orb.Polygon:
			polys = append(polys, g)
		case orb.MultiPolygon:
			polys = append(polys, g...)
		default:
			return orb.Collection(parts)
		}
	}
	switch {
	case len(pts) == 0 && len(lines) == 0 && len(polys) > 0:
		return polys
	case len(pts) == 0 && len(polys) == 0 && len(lines) > 0:
		return lines
	case len(lines) == 0 && len(polys) == 0 && len(pts) > 0:
		return pts
	}
	return orb.Collection(parts)
}

func kmlRing(n *xmlNode) (orb.Ring, error) {
	ps, err := kmlCoordinates(n.childText("coordinates"))
	if err != nil {
		return nil, err
	}
	return closeRing(orb.Ring(ps))
}

// kmlCoordinates reads "lon,lat[,alt] lon,lat[,alt] …". Some writers put a space after the
// commas; that is tolerated.
func kmlCoordinates(text string) ([]orb.Point, error) {
	text = strings.NewReplacer(", ", ",", " ,", ",", ",\n", ",", ",\t", ",").Replace(text)
	var out []orb.Point
	for _, tuple := range strings.Fields(text) {
		parts := strings.Split(tuple, ",")
		if len(parts) < 2 {
			return nil, fmt.Errorf("coordinate %q needs longitude,latitude", tuple)
		}
		lon, err1 := strconv.ParseFloat(parts[0], 64)
		lat, err2 := strconv.ParseFloat(parts[1], 64)
		if err1 != nil || err2 != nil || !finite(lon) || !finite(lat) {
			return nil, fmt.Errorf("coordinate %q is not two numbers", tuple)
		}
		out = append(out, orb.Point{lon, lat})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no coordinates")
	}
	return out, nil
}
