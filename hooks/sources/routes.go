package sources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/web"
)

// Source checks at save time and the "test this source" preview. A source
// is refused with the reason on the field when the connector could never
// use it: a missing query, an unreadable URL, an address the outbound guard
// blocks (unless the operator allows private addresses).
func (h *Manager) registerSources() error {
	check := func(e *core.RecordRequestEvent) error {
		if err := h.validateSource(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	}
	h.app.OnRecordCreateRequest("sources").BindFunc(check)
	h.app.OnRecordUpdateRequest("sources").BindFunc(check)
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/sources")
		g.Bind(apis.RequireAuth("users")).BindFunc(web.RequireOwner())
		g.POST("/preview", h.handlePreview)
		return se.Next()
	})
	return nil
}

// allowPrivate says whether outbound requests may reach loopback, private
// and link-local addresses: only the operator's --allow-private-urls flag
// (MD_ALLOW_PRIVATE_URLS) decides, never a setting an owner can flip at
// runtime and then reach the server's network through notification targets
// or previews. The app argument stays for the callers' sake.
func (h *Manager) allowPrivate(_ core.App) bool { return h.cfg.AllowPrivateURLs }

// connectorSet returns the connectors, guarded unless the operator allowed
// private addresses when starting the server.
func (h *Manager) connectorSet(_ core.App) *connectors.Set { return h.connectors }

func (h *Manager) validateSource(app core.App, r *core.Record) error {
	kind := r.GetString("kind")
	u := strings.TrimSpace(r.GetString("url"))
	q := strings.TrimSpace(r.GetString("query"))
	opts := records.SourceOptions(r)
	errs := validation.Errors{}
	need := func(field, msg string) { errs[field] = validation.NewError("validation_required", msg) }

	checkHTTP := func() {
		if err := connectors.CheckURL(u); err != nil {
			if errors.Is(err, connectors.ErrBlockedAddress) && h.allowPrivate(app) {
				return
			}
			errs["url"] = validation.NewError("validation_invalid_url", web.UserMessage(err))
		}
	}
	switch kind {
	case "feed":
		if u == "" {
			need("url", "Paste the feed's address (RSS, Atom, JSON Feed or a Google Alerts feed).")
		} else {
			checkHTTP()
		}
	case "mastodon":
		if u == "" {
			need("url", "Give your Mastodon instance, e.g. https://mastodon.social.")
		} else {
			checkHTTP()
		}
		if mode := opts["mode"]; (mode == connectors.MastodonModeHashtag || mode == connectors.MastodonModeSearch) && q == "" {
			need("query", "Give the hashtag or the words to search for.")
		}
	case "bluesky", "hackernews":
		if q == "" {
			need("query", "Give the words to search for, e.g. \"Café Lune\".")
		}
		if u != "" {
			checkHTTP()
		}
	case "reddit":
		if u != "" {
			checkHTTP()
		} else if q == "" && opts["subreddit"] == "" {
			need("query", "Give the words to search for, a subreddit, or your private feed URL.")
		}
	case "email":
		p, err := url.Parse(u)
		if u == "" || err != nil || (p.Scheme != "imaps" && p.Scheme != "imap") || p.Host == "" {
			errs["url"] = validation.NewError("validation_invalid_url", "Give the IMAP server as imaps://mail.example.com (or imap://… with STARTTLS).")
		}
	}
	if n := r.GetInt("interval_sec"); n != 0 && n < int(minInterval.Seconds()) {
		errs["interval_sec"] = validation.NewError("validation_min", "Check at most every 30 seconds: platforms block clients that poll faster.")
	}
	if len(errs) > 0 {
		return apis.NewBadRequestError("Please check the highlighted fields.", errs)
	}
	return nil
}

// previewMention is one line of "test this source".
type previewMention struct {
	ExternalID string    `json:"external_id"`
	URL        string    `json:"url"`
	Author     string    `json:"author"`
	AuthorName string    `json:"author_name"`
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	Published  time.Time `json:"published"`
	Language   string    `json:"language"`
	Sentiment  string    `json:"sentiment"`
	Intent     string    `json:"intent"`
	Keywords   []string  `json:"keywords"`
	Would      string    `json:"would"` // ticket, logged, ignored, dropped
	Reason     string    `json:"reason"`
	// Why is Reason as a code and parameters the app translates.
	Why Failure `json:"why"`
}

// errPreviewNotConnected answers "test this source" for an account not
// connected yet: the Connect button needs a saved source to come back to.
var errPreviewNotConnected = fmt.Errorf("%w: save the source, then press Connect: the test uses the connected account", connectors.ErrConfig)

// previewCredentials are the secrets "test this source" fetches with:
// for a kind connected with OAuth, the saved source's, fresh (the form
// cannot hold a token); for the others, those stored with what the form
// typed over them (the caller adds it).
func (h *Manager) previewCredentials(ctx context.Context, app core.App, r, saved *core.Record) (map[string]string, error) {
	if !connectsWithOAuth(r) {
		return h.secrets.Open(r)
	}
	if saved == nil || saved.GetString("kind") != r.GetString("kind") {
		return nil, errPreviewNotConnected
	}
	return h.openCredentials(ctx, app, saved)
}

// handlePreview fetches a source as configured in the form — saved or not —
// and says what the pipeline would make of each mention, storing nothing.
// Secrets left blank in the form are taken from the saved source, so an
// owner can test an edit without typing the password again.
func (h *Manager) handlePreview(e *core.RequestEvent) error {
	var body struct {
		ID      string            `json:"id"`
		Kind    string            `json:"kind"`
		Name    string            `json:"name"`
		URL     string            `json:"url"`
		Query   string            `json:"query"`
		Options map[string]any    `json:"options"`
		Secrets map[string]string `json:"secrets"`
	}
	if err := e.BindBody(&body); err != nil {
		return apis.NewBadRequestError("Invalid request body.", err)
	}
	col, err := e.App.FindCachedCollectionByNameOrId("sources")
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	var saved *core.Record
	if body.ID != "" {
		if saved, err = e.App.FindRecordById("sources", body.ID); err == nil {
			r.Set("credentials", saved.Get("credentials"))
		} else {
			saved = nil
		}
	}
	r.Set("kind", body.Kind)
	r.Set("name", body.Name)
	r.Set("url", body.URL)
	r.Set("query", body.Query)
	r.Set("options", body.Options)
	if err := h.validateSource(e.App, r); err != nil {
		return err
	}
	fetcher, err := h.connectorSet(e.App).Fetcher(body.Kind)
	if err != nil {
		return apis.NewBadRequestError(web.UserMessage(err), nil)
	}
	ctx, cancel := context.WithTimeout(e.Request.Context(), 30*time.Second)
	defer cancel()
	out := map[string]any{"mentions": []previewMention{}}
	fail := func(err error) error {
		f := failureOf(err, hostOf(body.URL))
		if errors.Is(err, connectors.ErrReconnect) && saved != nil {
			if kept, ok := h.noteReconnect(saved, err); ok {
				f = kept
			}
		}
		out["error"], out["error_info"] = f.text(web.RequestLang(e)), f
		return e.JSON(http.StatusOK, out)
	}
	creds, err := h.previewCredentials(ctx, e.App, r, saved)
	if err != nil {
		if connectsWithOAuth(r) {
			return fail(err) // not connected yet, or the grant refused: the owner's to fix
		}
		return apis.NewBadRequestError(web.UserMessage(err), nil)
	}
	for k, v := range body.Secrets {
		if v != "" {
			creds[k] = v
		}
	}
	batch, ferr := fetcher.Fetch(ctx, connectorSourceWith(r, creds), connectors.Cursor{})
	if ferr != nil && !errors.Is(ferr, connectors.ErrNotModified) {
		return fail(ferr)
	}
	now := time.Now().UTC()
	bc, err := h.pipeline.Context(e.App, r, now)
	if err != nil {
		return err
	}
	list := make([]previewMention, 0, min(len(batch.Mentions), 50))
	for _, m := range batch.Mentions {
		if len(list) == 50 {
			break
		}
		if m.Repost {
			continue
		}
		n := ingest.Normalize(m, now)
		v := bc.Classify(m, n)
		list = append(list, previewMention{
			ExternalID: n.ExternalID, URL: n.URL, Author: n.Author, AuthorName: n.AuthorName, Title: n.Title, Text: records.Clip(n.Text, 500),
			Published: n.Published, Language: v.A.Lang, Sentiment: v.A.Label, Intent: v.A.Intent,
			Keywords: v.Found.Terms, Would: v.D.Action, Reason: v.D.Reason, Why: reasonOf(v.D.Reason),
		})
	}
	out["mentions"] = list
	out["total"] = len(batch.Mentions)
	return e.JSON(http.StatusOK, out)
}
