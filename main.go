// Mentiondesk watches where people talk about a business, turns the mentions
// that deserve an answer into tickets, and measures how fast they are
// answered. PocketBase is the database, auth, REST API and admin UI; the
// hooks package adds everything else; the ui package is the embedded app.
//
//	GOTOOLCHAIN=go1.27.3 go run . serve          # http://127.0.0.1:8090
package main

import (
	"log"
	"os"
	_ "time/tzdata" // business hours need zone data even on a bare VPS

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/osutils"

	"github.com/mentiondesk/mentiondesk/hooks"
	"github.com/mentiondesk/mentiondesk/ops"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

func main() {
	// Dev mode prints every SQL statement; `go run` would turn it on, but
	// `go run . serve` is how this product is run, not only developed.
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDev: false, DBConnect: sqlitedb.Connect})

	cfg := hooks.ConfigFromEnv()
	flags := app.RootCmd.PersistentFlags()
	flags.BoolVar(&cfg.AllowPrivateURLs, "allow-private-urls", cfg.AllowPrivateURLs,
		"let sources reach loopback, private and link-local addresses (env MD_ALLOW_PRIVATE_URLS)")
	flags.IntVar(&cfg.PollWorkers, "poll-workers", cfg.PollWorkers,
		"sources fetched at once (env MD_POLL_WORKERS, default 4)")
	flags.BoolVar(&cfg.Demo, "demo", false,
		"load the sample café and shop dataset into an empty database")
	_ = app.RootCmd.ParseFlags(os.Args[1:])

	// Collection changes made in the admin UI become Go migration files
	// only during development; a deployed binary never writes source files.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  osutils.IsProbablyGoRun(),
		Dir:          "pb_migrations",
	})

	if err := ops.Register(app); err != nil { // version, doctor, upgrade backup, metrics
		log.Fatal(err)
	}
	if err := hooks.Register(app, cfg); err != nil {
		log.Fatal(err)
	}
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
