package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/geofile"
	"github.com/patrolmap/patrolmap/patrol"
)

// boolParam reads a true/false query parameter (1/0, yes/no too); absent is def.
func boolParam(c *gin.Context, name string, def bool) (bool, bool) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, true
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	writeProblem(c, badField(name, "true or false"))
	return false, false
}

// uploadedGeoFile returns the name and content of an upload: the multipart field "file", or the raw body
// named by ?filename= or its Content-Disposition.
func uploadedGeoFile(c *gin.Context) (string, []byte, error) {
	ct := c.ContentType()
	if strings.HasPrefix(ct, "multipart/") {
		fh, err := c.FormFile("file")
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return "", nil, err
			}
			return "", nil, badField("file", "required: a multipart field named file")
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, badField("file", "could not be read")
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			return "", nil, badField("file", "could not be read")
		}
		return path.Base(fh.Filename), data, nil
	}
	data, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return "", nil, err
		}
		return "", nil, badField("file", "could not be read")
	}
	name := c.Query("filename")
	if name == "" {
		if _, params, err := mime.ParseMediaType(c.GetHeader("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	if len(data) == 0 {
		return "", nil, badField("file", "required: upload a GeoJSON, KML, KMZ or zipped shapefile")
	}
	return path.Base(name), data, nil
}

// importGeography handles POST /api/v1/units/{code}/import: a GeoJSON, KML, KMZ or zipped
// Shapefile becomes the unit's areas (kind=areas) or roads (kind=roads). Query parameters:
// dry_run (preview: everything is done, then rolled back), srs (a proj string, WKT or EPSG code
// overriding the file's), set_boundary (admins: the unit's boundary from the file's boundary
// feature or the union of its polygons), replace (the file is the whole set), name_field,
// kind_field and default_kind. The answer is the import report (geofile.Report), with a
// per-feature error list; features that cannot be imported do not stop the others.
func (s *Server) importGeography(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	opt, dry, replace, ok := geoImportOptions(c)
	if !ok {
		return
	}
	name, data, err := uploadedGeoFile(c)
	if err != nil {
		fail(c, err)
		return
	}
	req, err := geofile.Prepare(name, data, c.Query("srs"), opt)
	if err != nil {
		writeProblem(c, prepareProblem(err))
		return
	}
	req.UnitID, req.UnitCode, req.DryRun, req.Replace = u.ID, u.Code, dry, replace
	rep, err := s.db.ImportGeography(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	if !dry {
		detail, _ := json.Marshal(gin.H{"kind": opt.Target, "file": name, "format": rep.Format, "srs": rep.SRS.Text,
			"created": rep.Created, "updated": rep.Updated, "deleted": rep.Deleted, "rejected": rep.Rejected,
			"boundary": rep.Boundary != nil})
		s.audit(c, u.ID, "geo.import", u.Code, detail)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, rep)
}

// geoImportOptions reads the query of an import: kind, name_field, kind_field, default_kind,
// set_boundary (admins, areas only), dry_run and replace. It returns false when it has answered.
func geoImportOptions(c *gin.Context) (opt geofile.Options, dry, replace, ok bool) {
	target := geofile.Target(c.Query("kind"))
	if target != geofile.TargetAreas && target != geofile.TargetRoads {
		writeProblem(c, badField("kind", "areas or roads"))
		return opt, false, false, false
	}
	if dry, ok = boolParam(c, "dry_run", false); !ok {
		return opt, false, false, false
	}
	setBoundary, ok := boolParam(c, "set_boundary", false)
	if !ok {
		return opt, false, false, false
	}
	if replace, ok = boolParam(c, "replace", false); !ok {
		return opt, false, false, false
	}
	if setBoundary && callerOf(c).User.Role != patrol.RoleAdmin {
		writeProblem(c, problem(http.StatusForbidden, "only an admin may set a unit's boundary", FieldError{"set_boundary", "admins only"}))
		return opt, false, false, false
	}
	if setBoundary && target != geofile.TargetAreas {
		writeProblem(c, badField("set_boundary", "only with kind=areas"))
		return opt, false, false, false
	}
	opt = geofile.Options{Target: target, NameField: c.Query("name_field"), KindField: c.Query("kind_field"),
		DefaultKind: c.Query("default_kind"), SetBoundary: setBoundary}
	return opt, dry, replace, true
}

// prepareProblem answers a file that geofile.Prepare refused: 415 for a format it does not
// read, else 400, naming the parameter the message is about (srs, name_field, kind_field,
// default_kind) or the file.
func prepareProblem(err error) *Problem {
	field := "file"
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "srs:"):
		field = "srs"
	case strings.HasPrefix(msg, "name field"):
		field = "name_field"
	case strings.HasPrefix(msg, "kind field"):
		field = "kind_field"
	case strings.HasPrefix(msg, "kind "):
		field = "default_kind"
	}
	status := http.StatusBadRequest
	if errors.Is(err, geofile.ErrUnsupported) {
		status = http.StatusUnsupportedMediaType
	}
	return problem(status, msg, FieldError{field, msg})
}

// tiling answers GET /api/v1/units/{code}/tiling: whether the residential groups tile the
// unit's boundary, with every gap, overlap and overhang in m².
func (s *Server) tiling(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	t, err := s.db.TilingReport(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
