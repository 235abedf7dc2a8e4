// Package webmap carries the built web map (Leaflet front end) inside the
// binary. The sources live in src/ and are built into dist/ with
// `npm ci && npm run build`; dist/ is not committed (except dist/.keep, so
// this package compiles on a fresh clone, with Built reporting false).
package webmap

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built web map: index.html, app.js, app.css, chunks/,
// images/, favicon.ico and favicon.svg at its root.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path name, and "dist" is valid.
		panic("webmap: " + err.Error())
	}
	return sub
}

// Built reports whether the web map was built before this binary was
// compiled, that is whether Assets holds index.html.
func Built() bool {
	info, err := fs.Stat(Assets(), "index.html")
	return err == nil && !info.IsDir()
}
