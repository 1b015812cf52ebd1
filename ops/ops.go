// Package ops is the operator's side of Mentiondesk: the `version` and
// `doctor` subcommands, the backup taken before an upgrade migrates the
// database, GET /api/md/version, the extra /api/health figures and the
// Prometheus endpoint. main.go calls Register once; nothing else here is
// wired from outside.
package ops

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/mentiondesk/mentiondesk/version"
)

// Register adds the subcommands and routes to app. Call it before app.Start.
func Register(app *pocketbase.PocketBase) error {
	info := version.Get()
	// `mentiondesk --version` (cobra's flag) says the same as the subcommand.
	app.RootCmd.Version = info.Version + " (commit " + shortCommit(info.Commit) + ")"
	// PocketBase opens (and creates) the data directory before it runs any
	// command: `mentiondesk version` must not leave a pb_data beside a binary
	// in /usr/local/bin, so it is answered here, before PocketBase starts.
	if isVersionCall(os.Args[1:]) {
		fmt.Println(info)
		os.Exit(0)
	}
	app.RootCmd.AddCommand(versionCommand())

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/version", func(e *core.RequestEvent) error {
			return e.JSON(http.StatusOK, version.Get())
		}).Bind(apis.RequireAuth("users", core.CollectionNameSuperusers))
		return se.Next()
	})
	return nil
}

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

// isVersionCall reports a bare `mentiondesk version` (flags allowed, as
// `--dir` may be set by a wrapper script).
func isVersionCall(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a == "version"
		}
	}
	return false
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
