package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/geofile"
)

// TilingToleranceM2 and TilingMinWidthM say which gaps, overlaps and overhangs the tiling
// check lists (and so fail it): those of at least 1 m² that are on average at least 0.5 m wide
// (twice the area over the perimeter). Thinner or smaller slivers — two surveys of one line, a
// round trip through another coordinate system — count only in the totals.
const (
	TilingToleranceM2 = 1.0
	TilingMinWidthM   = 0.5
)

// datumWarnM is the distance between a file's reading and the VN-2000 reading of its
// coordinates above which an import warns that the datum shift is missing.
const datumWarnM = 5.0

// maxListedPieces bounds the gaps, overlaps and overhangs a tiling report lists.
const maxListedPieces = 200

// MaxTilingGroups is the most residential groups the tiling check takes on: their union is its
// dearest step (about 2 s for 10,000 tiles on an idle core, 6 s for 10,000 apart), and a ward
// has tens of groups, a whole province a few thousand.
const MaxTilingGroups = 5000

// pgQuerier is a pool or a transaction.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error)
}

// importedItem is an item after PostGIS has transformed and checked it.
type importedItem struct {
	geofile.ItemReport
	item     geofile.Item
	wkb      []byte // WGS 84, repaired
	polygons bool
}

// ImportGeography carries out a planned import of areas or roads into a unit, in one
// transaction: it reprojects every item to WGS 84 with PostGIS (ST_Transform from the file's
// coordinate system), repairs invalid geometries with ST_MakeValid or refuses them with the
// reason, matches areas to the unit's existing ones by kind and name (update) or creates them,
// sets the unit's boundary when asked and checks that the residential groups tile it. A dry
// run does all of it and rolls back, so its report is exactly what the import would do.
//
// For a coordinate system that looks like VN-2000 it measures, at the data, how far its
// literal reading lies from a VN-2000 reading with the datum shift, and warns when they
// differ (an ESRI .prj without TOWGS84 lands about 220 m off near Thái Nguyên).
func (s *Store) ImportGeography(ctx context.Context, req geofile.Request) (geofile.Report, error) {
	rep := newImportReport(req)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return rep, classify(fmt.Errorf("import: %w", err))
	}
	defer tx.Rollback(ctx)

	var oldBoundary []byte
	var oldArea *float64
	if err := tx.QueryRow(ctx, `SELECT ST_AsBinary(boundary), ST_Area(boundary::geography) FROM unit WHERE id = $1 FOR UPDATE`, req.UnitID).Scan(&oldBoundary, &oldArea); err != nil {
		return rep, classify(fmt.Errorf("import: unit %d: %w", req.UnitID, err))
	}

	src, err := prepareSource(ctx, tx, req.CRS, req.Items)
	if err != nil {
		return rep, err
	}
	if err := s.measureDatumShift(ctx, tx, req, &rep); err != nil {
		return rep, err
	}

	// Reproject and repair every item.
	items, err := transformItems(ctx, tx, src, req.Items)
	if err != nil {
		return rep, err
	}
	if err := placeInBoundary(ctx, tx, req, items, oldBoundary, oldArea, &rep); err != nil {
		return rep, err
	}

	// Write: match, create, update, remove.
	switch req.Options.Target {
	case geofile.TargetAreas:
		err = writeAreas(ctx, tx, req, items, &rep)
	case geofile.TargetRoads:
		err = writeRoads(ctx, tx, req, items, &rep)
	default:
		err = fmt.Errorf("import: unknown target %q", req.Options.Target)
	}
	if err != nil {
		return rep, err
	}
	tallyItems(req, items, &rep)
	if err := checkTiling(ctx, tx, req, items, &rep); err != nil {
		return rep, err
	}

	if req.DryRun {
		return rep, nil
	}
	if err := src.release(ctx, tx); err != nil {
		return rep, err
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, classify(fmt.Errorf("import: commit: %w", err))
	}
	return rep, nil
}

// newImportReport is the report of req before anything is written: what the file is, its
// coordinate system, its fields and notes, and how many features it holds.
func newImportReport(req geofile.Request) geofile.Report {
	rep := geofile.Report{
		DryRun: req.DryRun, Unit: req.UnitCode, Kind: req.Options.Target, Format: req.Format, Encoding: req.Encoding,
		SRS:      geofile.SRSReport{Source: req.CRSSource, Text: req.CRS.PostGIS(), Description: req.CRS.Describe(), VN2000Like: req.CRS.VN2000Like()},
		Fields:   geofile.FieldsReport{Name: req.Options.NameField, Kind: req.Options.KindField, Available: req.Fields()},
		Items:    []geofile.ItemReport{},
		Errors:   []geofile.ItemError{},
		Warnings: append([]geofile.Note{}, req.Notes...),
	}
	if rep.SRS.Text == "" {
		rep.SRS.Text = "EPSG:4326"
	}
	if rep.Fields.Available == nil {
		rep.Fields.Available = []string{}
	}
	seen := map[int]bool{}
	for _, it := range req.Items {
		if !seen[it.Feature] {
			seen[it.Feature] = true
			rep.Features++
		}
	}
	return rep
}

// placeInBoundary sets the unit's boundary from the items when req asks for it (areas only),
// then places the items against the boundary, new or as stored (none: nothing to place).
func placeInBoundary(ctx context.Context, tx pgx.Tx, req geofile.Request, items []*importedItem, oldBoundary []byte, oldArea *float64, rep *geofile.Report) error {
	boundary := oldBoundary
	if req.Options.SetBoundary && req.Options.Target == geofile.TargetAreas {
		b, br, err := setBoundary(ctx, tx, req.UnitID, items, oldArea)
		if err != nil {
			return err
		}
		rep.Boundary = br
		if b != nil {
			boundary = b
		}
	}
	if boundary == nil {
		return nil
	}
	return placeItems(ctx, tx, boundary, items)
}

// tallyItems counts the written items by action into rep and lists them and their errors.
func tallyItems(req geofile.Request, items []*importedItem, rep *geofile.Report) {
	for _, ii := range items {
		if req.DryRun && ii.Action == "create" {
			ii.ID = 0 // the row existed only inside the rolled back transaction
		}
		switch ii.Action {
		case "create":
			rep.Created++
		case "update":
			rep.Updated++
		case "reject":
			rep.Rejected++
			rep.Errors = append(rep.Errors, geofile.ItemError{Feature: ii.Feature, Name: ii.Name, Code: ii.Error.Code, Message: ii.Error.Message})
		case "skip":
			rep.Skipped++
		}
		rep.Items = append(rep.Items, ii.ItemReport)
	}
}

// checkTiling adds the tiling report (and a warning when the residential groups do not tile
// the boundary) to an areas import that changed the boundary or some residential group.
func checkTiling(ctx context.Context, tx pgx.Tx, req geofile.Request, items []*importedItem, rep *geofile.Report) error {
	touchesGroups := rep.Boundary != nil
	for _, ii := range items {
		if ii.Kind == "residential_group" && (ii.Action == "create" || ii.Action == "update") {
			touchesGroups = true
		}
	}
	for _, r := range rep.Removed {
		if r.Kind == "residential_group" {
			touchesGroups = true
		}
	}
	if req.Options.Target != geofile.TargetAreas || !touchesGroups {
		return nil
	}
	t, err := tilingReport(ctx, tx, req.UnitID)
	if err != nil {
		return err
	}
	rep.Tiling = &t
	if t.Checked && !t.Tiles {
		rep.Warnings = append(rep.Warnings, geofile.Note{Code: "tiling",
			Message: fmt.Sprintf("the residential groups do not tile the boundary: %.0f m² of gaps, %.0f m² of overlaps, %.0f m² outside",
				t.GapAreaM2, t.OverlapAreaM2, t.OutsideAreaM2),
			Params: map[string]any{"gap_m2": t.GapAreaM2, "overlap_m2": t.OverlapAreaM2, "outside_m2": t.OutsideAreaM2}})
	}
	return nil
}

// centre is the middle of the bounding box of the items that can be imported, in the file's
// coordinates; ok is false when there are none.
func centre(items []geofile.Item) (orb.Point, bool) {
	var b orb.Bound
	n := 0
	for _, it := range items {
		if it.Error != nil || it.Geometry == nil {
			continue
		}
		if n == 0 {
			b = it.Geometry.Bound()
		} else {
			b = b.Union(it.Geometry.Bound())
		}
		n++
	}
	return b.Center(), n > 0
}

// source is how SQL reprojects an import's geometries to WGS 84: from a registered SRID
// (PostGIS caches the PROJ transformation per SRID, about 0.003 ms a geometry), or from the
// coordinate system's text (PROJ builds the transformation on every call: about 3 ms from a
// proj string, 50 ms from WKT or an EPSG code). srid 4326 means no reprojection.
type source struct {
	srid int
	text string
	temp bool // srid is a row this import added to spatial_ref_sys
}

// expr returns the SQL that reprojects the WKB in parameter $1, with its extra argument
// (numbered n) or nil.
func (p source) expr(n int) (string, any) { return p.exprOn("$1", n) }

// exprOn is expr for the WKB of the SQL expression w.
func (p source) exprOn(w string, n int) (string, any) {
	switch {
	case p.srid == 4326:
		return `ST_SetSRID(ST_GeomFromWKB(` + w + `), 4326)`, nil
	case p.srid != 0:
		return fmt.Sprintf(`ST_Transform(ST_SetSRID(ST_GeomFromWKB(%s), $%d::integer), 4326)`, w, n), p.srid
	}
	return fmt.Sprintf(`ST_Transform(ST_GeomFromWKB(%s), $%d::text, 4326)`, w, n), p.text
}

// tempSRIDs is the range of spatial_ref_sys ids imports register their coordinate systems
// under, by a hash of the text, for the duration of their transaction.
const tempSRIDBase, tempSRIDCount = 900000, 98999

// prepareSource makes PROJ read the coordinate system once, so a text it cannot use is one
// clear error instead of a failure per feature, and registers it under a temporary SRID so the
// geometries are reprojected with a cached transformation. PostGIS keeps that cache per
// connection and SRID for the connection's life, so the registered SRID is checked against the
// text once: a stale entry (another text under the same hash earlier on this connection) falls
// back to the text, slower but right.
func prepareSource(ctx context.Context, tx pgx.Tx, crs geofile.CRS, items []geofile.Item) (source, error) {
	text := crs.PostGIS()
	if text == "" {
		return source{srid: 4326}, nil
	}
	p, ok := centre(items)
	if !ok {
		p = orb.Point{500000, 2000000}
	}
	pt := wkb.MustMarshal(p)
	if _, err := tx.Exec(ctx, `SAVEPOINT srs_check`); err != nil {
		return source{}, classify(err)
	}
	var x, y float64
	err := tx.QueryRow(ctx, `SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_GeomFromWKB($1), $2::text, 4326) AS g) q`, pt, text).Scan(&x, &y)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT srs_check`); rerr != nil {
				return source{}, classify(rerr)
			}
			return source{}, &GeometryError{Field: "srs", Reason: "PROJ cannot use this coordinate system: " + pgErr.Message}
		}
		return source{}, classify(fmt.Errorf("check coordinate system: %w", err))
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT srs_check`); err != nil {
		return source{}, classify(err)
	}
	slow := source{text: text}

	// An EPSG code PostGIS knows needs no registration.
	if crs.EPSG != 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM spatial_ref_sys WHERE srid = $1 AND auth_name = 'EPSG' AND auth_srid = $1`, crs.EPSG).Scan(&n); err != nil {
			return source{}, classify(err)
		}
		if n == 1 {
			return verifySource(ctx, tx, source{srid: crs.EPSG}, slow, pt, x, y)
		}
	}
	h := fnv.New32a()
	h.Write([]byte(text))
	srid := tempSRIDBase + int(h.Sum32()%tempSRIDCount)
	authName, authSRID, srtext, proj4 := "patrolmap", srid, text, ""
	switch {
	case crs.EPSG != 0:
		authName, authSRID, srtext = "EPSG", crs.EPSG, ""
	case strings.HasPrefix(text, "+"):
		srtext, proj4 = "", text
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT srs_register`); err != nil {
		return source{}, classify(err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (srid) DO NOTHING`, srid, authName, authSRID, srtext, proj4)
	if err != nil || tag.RowsAffected() != 1 {
		// No right to register, or the id is taken: use the text.
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT srs_register`); rerr != nil {
			return source{}, classify(rerr)
		}
		return slow, nil
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT srs_register`); err != nil {
		return source{}, classify(err)
	}
	return verifySource(ctx, tx, source{srid: srid, temp: true}, slow, pt, x, y)
}

// verifySource reprojects the test point through fast and returns fast when it lands where the
// text put it (x, y), else slow.
func verifySource(ctx context.Context, tx pgx.Tx, fast, slow source, pt []byte, x, y float64) (source, error) {
	expr, arg := fast.expr(2)
	var fx, fy float64
	if err := tx.QueryRow(ctx, `SELECT ST_X(g), ST_Y(g) FROM (SELECT `+expr+` AS g) q`, pt, arg).Scan(&fx, &fy); err != nil {
		return source{}, classify(fmt.Errorf("check coordinate system: %w", err))
	}
	if math.Abs(fx-x) > 1e-9 || math.Abs(fy-y) > 1e-9 {
		return slow, nil
	}
	return fast, nil
}

// release removes a temporary registration.
func (p source) release(ctx context.Context, tx pgx.Tx) error {
	if !p.temp {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM spatial_ref_sys WHERE srid = $1`, p.srid)
	return classify(err)
}

// measureDatumShift compares, at the data, the file's reading of its coordinates with their
// VN-2000 reading (same projection, EPSG:6960's datum shift), for systems that look like
// VN-2000 but are not an EPSG VN-2000 code.
func (s *Store) measureDatumShift(ctx context.Context, tx pgx.Tx, req geofile.Request, rep *geofile.Report) error {
	crs := req.CRS
	reading := crs.VN2000Reading()
	if !crs.VN2000Like() || reading == "" || crs.EPSG != 0 {
		return nil
	}
	p, ok := centre(req.Items)
	if !ok {
		return nil
	}
	src := crs.PostGIS()
	var d float64
	err := tx.QueryRow(ctx, `SELECT ST_Distance(ST_Transform(g, $2::text, 4326)::geography, ST_Transform(g, $3::text, 4326)::geography)
		FROM (SELECT ST_GeomFromWKB($1) AS g) q`, wkb.MustMarshal(p), src, reading).Scan(&d)
	if err != nil {
		return classify(fmt.Errorf("measure datum shift: %w", err))
	}
	d = math.Round(d*100) / 100
	rep.SRS.DatumShiftM = &d
	if d <= datumWarnM {
		return nil
	}
	rep.SRS.Suggested = reading
	alt := ""
	if code := geofile.TM3EPSG(crs.Central); code != 0 && crs.Projection == "transverse_mercator" && math.Abs(crs.Scale-0.9999) < 1e-9 {
		alt = " (or EPSG:" + strconv.Itoa(code) + ")"
	}
	source := "the file's coordinate system"
	if req.CRSSource == "override" {
		source = "the given coordinate system"
	}
	rep.Warnings = append(rep.Warnings, geofile.Note{Code: "datum_shift_missing",
		Message: fmt.Sprintf("%s (%s) looks like VN-2000 but gives no datum shift (TOWGS84): read as written, the features land %.0f m from where VN-2000 puts them. If the data is VN-2000, import again with the coordinate system %s%s",
			source, crs.Describe(), d, reading, alt),
		Params: map[string]any{"distance_m": d, "suggested_srs": reading, "description": crs.Describe()}})
	return nil
}

// transformBatch is how many items one statement reprojects and checks: a 10,000-feature file
// takes 10 round trips instead of 30,000, which on a busy machine was most of its minute.
const transformBatch = 1000

// transformItems reprojects, checks and, when invalid, repairs the items, a batch per
// statement inside a savepoint; a batch that PROJ or GEOS chokes on is done again item by item,
// so that such a geometry refuses that item alone. The result is in the order of items.
func transformItems(ctx context.Context, tx pgx.Tx, src source, items []geofile.Item) ([]*importedItem, error) {
	out := make([]*importedItem, 0, len(items))
	for lo := 0; lo < len(items); lo += transformBatch {
		batch := items[lo:min(lo+transformBatch, len(items))]
		done, err := transformTogether(ctx, tx, src, batch)
		if err != nil {
			return nil, err
		}
		if done == nil { // the statement failed: one by one
			for _, it := range batch {
				ii, err := transformItem(ctx, tx, src, it)
				if err != nil {
					return nil, err
				}
				done = append(done, ii)
			}
		}
		out = append(out, done...)
	}
	return out, nil
}

// newImportedItem starts the report of an item; it returns true when the item needs no
// geometry work (refused or skipped by geofile already).
func newImportedItem(it geofile.Item) (*importedItem, bool) {
	ii := &importedItem{item: it, ItemReport: geofile.ItemReport{Feature: it.Feature, Part: it.Part, Name: it.Name, Kind: it.Kind, Notes: it.Notes}}
	switch {
	case it.Error != nil:
		ii.Action, ii.Error = "reject", it.Error
		return ii, true
	case it.Skip != nil:
		ii.Action = "skip"
		ii.Notes = append(ii.Notes, *it.Skip)
		return ii, true
	}
	switch it.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
		ii.polygons = true
	}
	return ii, false
}

// extract is the ST_CollectionExtract type an item's repair keeps: 3 polygons, 2 lines.
func (ii *importedItem) extract() int {
	if ii.polygons {
		return 3
	}
	return 2
}

// transformSQL reprojects, checks and repairs the geometries of the WKB column w (with the
// extract type e and the ordinal i) of the rows FROM; the source's parameter, if any, is $n.
func transformSQL(src source, from string, n int) (string, any) {
	geom, arg := src.exprOn("w", n)
	return `WITH t AS (SELECT i, e, ` + geom + ` AS g FROM ` + from + `),
		v AS (SELECT i, e, g, d.valid AS ok, coalesce(d.reason, 'Valid Geometry') AS why FROM t CROSS JOIN LATERAL ST_IsValidDetail(g) d),
		r AS (SELECT i, e, ok, why, CASE WHEN ok THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), e) END AS g FROM v),
		c AS MATERIALIZED (SELECT i, e, ok, why, g, ST_XMin(g) AS x0, ST_YMin(g) AS y0, ST_XMax(g) AS x1, ST_YMax(g) AS y1 FROM r)
		SELECT i, ok, why, ST_AsBinary(g), coalesce(GeometryType(g), ''), ST_IsEmpty(g), ok OR coalesce(ST_IsValid(g), false),
			coalesce(x0, 0), coalesce(y0, 0), coalesce(x1, 0), coalesce(y1, 0),
			CASE WHEN x0 >= -180 AND x1 <= 180 AND y0 >= -90 AND y1 <= 90 AND NOT ST_IsEmpty(g) THEN
				CASE WHEN e = 3 THEN ST_Area(g::geography) ELSE ST_Length(g::geography) END END,
			ST_AsGeoJSON(g, 7)
		FROM c ORDER BY i`, arg
}

// transformed is one row of transformSQL.
type transformed struct {
	i                int64
	ok, empty, valid bool
	why, typ         string
	x0, y0, x1, y1   float64
	size             *float64
	wkb              []byte
	geojson          *string
}

func scanTransformed(rows pgx.Rows) (transformed, error) {
	var r transformed
	err := rows.Scan(&r.i, &r.ok, &r.why, &r.wkb, &r.typ, &r.empty, &r.valid, &r.x0, &r.y0, &r.x1, &r.y1, &r.size, &r.geojson)
	return r, err
}

// transformTogether transforms a batch in one statement inside a savepoint. It returns nil
// items (and no error) when PostgreSQL refused the statement, for the caller to go item by item.
func transformTogether(ctx context.Context, tx pgx.Tx, src source, batch []geofile.Item) ([]*importedItem, error) {
	out := make([]*importedItem, len(batch))
	var wkbs [][]byte
	var extracts []int32
	var at []int
	for k, it := range batch {
		ii, done := newImportedItem(it)
		out[k] = ii
		if !done {
			wkbs = append(wkbs, wkb.MustMarshal(it.Geometry))
			extracts = append(extracts, int32(ii.extract()))
			at = append(at, k)
		}
	}
	if len(wkbs) == 0 {
		return out, nil
	}
	q, arg := transformSQL(src, `unnest($1::bytea[], $2::int[]) WITH ORDINALITY AS u(w, e, i)`, 3)
	args := []any{wkbs, extracts}
	if arg != nil {
		args = append(args, arg)
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT items`); err != nil {
		return nil, classify(err)
	}
	rows, err := tx.Query(ctx, q, args...)
	var res []transformed
	if err == nil {
		for rows.Next() {
			r, err := scanTransformed(rows)
			if err != nil {
				rows.Close()
				return nil, classify(fmt.Errorf("import items: %w", err))
			}
			res = append(res, r)
		}
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			return nil, classify(fmt.Errorf("import items: %w", err))
		}
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT items`); rerr != nil {
			return nil, classify(rerr)
		}
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT items`); err != nil {
		return nil, classify(err)
	}
	if len(res) != len(at) {
		return nil, fmt.Errorf("import items: %d results for %d geometries", len(res), len(at))
	}
	for _, r := range res {
		out[at[r.i-1]].apply(r)
	}
	return out, nil
}

// transformItem reprojects, checks and, when invalid, repairs one item inside a savepoint, so
// a geometry PROJ or GEOS chokes on refuses that item alone.
func transformItem(ctx context.Context, tx pgx.Tx, src source, it geofile.Item) (*importedItem, error) {
	ii, done := newImportedItem(it)
	if done {
		return ii, nil
	}
	q, arg := transformSQL(src, `(SELECT $1::bytea AS w, $2::int AS e, 1::bigint AS i) u`, 3)
	args := []any{wkb.MustMarshal(it.Geometry), ii.extract()}
	if arg != nil {
		args = append(args, arg)
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT item`); err != nil {
		return nil, classify(err)
	}
	rows, err := tx.Query(ctx, q, args...)
	var r transformed
	if err == nil {
		if rows.Next() {
			r, err = scanTransformed(rows)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			return nil, classify(fmt.Errorf("import item %d: %w", it.Feature, err))
		}
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT item`); rerr != nil {
			return nil, classify(rerr)
		}
		ii.Action = "reject"
		ii.Error = &geofile.Note{Code: "transform_failed", Message: "PostGIS could not reproject or check the geometry: " + pgErr.Message}
		return ii, nil
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT item`); err != nil {
		return nil, classify(err)
	}
	ii.apply(r)
	return ii, nil
}

// apply records what PostGIS made of the item's geometry: refused with the reason, or kept
// (repaired when it had to be) with its type, size and GeoJSON.
func (ii *importedItem) apply(r transformed) {
	reject := func(code, format string, a ...any) {
		ii.Action = "reject"
		ii.Error = &geofile.Note{Code: code, Message: fmt.Sprintf(format, a...)}
	}
	switch {
	case r.x0 < -180 || r.x1 > 180 || r.y0 < -90 || r.y1 > 90:
		reject("out_of_range", "after reprojection the coordinates (%.4f, %.4f)–(%.4f, %.4f) are not on the earth: wrong coordinate system?", r.x0, r.y0, r.x1, r.y1)
		return
	case r.empty && !r.ok:
		reject("invalid_geometry", "invalid geometry that cannot be repaired (%s)", r.why)
		return
	case r.empty:
		reject("empty_geometry", "the geometry is empty")
		return
	case !r.valid:
		reject("invalid_geometry", "invalid geometry that ST_MakeValid could not repair (%s)", r.why)
		return
	}
	if ii.polygons && r.typ != "POLYGON" && r.typ != "MULTIPOLYGON" || !ii.polygons && r.typ != "LINESTRING" && r.typ != "MULTILINESTRING" {
		reject("invalid_geometry", "repairing the geometry (%s) left a %s", r.why, r.typ)
		return
	}
	// The one geometry check of every write path, on what would be stored.
	g, err := wkb.Unmarshal(r.wkb)
	if err == nil {
		err = geo.CheckGeometry("geometry", g, "Polygon", "MultiPolygon", "LineString", "MultiLineString")
	}
	if err != nil {
		reject("invalid_geometry", "%s", strings.TrimPrefix(err.Error(), "geometry: "))
		return
	}
	if !r.ok {
		ii.Repaired = &geofile.Note{Code: "repaired", Message: "invalid geometry repaired with ST_MakeValid: " + r.why, Params: map[string]any{"reason": r.why}}
	}
	ii.wkb = r.wkb
	ii.GeometryType = geoJSONType(r.typ)
	if r.size != nil {
		if ii.polygons {
			ii.AreaM2 = math.Round(*r.size*10) / 10
		} else {
			ii.LengthM = math.Round(*r.size*10) / 10
		}
	}
	if r.geojson != nil {
		ii.Geometry = json.RawMessage(*r.geojson)
	}
}

func geoJSONType(pg string) string {
	switch pg {
	case "POLYGON":
		return "Polygon"
	case "MULTIPOLYGON":
		return "MultiPolygon"
	case "LINESTRING":
		return "LineString"
	case "MULTILINESTRING":
		return "MultiLineString"
	}
	return pg
}

// setBoundary makes the unit's boundary the union of the boundary items, or when there are
// none, of every polygon of the import.
func setBoundary(ctx context.Context, tx pgx.Tx, unitID int, items []*importedItem, oldArea *float64) ([]byte, *geofile.BoundaryReport, error) {
	br := &geofile.BoundaryReport{Features: []int{}, PreviousAreaM2: oldArea}
	var parts [][]byte
	for _, ii := range items {
		if ii.Kind == geofile.KindBoundary && ii.wkb != nil {
			parts = append(parts, ii.wkb)
			br.Features = append(br.Features, ii.Feature)
			ii.Action = "boundary"
		}
	}
	if len(parts) == 0 {
		for _, ii := range items {
			if ii.polygons && ii.wkb != nil {
				parts = append(parts, ii.wkb)
				br.Features = append(br.Features, ii.Feature)
			}
		}
		if len(parts) > 0 {
			br.Notes = append(br.Notes, geofile.Note{Code: "boundary_from_union",
				Message: fmt.Sprintf("no feature is marked as the boundary (loai = ranh giới): the union of the %d polygons is used", len(parts)),
				Params:  map[string]any{"polygons": len(parts)}})
		}
	}
	if len(parts) == 0 {
		br.Notes = append(br.Notes, geofile.Note{Code: "boundary_none", Message: "the file holds no polygon to make a boundary of; the boundary is unchanged"})
		return nil, br, nil
	}
	var out []byte
	var area float64
	var geojson string
	err := tx.QueryRow(ctx, `WITH u AS (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_SetSRID(ST_GeomFromWKB(w), 4326))), 3)) AS g
			FROM unnest($1::bytea[]) AS w)
		SELECT ST_AsBinary(g), ST_Area(g::geography), ST_AsGeoJSON(g, 7) FROM u`, parts).Scan(&out, &area, &geojson)
	if err != nil {
		return nil, nil, classify(fmt.Errorf("union boundary: %w", err))
	}
	if _, err := tx.Exec(ctx, `UPDATE unit SET boundary = ST_SetSRID(ST_GeomFromWKB($2), 4326), updated_at = now() WHERE id = $1`, unitID, out); err != nil {
		return nil, nil, classify(fmt.Errorf("set boundary: %w", err))
	}
	br.AreaM2 = math.Round(area*10) / 10
	br.Geometry = json.RawMessage(geojson)
	return out, br, nil
}

// placeItems notes the items that lie outside the unit's boundary: wholly (with the distance)
// or, for polygons, in part (with the area outside).
func placeItems(ctx context.Context, tx pgx.Tx, boundary []byte, items []*importedItem) error {
	var geoms [][]byte
	var idx []int
	for i, ii := range items {
		if ii.wkb != nil && ii.Kind != geofile.KindBoundary && ii.Action != "boundary" {
			geoms = append(geoms, ii.wkb)
			idx = append(idx, i)
		}
	}
	if len(geoms) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT place`); err != nil {
		return classify(err)
	}
	// An item inside the boundary (the usual case) costs one prepared containment test; the
	// distance and the area outside are computed only for the others.
	rows, err := tx.Query(ctx, `SELECT i, inside, CASE WHEN inside THEN 0 ELSE ST_Distance(g::geography, b::geography) END,
			CASE WHEN NOT covered AND GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON') THEN ST_Area(ST_Difference(g, b)::geography) ELSE 0 END,
			CASE WHEN NOT covered AND GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON') THEN ST_Area(g::geography) ELSE 0 END
		FROM (SELECT t.i, g, b, ST_Intersects(g, b) AS inside, ST_CoveredBy(g, b) AS covered
			FROM unnest($1::bytea[]) WITH ORDINALITY AS t(w, i)
			CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_GeomFromWKB(t.w), 4326) AS g) x
			CROSS JOIN (SELECT ST_SetSRID(ST_GeomFromWKB($2), 4326) AS b) y OFFSET 0) q`, geoms, boundary)
	if err != nil {
		return classify(fmt.Errorf("place items: %w", err))
	}
	type placed struct {
		i                    int64
		inside               bool
		dist, outside, total float64
	}
	var res []placed
	for rows.Next() {
		var p placed
		if err := rows.Scan(&p.i, &p.inside, &p.dist, &p.outside, &p.total); err != nil {
			rows.Close()
			return classify(fmt.Errorf("place items: %w", err))
		}
		res = append(res, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			// A topology failure of GEOS: the import goes on without the placement notes.
			if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT place`); rerr != nil {
				return classify(rerr)
			}
			return nil
		}
		return classify(fmt.Errorf("place items: %w", err))
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT place`); err != nil {
		return classify(err)
	}
	for _, p := range res {
		ii := items[idx[p.i-1]]
		switch {
		case !p.inside:
			ii.Notes = append(ii.Notes, geofile.Note{Code: "outside_boundary",
				Message: fmt.Sprintf("lies wholly outside the unit's boundary, %.0f m from it", p.dist), Params: map[string]any{"distance_m": math.Round(p.dist)}})
		case p.total > 0 && p.outside >= TilingToleranceM2 && p.outside/p.total >= 0.01:
			ii.Notes = append(ii.Notes, geofile.Note{Code: "partly_outside",
				Message: fmt.Sprintf("%.0f m² (%.0f %%) lies outside the unit's boundary", p.outside, 100*p.outside/p.total),
				Params:  map[string]any{"area_m2": math.Round(p.outside), "percent": math.Round(100 * p.outside / p.total)}})
		}
	}
	return nil
}

type areaKey struct{ kind, name string }

// writeAreas creates or updates the unit's areas. An item matches the stored area of the same
// kind and name when exactly one exists and no other item of the file has that kind and name;
// it then updates it (geometry, and the numbers the file gives). With Replace, the stored areas
// of the kinds the file holds that no item matched are deleted.
// createBatch is how many areas one INSERT creates.
const createBatch = 1000

// createAreas inserts the new areas of an import, a batch per statement, and records their ids.
func createAreas(ctx context.Context, tx pgx.Tx, unitID int, items []*importedItem) error {
	for lo := 0; lo < len(items); lo += createBatch {
		batch := items[lo:min(lo+createBatch, len(items))]
		kinds, names := make([]string, len(batch)), make([]string, len(batch))
		wkbs := make([][]byte, len(batch))
		buffers := make([]*float64, len(batch))
		visits, dwells := make([]*int32, len(batch)), make([]*int32, len(batch))
		for k, ii := range batch {
			kinds[k], names[k], wkbs[k], buffers[k] = ii.Kind, ii.Name, ii.wkb, ii.item.BufferM
			visits[k], dwells[k] = int32Ptr(ii.item.Visits), int32Ptr(ii.item.DwellMin)
		}
		// The ids come from the sequence in the order the rows are inserted, which is the
		// order of i: sorted, they are the items' ids in order.
		rows, err := tx.Query(ctx, `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min)
			SELECT $1, k, n, ST_SetSRID(ST_GeomFromWKB(w), 4326), coalesce(b, 25), coalesce(v, 1), coalesce(d, 0)
			FROM unnest($2::text[], $3::text[], $4::bytea[], $5::float8[], $6::int[], $7::int[]) WITH ORDINALITY AS u(k, n, w, b, v, d, i)
			ORDER BY i RETURNING id`, unitID, kinds, names, wkbs, buffers, visits, dwells)
		if err := created(rows, err, batch, "areas"); err != nil {
			return err
		}
	}
	return nil
}

// created reads the ids a batched INSERT … RETURNING id answered (rows, err from tx.Query) and
// marks items created with them: the sequence numbers the rows in the order of the items.
func created(rows pgx.Rows, err error, items []*importedItem, what string) error {
	if err != nil {
		return classify(fmt.Errorf("create %s: %w", what, err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return classify(fmt.Errorf("create %s: %w", what, err))
	}
	if len(ids) != len(items) {
		return fmt.Errorf("create %s: %d ids for %d %s", what, len(ids), len(items), what)
	}
	slices.Sort(ids)
	for k, ii := range items {
		ii.Action, ii.ID = "create", ids[k]
	}
	return nil
}

func int32Ptr(v *int) *int32 {
	if v == nil {
		return nil
	}
	x := int32(*v)
	return &x
}

func writeAreas(ctx context.Context, tx pgx.Tx, req geofile.Request, items []*importedItem, rep *geofile.Report) error {
	existing := map[areaKey][]int64{}
	type stored struct {
		id         int64
		kind, name string
	}
	var all []stored
	rows, err := tx.Query(ctx, `SELECT id, kind, name FROM area WHERE unit_id = $1 ORDER BY id`, req.UnitID)
	if err != nil {
		return classify(fmt.Errorf("list areas: %w", err))
	}
	for rows.Next() {
		var a stored
		if err := rows.Scan(&a.id, &a.kind, &a.name); err != nil {
			rows.Close()
			return classify(err)
		}
		all = append(all, a)
		k := areaKey{a.kind, a.name}
		existing[k] = append(existing[k], a.id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	inFile := map[areaKey]int{}
	for _, ii := range items {
		if ii.wkb != nil && ii.Action == "" {
			inFile[areaKey{ii.Kind, ii.Name}]++
		}
	}
	matched := map[int64]bool{}
	kinds := map[string]bool{}
	var creates []*importedItem
	for _, ii := range items {
		if ii.wkb == nil || ii.Action != "" {
			continue // refused, skipped or used as the boundary
		}
		k := areaKey{ii.Kind, ii.Name}
		kinds[ii.Kind] = true
		ids := existing[k]
		it := ii.item
		switch {
		case len(ids) == 1 && inFile[k] == 1:
			_, err := tx.Exec(ctx, `UPDATE area SET geom = ST_SetSRID(ST_GeomFromWKB($2), 4326),
				buffer_m = coalesce($3, buffer_m), required_night_visits = coalesce($4, required_night_visits),
				min_dwell_min = coalesce($5, min_dwell_min), updated_at = now() WHERE id = $1`,
				ids[0], ii.wkb, it.BufferM, it.Visits, it.DwellMin)
			if err != nil {
				return classify(fmt.Errorf("update area %d: %w", ids[0], err))
			}
			ii.Action, ii.ID = "update", ids[0]
			matched[ids[0]] = true
		default:
			if len(ids) > 1 {
				ii.Notes = append(ii.Notes, geofile.Note{Code: "ambiguous_name",
					Message: fmt.Sprintf("%d stored areas have this kind and name; a new one is created", len(ids)), Params: map[string]any{"count": len(ids)}})
			} else if inFile[k] > 1 {
				ii.Notes = append(ii.Notes, geofile.Note{Code: "duplicate_name",
					Message: fmt.Sprintf("%d features of the file have this kind and name; each becomes an area", inFile[k]), Params: map[string]any{"count": inFile[k]}})
			}
			creates = append(creates, ii)
		}
	}
	if err := createAreas(ctx, tx, req.UnitID, creates); err != nil {
		return err
	}
	if req.Replace {
		rep.Removed = []geofile.RemovedRow{}
		for _, a := range all {
			if kinds[a.kind] && !matched[a.id] {
				if _, err := tx.Exec(ctx, `DELETE FROM area WHERE id = $1`, a.id); err != nil {
					return classify(fmt.Errorf("delete area %d: %w", a.id, err))
				}
				rep.Removed = append(rep.Removed, geofile.RemovedRow{ID: a.id, Name: a.name, Kind: a.kind})
			}
		}
		rep.Deleted = len(rep.Removed)
	}
	return nil
}

// writeRoads adds the roads; with Replace the unit's road network is replaced.
func writeRoads(ctx context.Context, tx pgx.Tx, req geofile.Request, items []*importedItem, rep *geofile.Report) error {
	if req.Replace {
		rows, err := tx.Query(ctx, `DELETE FROM road WHERE unit_id = $1 RETURNING id, name`, req.UnitID)
		if err != nil {
			return classify(fmt.Errorf("delete roads: %w", err))
		}
		rep.Removed = []geofile.RemovedRow{}
		for rows.Next() {
			var r geofile.RemovedRow
			if err := rows.Scan(&r.ID, &r.Name); err != nil {
				rows.Close()
				return classify(err)
			}
			rep.Removed = append(rep.Removed, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return classify(err)
		}
		rep.Deleted = len(rep.Removed)
	}
	var roads []*importedItem
	for _, ii := range items {
		if ii.wkb != nil && ii.Action == "" {
			roads = append(roads, ii)
		}
	}
	// A batch of roads per statement: the merged line's type, then the inserts.
	for lo := 0; lo < len(roads); lo += createBatch {
		batch := roads[lo:min(lo+createBatch, len(roads))]
		wkbs := make([][]byte, len(batch))
		for k, ii := range batch {
			wkbs[k] = ii.wkb
		}
		rows, err := tx.Query(ctx, `SELECT coalesce(GeometryType(ST_LineMerge(ST_GeomFromWKB(w))), '')
			FROM unnest($1::bytea[]) WITH ORDINALITY AS u(w, i) ORDER BY i`, wkbs)
		if err != nil {
			return classify(fmt.Errorf("roads: %w", err))
		}
		types, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return classify(fmt.Errorf("roads: %w", err))
		}
		var names []string
		var lines [][]byte
		var kept []*importedItem
		for k, ii := range batch {
			// The road table holds single lines: a line that repair split is merged, or refused.
			if types[k] != "LINESTRING" {
				ii.Action = "reject"
				ii.Error = &geofile.Note{Code: "invalid_geometry", Message: "the road's line falls apart into several pieces; split it into one feature per piece"}
				continue
			}
			names, lines, kept = append(names, ii.Name), append(lines, ii.wkb), append(kept, ii)
		}
		if len(kept) == 0 {
			continue
		}
		// As for areas, the sequence numbers the rows in the order of i.
		rows, err = tx.Query(ctx, `INSERT INTO road (unit_id, name, geom)
			SELECT $1, n, ST_LineMerge(ST_SetSRID(ST_GeomFromWKB(w), 4326))
			FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS u(n, w, i) ORDER BY i RETURNING id`, req.UnitID, names, lines)
		if err := created(rows, err, kept, "roads"); err != nil {
			return err
		}
	}
	return nil
}

// TilingReport checks that a unit's residential groups tile its boundary.
func (s *Store) TilingReport(ctx context.Context, unitID int) (geofile.TilingReport, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return geofile.TilingReport{}, classify(err)
	}
	defer tx.Rollback(ctx)
	return tilingReport(ctx, tx, unitID)
}

func tilingReport(ctx context.Context, q pgQuerier, unitID int) (geofile.TilingReport, error) {
	t := geofile.TilingReport{ToleranceM2: TilingToleranceM2, MinWidthM: TilingMinWidthM, Gaps: []geofile.Piece{}, Overlaps: []geofile.Overlap{}, Outside: []geofile.Piece{}}
	var boundaryArea *float64
	err := q.QueryRow(ctx, `SELECT ST_Area(u.boundary::geography),
			(SELECT count(*) FROM area a WHERE a.unit_id = u.id AND a.kind = 'residential_group' AND GeometryType(a.geom) IN ('POLYGON', 'MULTIPOLYGON'))
		FROM unit u WHERE u.id = $1`, unitID).Scan(&boundaryArea, &t.Groups)
	if err != nil {
		return t, classify(fmt.Errorf("tiling: %w", err))
	}
	switch {
	case boundaryArea == nil:
		t.Note = &geofile.Note{Code: "no_boundary", Message: "the unit has no boundary: the residential groups cannot be checked against it"}
		return t, nil
	case t.Groups == 0:
		t.Note = &geofile.Note{Code: "no_groups", Message: "the unit has no residential groups (tổ dân phố) to check"}
		return t, nil
	case t.Groups > MaxTilingGroups:
		t.Note = &geofile.Note{Code: "too_many_groups", Message: fmt.Sprintf("the unit has %d residential groups, more than the %d the tiling check takes on", t.Groups, MaxTilingGroups),
			Params: map[string]any{"groups": t.Groups, "max": MaxTilingGroups}}
		return t, nil
	}
	t.Checked = true
	t.BoundaryAreaM2 = round1(*boundaryArea)

	const groups = `SELECT id, name, geom FROM area WHERE unit_id = $1 AND kind = 'residential_group' AND GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')`
	pieces := func(sql string, more ...any) ([]geofile.Piece, float64, error) {
		rows, err := q.Query(ctx, sql, append([]any{unitID}, more...)...)
		if err != nil {
			return nil, 0, classify(fmt.Errorf("tiling: %w", err))
		}
		defer rows.Close()
		out := []geofile.Piece{}
		total := 0.0
		for rows.Next() {
			var p geofile.Piece
			var geojson string
			var perimeter float64
			if err := rows.Scan(&p.AreaM2, &p.Lon, &p.Lat, &geojson, &p.Group, &perimeter); err != nil {
				return nil, 0, classify(fmt.Errorf("tiling: %w", err))
			}
			total += p.AreaM2
			if listed(p.AreaM2, perimeter) && len(out) < maxListedPieces {
				p.AreaM2 = round1(p.AreaM2)
				p.Geometry = json.RawMessage(geojson)
				out = append(out, p)
			}
		}
		return out, round1(total), classify(rows.Err())
	}
	// The union of the groups, computed once (it is the dearest step): its area is the covered
	// area, the boundary minus it the gaps.
	var union []byte
	if err := q.QueryRow(ctx, `WITH g AS (`+groups+`) SELECT ST_AsBinary(ST_Union(geom)) FROM g`, unitID).Scan(&union); err != nil {
		return t, classify(fmt.Errorf("tiling: %w", err))
	}
	if err := q.QueryRow(ctx, `SELECT coalesce(ST_Area(ST_SetSRID(ST_GeomFromWKB($1), 4326)::geography), 0)`, union).Scan(&t.CoveredAreaM2); err != nil {
		return t, classify(fmt.Errorf("tiling: %w", err))
	}
	t.CoveredAreaM2 = round1(t.CoveredAreaM2)
	t.Gaps, t.GapAreaM2, err = pieces(`WITH d AS (SELECT (ST_Dump(ST_CollectionExtract(ST_Difference(u.boundary, ST_SetSRID(ST_GeomFromWKB($2), 4326)), 3))).geom AS geom
				FROM unit u WHERE u.id = $1)
		SELECT ST_Area(geom::geography) AS a, ST_X(p), ST_Y(p), ST_AsGeoJSON(geom, 7), '', ST_Perimeter(geom::geography)
		FROM d CROSS JOIN LATERAL ST_PointOnSurface(d.geom) p WHERE NOT ST_IsEmpty(geom) ORDER BY a DESC`, union)
	if err != nil {
		return t, err
	}
	t.Outside, t.OutsideAreaM2, err = pieces(`WITH g AS (` + groups + `),
			d AS (SELECT g.name, (ST_Dump(ST_CollectionExtract(ST_Difference(g.geom, u.boundary), 3))).geom AS geom
				FROM g CROSS JOIN unit u WHERE u.id = $1)
		SELECT ST_Area(geom::geography) AS a, ST_X(p), ST_Y(p), ST_AsGeoJSON(geom, 7), name, ST_Perimeter(geom::geography)
		FROM d CROSS JOIN LATERAL ST_PointOnSurface(d.geom) p WHERE NOT ST_IsEmpty(geom) ORDER BY a DESC`)
	if err != nil {
		return t, err
	}
	// The pairs are joined on the table itself, not on a CTE, so that the GiST index finds
	// each group's neighbours: over a CTE every pair was tested, 50 million for 10,000 groups.
	rows, err := q.Query(ctx, `WITH o AS (SELECT a.id AS aid, a.name AS an, b.id AS bid, b.name AS bn,
					ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom
				FROM area a JOIN area b ON b.unit_id = a.unit_id AND a.id < b.id AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
				WHERE a.unit_id = $1 AND a.kind = 'residential_group' AND b.kind = 'residential_group'
					AND GeometryType(a.geom) IN ('POLYGON', 'MULTIPOLYGON') AND GeometryType(b.geom) IN ('POLYGON', 'MULTIPOLYGON'))
		SELECT aid, an, bid, bn, ST_Area(geom::geography) AS a, ST_X(p), ST_Y(p), ST_AsGeoJSON(geom, 7), ST_Perimeter(geom::geography)
		FROM o CROSS JOIN LATERAL ST_PointOnSurface(o.geom) p WHERE NOT ST_IsEmpty(geom) ORDER BY a DESC`, unitID)
	if err != nil {
		return t, classify(fmt.Errorf("tiling overlaps: %w", err))
	}
	total := 0.0
	for rows.Next() {
		var o geofile.Overlap
		var geojson string
		var perimeter float64
		if err := rows.Scan(&o.AID, &o.A, &o.BID, &o.B, &o.AreaM2, &o.Lon, &o.Lat, &geojson, &perimeter); err != nil {
			rows.Close()
			return t, classify(fmt.Errorf("tiling overlaps: %w", err))
		}
		total += o.AreaM2
		if listed(o.AreaM2, perimeter) && len(t.Overlaps) < maxListedPieces {
			o.AreaM2 = round1(o.AreaM2)
			o.Geometry = json.RawMessage(geojson)
			t.Overlaps = append(t.Overlaps, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, classify(fmt.Errorf("tiling overlaps: %w", err))
	}
	t.OverlapAreaM2 = round1(total)
	t.Tiles = len(t.Gaps) == 0 && len(t.Overlaps) == 0 && len(t.Outside) == 0
	return t, nil
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// listed reports whether a piece of a tiling defect is more than a sliver.
func listed(areaM2, perimeterM float64) bool {
	return areaM2 >= TilingToleranceM2 && perimeterM > 0 && 2*areaM2/perimeterM >= TilingMinWidthM
}
