// Package ops is the operator's side of Mentiondesk: the `version`,
// `healthcheck` and `doctor` subcommands, the backup taken before an
// upgrade migrates the database, GET /api/md/version, the extra
// /api/health figures, and the Prometheus endpoint (package metrics).
// main.go calls Register once; nothing else here is wired from outside.
package ops

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/mentiondesk/mentiondesk/metrics"
	"github.com/mentiondesk/mentiondesk/version"
)

// Register adds the subcommands and routes to app. Call it before app.Start.
func Register(app *pocketbase.PocketBase) error {
	exitEarly() // `version` and `healthcheck` must not open the data directory (early.go)
	info := version.Get()
	// `mentiondesk --version` (cobra's flag) says the same as the subcommand.
	app.RootCmd.Version = info.Version + " (commit " + shortCommit(info.Commit) + ")"
	app.RootCmd.AddCommand(versionCommand(), healthcheckCommand(), doctorCommand(app))
	bindUpgradeBackup(app, os.Args[1:], os.Stderr)
	bindVersionRoute(app)
	bindHealth(app)
	metrics.Register(app) // off unless MD_METRICS_TOKEN is set
	return nil
}

// bindVersionRoute adds GET /api/md/version, for the app's settings screen.
func bindVersionRoute(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/version", func(e *core.RequestEvent) error {
			return e.JSON(http.StatusOK, version.Get())
		}).Bind(apis.RequireAuth("users", core.CollectionNameSuperusers))
		return se.Next()
	})
}

// versionCommand lists `version` in the help; runEarly answers it.
func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Prints the version and commit this binary was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Get())
			return err
		},
	}
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	if c == "" {
		return "unknown"
	}
	return c
}

// healthcheckCommand lists `healthcheck` in the help; runEarly answers it.
func healthcheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "healthcheck [url]",
		Short: "Exits 0 if the running server's /api/health answers (default " + defaultHealthURL + ")",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			url := defaultHealthURL
			if len(args) > 0 {
				url = args[0]
			}
			return healthcheck(url, 4*time.Second)
		},
	}
}
