// Package spa serves the embedded phone app at / with an index.html
// fallback for client-side routes. It is the catch-all: registered last,
// at a priority after every other route. The fallback never answers /api/
// or /_/ paths: a mistyped API call gets PocketBase's JSON 404, not a
// page of HTML.
package spa

import (
	"io/fs"
	"path"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Register serves dist (the built app, rooted at its index.html) for
// every GET no other route answers.
func Register(app core.App, dist fs.FS) error {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			e.Router.GET("/{path...}", handler(dist))
			return e.Next()
		},
		Priority: 999, // after every other route, as PocketBase's own example does
	})
	return nil
}

func handler(dist fs.FS) func(*core.RequestEvent) error {
	static := apis.Static(dist, true)
	return func(e *core.RequestEvent) error {
		p := strings.TrimPrefix(path.Clean("/"+e.Request.PathValue("path")), "/")
		if p == "api" || strings.HasPrefix(p, "api/") || p == "_" || strings.HasPrefix(p, "_/") {
			return apis.NewNotFoundError("", nil)
		}
		// Client routes have no extension; a missing file that has one
		// (a stale hashed chunk after a deploy) must fail loudly instead of
		// being answered with HTML the browser would try to run as script.
		if p != "" && path.Ext(p) != "" && !fileExists(dist, p) {
			return apis.NewNotFoundError("", nil)
		}
		h := e.Response.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(p, "assets/") && fileExists(dist, p) {
			// Vite puts a content hash in every file name under assets/.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			// index.html, the service worker and the manifest must be
			// revalidated, or a deploy never reaches installed phones.
			h.Set("Cache-Control", "no-cache")
		}
		if p == "sw.js" {
			h.Set("Service-Worker-Allowed", "/")
		}
		return static(e)
	}
}

// contentSecurityPolicy holds the app to what it is: scripts, styles,
// workers and API calls from its own origin only, images from its own
// origin or data: URLs. A mention's HTML is sanitised on the way in; this
// is the second wall: no injected script could run, and no remote image
// (a tracking pixel in a customer's post) is ever fetched by an agent's
// browser. Inline style attributes stay allowed: Svelte sets some.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func fileExists(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}
