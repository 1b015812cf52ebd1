// Package apptest gives tests of the operator's side (ops, metrics) a
// migrated PocketBase app on a temporary data directory, without the
// hooks package's workers, and an HTTP handler with its routes.
package apptest

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	_ "github.com/mentiondesk/mentiondesk/pb_migrations" // the schema under test
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// New bootstraps an app on a fresh directory and applies every migration.
func New(t testing.TB) (core.App, string) {
	t.Helper()
	dir := t.TempDir()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.ResetBootstrapState() })
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	return app, dir
}

// Handler runs the app's OnServe hooks on PocketBase's router, as
// apis.Serve does, and returns the built mux.
func Handler(t testing.TB, app core.App) http.Handler {
	t.Helper()
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mux
}

// Save creates a record of collection with fields, or fails the test.
func Save(t testing.TB, app core.App, collection string, fields map[string]any) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("saving %s: %v", collection, err)
	}
	return r
}

// Token is an auth token for record, for the Authorization header.
func Token(t testing.TB, record *core.Record) string {
	t.Helper()
	tok, err := record.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
