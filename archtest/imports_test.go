package archtest

import (
	"strconv"
	"strings"
	"testing"
)

// rule forbids the packages under dir (dir itself and, with sub, its sub-packages) to import
// what starts with any of forbidden ("module/..." for the module's own packages).
type rule struct {
	dir       string
	sub       bool
	forbidden []string
	why       string
}

const (
	gin   = "github.com/gin-gonic/gin"
	pgx   = "github.com/jackc/pgx"
	h3    = "github.com/uber/h3-go"
	plan  = "github.com/paulmach/orb/planar"
	store = module + "/store"
	api   = module + "/api"
	app   = module + "/app"
	demo  = module + "/demo"
)

// rules are the "must not import" lines of the packages' READMEs.
var rules = []rule{
	{"api", false, []string{h3, plan, store, pgx}, "api is HTTP only: analysis belongs in app/ or geo/, storage behind app's interfaces"},
	{"app", true, []string{gin, pgx, store, api, demo, "net/http"}, "use cases know neither HTTP nor the database"},
	{"store", true, []string{demo, api, app, gin}, "the store is persistence only, below the use cases; the demo loads itself through store's public API"},
	{"geo", false, []string{gin, pgx, store, api, app, demo, "net/http", "os", "database/sql", "log"}, "geo is pure computation"},
	{"patrol", false, []string{gin, pgx, store, api, app, demo, module + "/geo"}, "patrol is the records and errors everything shares"},
	{"demo", false, []string{gin, pgx, store, api, app}, "the generator is pure; demo/load uses store"},
	{"demo/load", false, []string{api, app, gin}, "the loader puts a ward into the database through store's public API"},
	{"demo/live", false, []string{store, pgx, api, app, gin}, "the live player writes through the small Store interface it declares"},
	{"report", false, []string{gin, pgx, store, api, "net/http", "os"}, "the report renders what it is given"},
	{"report", true, []string{gin, pgx, store, api, app}, "the report and its printing know nothing of the layers above"},
	{"geofile", false, []string{gin, pgx, store, api, app, demo, "net/http", "os", "database/sql"}, "reading geography files is pure: bytes in, features out"},
	{"basemap", false, []string{gin, pgx, store, api, app}, "the basemap is files and an http.Handler the server mounts"},
	{"palette", false, []string{module, "net/http", "os"}, "the palette is shared data, below everything"},
	{"ttlcache", false, []string{module, "net/http", "os", "database/sql"}, "the cache shape is below everything: no I/O, nothing of patrolmap"},
	{"migrations", false, []string{module}, "the migrations only embed SQL"},
	{"webmap", false, []string{module}, "the web map's Go part only embeds the built assets"},
	{"archtest", false, []string{module}, "archtest reads the tree as text"},
}

// pending lists imports that break a rule today and the issue that removes them. A file that no
// longer needs its entry is reported so the entry is deleted; a break not listed here fails.
var pending = map[string]string{}

func imports(f goFile) []string {
	var out []string
	for _, im := range f.file.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err == nil {
			out = append(out, p)
		}
	}
	return out
}

func under(dir, rootDir string, sub bool) bool {
	return dir == rootDir || (sub && strings.HasPrefix(dir, rootDir+"/"))
}

func matches(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// TestImportRules fails when a package imports what its README says it must not, and when a
// file of cmd/patrolmap other than serve.go imports api (the CLI calls the use cases directly).
func TestImportRules(t *testing.T) {
	used := map[string]bool{}
	for _, f := range sources(t) {
		for _, im := range imports(f) {
			var broken []string
			for _, r := range rules {
				if !under(f.dir, r.dir, r.sub) {
					continue
				}
				for _, bad := range r.forbidden {
					if matches(im, bad) {
						broken = append(broken, r.dir+" must not import "+bad+": "+r.why)
					}
				}
			}
			if f.dir == "cmd/patrolmap" && matches(im, api) && f.path != "cmd/patrolmap/serve.go" {
				broken = append(broken, "cmd imports api only to serve HTTP (serve.go); the CLI calls app/ use cases")
			}
			if len(broken) == 0 {
				continue
			}
			if why, ok := pending[f.path]; ok {
				used[f.path] = true
				t.Logf("pending: %s imports %s (%s)", f.path, im, why)
				continue
			}
			for _, b := range broken {
				t.Errorf("%s imports %s; %s", f.path, im, b)
			}
		}
	}
	for p, why := range pending {
		if !used[p] {
			t.Logf("%s no longer breaks an import rule: delete its pending entry (%s)", p, why)
		}
	}
}
