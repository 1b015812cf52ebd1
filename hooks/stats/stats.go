// Package stats turns tickets and mentions into the figures the dashboard
// shows (GET /api/md/stats), the CSVs owners take away
// (GET /api/md/export/…) and the members' corrections of the analysis
// (POST /api/md/mentions/{id}/correct). It is the last concern of the flow
// (connectors → ingest → tickets → replies → stats): it may read any table,
// and it learns of every change from PocketBase's record hooks, so no other
// concern imports it.
package stats

import (
	"errors"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

// Deps is what the stats need from the rest of the server.
type Deps struct {
	// Workers runs the index's first load in the background on serve.
	Workers *workers.Pool
	// DisableWorkers leaves the load to the first stats request (tests).
	DisableWorkers bool
}

// Reporter answers the figures from an in-memory index it keeps current,
// and serves the exports and corrections.
type Reporter struct {
	index          *index
	workers        *workers.Pool
	disableWorkers bool
}

// Register binds the index's record hooks and the stats, export and
// corrections routes into app.
func Register(app core.App, d Deps) (*Reporter, error) {
	if d.Workers == nil && !d.DisableWorkers {
		return nil, errors.New("stats: a worker pool is required to load the index")
	}
	r := &Reporter{index: newIndex(), workers: d.Workers, disableWorkers: d.DisableWorkers}
	r.keepIndex(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		auth := apis.RequireAuth("users")
		se.Router.GET("/api/md/stats", r.handleStats).Bind(auth)
		se.Router.GET("/api/md/export/{file}", handleExport).Bind(auth)
		se.Router.POST("/api/md/mentions/{id}/correct", handleCorrect).Bind(auth)
		return se.Next()
	})
	return r, nil
}

// MarkBreached records tickets the SLA watcher flagged breached with a
// set-based UPDATE, which no record hook sees.
func (r *Reporter) MarkBreached(ids []string) { r.index.markBreached(ids) }

// LoadIndex reads every ticket and the hourly mention counts into the
// index, once; later calls return at once. The index then follows the
// record hooks.
func (r *Reporter) LoadIndex(app core.App) error { return r.index.ensureLoaded(app) }
