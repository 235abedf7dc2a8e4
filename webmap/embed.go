// Package webmap carries the built Leaflet web map (webmap/dist, made by `npm ci && npm run
// build` from the sources in webmap/src and the lockfile) inside the binary.
package webmap

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built web map files, rooted at the folder that holds index.html.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the folder is part of the embed pattern, so this cannot happen
	}
	return sub
}

// Built reports whether the web map was built before the binary (index.html is present).
func Built() bool {
	_, err := fs.Stat(Assets(), "index.html")
	return err == nil
}
