package ops

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

func keys(fs []finding) map[string]level {
	out := map[string]level{}
	for _, f := range fs {
		out[f.key] = f.level
	}
	return out
}

func TestDoctorOnAFreshInstall(t *testing.T) {
	app, _ := apptest.New(t)
	app.Settings().RateLimits.Enabled = false
	got := keys(runChecks(context.Background(), app, doctorEnv{client: http.DefaultClient}))
	want := map[string]level{
		"url_missing": levelProblem, "smtp_off": levelWarn, "key_missing": levelWarn,
		"ratelimit_off": levelWarn, "backup_off": levelWarn, "sources_none": levelWarn,
	}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("%s: level %d, want %d (all: %v)", k, got[k], l, got)
		}
	}
	var out bytes.Buffer
	if !printFindings(&out, "en", runChecks(context.Background(), app, doctorEnv{client: http.DefaultClient})) {
		t.Error("a missing public URL is a problem: doctor must exit 1")
	}
	if s := out.String(); !strings.Contains(s, "→ In the app: Settings → Public URL") || strings.Contains(s, "%!") {
		t.Errorf("report:\n%s", s)
	}
}

func TestDoctorOnASetUpServer(t *testing.T) {
	app, _ := apptest.New(t)
	// The public URL leads to a server answering like PocketBase's health.
	pb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/health" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"message":"API is healthy.","code":200,"data":{}}`))
	}))
	defer pb.Close()
	settings, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		t.Fatal(err)
	}
	settings.Set("public_url", pb.URL+"/")
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	s := app.Settings()
	s.SMTP.Enabled, s.SMTP.Host = true, "smtp.example.net"
	s.RateLimits.Enabled = true
	s.Backups.Cron, s.Backups.CronMaxKeep = "0 3 * * *", 7
	key := "correct horse battery staple"
	sealed := vault.New(key).Seal("app-password")
	apptest.Save(t, app, "sources", map[string]any{"kind": "email", "name": "Inbox", "enabled": true,
		"credentials": map[string]string{"password": sealed}, "error_count": 4, "last_error": "the IMAP server refused the password"})

	env := doctorEnv{encryptionKey: key, client: pb.Client()}
	got := keys(runChecks(context.Background(), app, env))
	want := map[string]level{
		"url_ok": levelOK, "smtp_ok": levelOK, "key_ok": levelOK, "ratelimit_ok": levelOK,
		"backup_ok": levelOK, "backup_local": levelWarn, "source_failing": levelWarn,
	}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("%s: level %d, want %d (all: %v)", k, got[k], l, got)
		}
	}
	var out bytes.Buffer
	if printFindings(&out, "fr", runChecks(context.Background(), app, env)) {
		t.Errorf("only warnings: doctor must exit 0\n%s", out.String())
	}
	if r := out.String(); !strings.Contains(r, `La source "Inbox" (email) a échoué 4 fois de suite : the IMAP server refused the password`) || strings.Contains(r, "%!") {
		t.Errorf("French report:\n%s", r)
	}

	// The wrong key, no key, a URL that leads elsewhere.
	env.encryptionKey = "another key"
	if got := keys(runChecks(context.Background(), app, env)); got["key_wrong"] != levelProblem {
		t.Errorf("wrong key not found: %v", got)
	}
	env.encryptionKey = ""
	if got := keys(runChecks(context.Background(), app, env)); got["key_missing_sealed"] != levelProblem {
		t.Errorf("sealed secrets without a key not found: %v", got)
	}
	pb.Config.Handler = http.NotFoundHandler()
	if got := keys(runChecks(context.Background(), app, env)); got["url_unreachable"] != levelProblem {
		t.Errorf("a public URL that is not Mentiondesk passed: %v", got)
	}
}

func TestDoctorLanguage(t *testing.T) {
	app, _ := apptest.New(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "fr_FR.UTF-8"}, "fr"},
		{map[string]string{"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "en"},
		{map[string]string{}, "en"}, // no owner yet
	}
	for _, c := range cases {
		if got := doctorLanguage(app, env(c.env)); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
	apptest.Save(t, app, "users", map[string]any{"email": "o@example.com", "password": "a-long-password", "name": "O", "role": "owner", "language": "fr"})
	for _, e := range []map[string]string{{}, {"LANG": "C.UTF-8"}, {"LANG": "POSIX"}} {
		if got := doctorLanguage(app, env(e)); got != "fr" {
			t.Errorf("%v with a French owner: %s", e, got)
		}
	}
}

func TestEveryMessageInBothLanguages(t *testing.T) {
	for k, m := range messages["en"] {
		fr, ok := messages["fr"][k]
		if !ok {
			t.Errorf("%s: no French text", k)
			continue
		}
		if strings.Count(m.what, "%[") != strings.Count(fr.what, "%[") || (m.todo == "") != (fr.todo == "") {
			t.Errorf("%s: the French and English texts do not say the same things", k)
		}
	}
	if len(messages["fr"]) != len(messages["en"]) {
		t.Error("French has texts English does not")
	}
}
