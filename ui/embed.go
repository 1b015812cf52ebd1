// Package ui embeds the built single-page app. The Svelte sources live
// beside this file; `npm run build` writes dist/, which is committed so that
// `go run .` works on a machine without Node.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built app, rooted at its index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // impossible: the directory is embedded at build time
	}
	return sub
}
