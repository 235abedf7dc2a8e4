package archtest

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPackageREADMEs fails when a package (a directory holding non-test Go files) has no
// README.md, or one that does not say what the package must not import.
func TestPackageREADMEs(t *testing.T) {
	dirs := map[string]bool{}
	for _, f := range sources(t) {
		dirs[f.dir] = true
	}
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	sort.Strings(list)
	if len(list) < 10 {
		t.Fatalf("found %d packages: %v; the walk is broken", len(list), list)
	}
	for _, d := range list {
		b, err := os.ReadFile(filepath.Join(root(t), filepath.FromSlash(d), "README.md"))
		if err != nil {
			t.Errorf("%s has no README.md saying what it owns and what it must not import", d)
			continue
		}
		if !strings.Contains(strings.ToLower(string(b)), "must not import") {
			t.Errorf("%s/README.md does not say what the package must not import", d)
		}
	}
}
