package webmap

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestBuiltMatchesDist(t *testing.T) {
	_, err := os.Stat("dist/index.html")
	onDisk := err == nil
	if !onDisk && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat dist/index.html: %v", err)
	}
	if got := Built(); got != onDisk {
		t.Fatalf("Built() = %v, but dist/index.html on disk: %v", got, onDisk)
	}
}

func TestAssetsRoot(t *testing.T) {
	if _, err := fs.Stat(Assets(), ".keep"); err != nil {
		t.Fatalf("Assets() is not rooted at dist/: %v", err)
	}
}

func TestBuiltPage(t *testing.T) {
	if !Built() {
		t.Skip("web map not built; run `npm ci && npm run build` in webmap/")
	}
	assets := Assets()
	page, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)

	for _, tag := range regexp.MustCompile(`(?i)<script\b[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, ` src="`) {
			t.Errorf("inline script breaks the Content-Security-Policy: %s", tag)
		}
	}
	if regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).MatchString(html) {
		t.Error("index.html has an inline event handler")
	}
	// Every local file the page names must be embedded; nothing may come
	// from another host.
	for _, m := range regexp.MustCompile(`\s(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "#") {
			continue
		}
		if strings.Contains(ref, "//") {
			t.Errorf("index.html loads %s from another host", ref)
			continue
		}
		name := strings.SplitN(ref, "?", 2)[0]
		if _, err := fs.Stat(assets, name); err != nil {
			t.Errorf("index.html names %s, which is not embedded: %v", ref, err)
		}
	}
	for _, name := range []string{"favicon.ico", "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"} {
		if _, err := fs.Stat(assets, name); err != nil {
			t.Errorf("%s missing: %v", name, err)
		}
	}
}
