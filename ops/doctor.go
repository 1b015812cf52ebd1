package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
	"github.com/mentiondesk/mentiondesk/version"
)

// `mentiondesk doctor` looks for what an owner forgets when setting up a
// VPS, and says what to do about each, in French or English. It exits 1
// when something must be fixed, so a cron job or a monitoring check can
// run it.

// level is how much a finding matters.
type level int

const (
	levelOK level = iota
	levelWarn
	levelProblem
)

// finding is one check's result: a message key (doctor_messages.go) and
// the values its text needs.
type finding struct {
	level level
	key   string
	args  []any
}

// doctorEnv is what the checks read beyond the app, so tests can set it.
type doctorEnv struct {
	encryptionKey string
	client        *http.Client
	offline       bool // skip the public URL's reachability
}

func doctorCommand(app core.App) *cobra.Command {
	var offline bool
	cmd := &cobra.Command{
		Use:          "doctor",
		SilenceUsage: true,
		Short:        "Checks the set-up (public URL, e-mail, encryption key, rate limits, backups, sources) and says what to fix",
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := doctorEnv{
				encryptionKey: os.Getenv("MD_ENCRYPTION_KEY"),
				client:        &http.Client{Timeout: 10 * time.Second},
				offline:       offline,
			}
			findings := runChecks(cmd.Context(), app, env)
			lang := doctorLanguage(app, os.Getenv)
			if printFindings(cmd.OutOrStdout(), lang, findings) {
				return errDoctorFound
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "do not try to reach the public URL")
	return cmd
}

// errDoctorFound makes the process exit 1.
var errDoctorFound = errors.New("doctor found problems to fix (see above)")

func runChecks(ctx context.Context, app core.App, env doctorEnv) []finding {
	if ctx == nil {
		ctx = context.Background()
	}
	var out []finding
	out = append(out, checkPublicURL(ctx, app, env)...)
	out = append(out, checkSMTP(app))
	out = append(out, checkEncryption(app, env.encryptionKey))
	out = append(out, checkRateLimits(app))
	out = append(out, checkBackups(app)...)
	out = append(out, checkSources(app)...)
	return out
}

func checkPublicURL(ctx context.Context, app core.App, env doctorEnv) []finding {
	s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		return []finding{{levelProblem, "db_error", []any{err}}}
	}
	raw := strings.TrimRight(strings.TrimSpace(s.GetString("public_url")), "/")
	if raw == "" {
		return []finding{{levelProblem, "url_missing", nil}}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return []finding{{levelProblem, "url_invalid", []any{raw}}}
	}
	var out []finding
	if u.Scheme != "https" && !isLoopbackHost(u.Hostname()) {
		out = append(out, finding{levelWarn, "url_http", []any{raw}})
	}
	if env.offline {
		return append(out, finding{levelOK, "url_set", []any{raw}})
	}
	if err := reachOurselves(ctx, env.client, raw); err != nil {
		return append(out, finding{levelProblem, "url_unreachable", []any{raw, err}})
	}
	return append(out, finding{levelOK, "url_ok", []any{raw}})
}

// reachOurselves asks the public URL's /api/health, as a platform's
// WebSub hub or a phone would, and checks PocketBase answered.
func reachOurselves(ctx context.Context, client *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/health", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct{ Message string }
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	if resp.StatusCode != http.StatusOK || body.Message == "" {
		return fmt.Errorf("%s answered %s, not Mentiondesk's health check", base, resp.Status)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func checkSMTP(app core.App) finding {
	smtp := app.Settings().SMTP
	if !smtp.Enabled || smtp.Host == "" {
		return finding{levelWarn, "smtp_off", nil}
	}
	return finding{levelOK, "smtp_ok", []any{smtp.Host}}
}

// checkEncryption looks at the stored secrets: in clear without a key,
// sealed with a key this environment does not have, or sealed with
// another key than the one given.
func checkEncryption(app core.App, key string) finding {
	var rows []struct {
		Credentials string `db:"credentials"`
		Webhook     string `db:"webhook_secret"`
		WebSub      string `db:"websub_secret"`
	}
	if err := app.DB().NewQuery("SELECT coalesce(credentials, '') AS credentials, webhook_secret, websub_secret FROM sources").All(&rows); err != nil {
		return finding{levelProblem, "db_error", []any{err}}
	}
	var sealed, plain []string
	for _, r := range rows {
		values := []string{r.Webhook, r.WebSub}
		var creds map[string]string
		if json.Unmarshal([]byte(r.Credentials), &creds) == nil {
			for _, v := range creds {
				values = append(values, v)
			}
		}
		for _, v := range values {
			switch {
			case v == "":
			case strings.HasPrefix(v, "enc:"):
				sealed = append(sealed, v)
			default:
				plain = append(plain, v)
			}
		}
	}
	if key == "" {
		if len(sealed) > 0 {
			return finding{levelProblem, "key_missing_sealed", []any{len(sealed)}}
		}
		return finding{levelWarn, "key_missing", []any{len(plain)}}
	}
	v := vault.New(key)
	for _, s := range sealed {
		if _, err := v.Open(s); err != nil {
			return finding{levelProblem, "key_wrong", nil}
		}
	}
	if len(plain) > 0 {
		return finding{levelOK, "key_ok_plain", []any{len(plain)}}
	}
	return finding{levelOK, "key_ok", nil}
}

func checkRateLimits(app core.App) finding {
	if !app.Settings().RateLimits.Enabled {
		return finding{levelWarn, "ratelimit_off", nil}
	}
	return finding{levelOK, "ratelimit_ok", nil}
}

func checkBackups(app core.App) []finding {
	b := app.Settings().Backups
	if b.Cron == "" {
		return []finding{{levelWarn, "backup_off", nil}}
	}
	out := []finding{{levelOK, "backup_ok", []any{b.Cron, b.CronMaxKeep}}}
	if !b.S3.Enabled {
		out = append(out, finding{levelWarn, "backup_local", nil})
	}
	return out
}

func checkSources(app core.App) []finding {
	var rows []struct {
		Name  string `db:"name"`
		Kind  string `db:"kind"`
		Count int    `db:"error_count"`
		Error string `db:"last_error"`
	}
	err := app.DB().NewQuery("SELECT name, kind, error_count, last_error FROM sources WHERE enabled = 1 AND error_count > 0 ORDER BY name").All(&rows)
	if err != nil {
		return []finding{{levelProblem, "db_error", []any{err}}}
	}
	var enabled int
	_ = app.DB().NewQuery("SELECT count(*) FROM sources WHERE enabled = 1").Row(&enabled)
	if enabled == 0 {
		return []finding{{levelWarn, "sources_none", nil}}
	}
	if len(rows) == 0 {
		return []finding{{levelOK, "sources_ok", []any{enabled}}}
	}
	var out []finding
	for _, r := range rows {
		out = append(out, finding{levelWarn, "source_failing", []any{r.Name, r.Kind, r.Count, r.Error}})
	}
	return out
}

// doctorLanguage is French when the shell's locale says so (LC_ALL, then
// LC_MESSAGES, then LANG, as gettext reads them), else the owner's
// language in the app when the locale says nothing (C, POSIX or unset),
// else English.
func doctorLanguage(app core.App, getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "fr") {
			return "fr"
		}
		if v != "C" && v != "POSIX" && !strings.HasPrefix(v, "C.") {
			return "en"
		}
		break
	}
	var lang string
	_ = app.DB().NewQuery("SELECT language FROM users WHERE role = 'owner' ORDER BY created LIMIT 1").Row(&lang)
	if lang == "fr" {
		return "fr"
	}
	return "en"
}

// printFindings writes the report and reports whether anything must be
// fixed.
func printFindings(w io.Writer, lang string, findings []finding) bool {
	fmt.Fprintf(w, "%s — %s\n\n", text(lang, "title"), version.Get())
	problems, warnings := 0, 0
	for _, f := range findings {
		mark := "✓"
		switch f.level {
		case levelWarn:
			mark = "!"
			warnings++
		case levelProblem:
			mark = "✗"
			problems++
		}
		msg := messages[lang][f.key]
		fmt.Fprintf(w, "%s %s\n", mark, fill(msg.what, f.args))
		if msg.todo != "" && f.level != levelOK {
			fmt.Fprintf(w, "  → %s\n", fill(msg.todo, f.args))
		}
	}
	fmt.Fprintf(w, "\n%s\n", fmt.Sprintf(text(lang, "summary"), problems, warnings))
	return problems > 0
}

// fill formats a text that may use none of its finding's values (a text
// without verbs given values would end in "%!(EXTRA ...)").
func fill(format string, args []any) string {
	if !strings.Contains(format, "%") {
		return format
	}
	return fmt.Sprintf(format, args...)
}
