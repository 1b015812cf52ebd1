package ingest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// Context is what ingest knows of one batch's source, loaded once before
// the write: its kind, the owner's settings, keywords and rules.
type Context struct {
	Src       *core.Record
	Kind      string
	Settings  settings.Settings
	Matcher   *Matcher
	Rules     []triage.Rule
	Broad     bool // a search: mentions must name the brand themselves
	Direct    bool // addressed to the business: neutral messages still count
	FetchedAt time.Time
}

// Item is one mention of the batch, normalised and classified.
type Item struct {
	M   connectors.Mention
	N   Normalized
	V   Verdict
	Rec *core.Record // its row to store; nil for a repost or a mention known already
}

// Context loads what a batch of src needs before it is prepared.
func (h *Pipeline) Context(app core.App, src *core.Record, fetchedAt time.Time) (*Context, error) {
	p, matcher, err := h.Policy(app, src.GetString("query"))
	if err != nil {
		return nil, err
	}
	bc := &Context{Src: src, Kind: src.GetString("kind"), Settings: p.Settings, Matcher: matcher, Rules: p.Rules, FetchedAt: fetchedAt.UTC()}
	opts := records.SourceOptions(src)
	switch bc.Kind {
	case "email", "webhook":
		bc.Direct = true
	case "mastodon":
		bc.Direct = opts["mode"] == "" || opts["mode"] == connectors.MastodonModeMentions
	case "google_reviews", "facebook", "instagram":
		// The business's own profile, Page or account: a review or a
		// comment there is written to it, whether or not it names it.
		bc.Direct = true
	case "youtube":
		// The connected account's own channel; another channel or one
		// video of anyone's is a conversation about the world.
		bc.Direct = opts["channel"] == "" && opts["video"] == ""
	}
	// Searches and feeds about the world at large are not trusted alone:
	// a search for "lune" also finds the moon. The owner can say a feed is
	// entirely about the business (a review page of theirs).
	bc.Broad = !bc.Direct && opts["match"] != "any"
	return bc, nil
}

// Prepare builds the rows of the batch's new mentions before the write
// transaction: normalised, classified and filled in, spread over the
// cores. Sanitising HTML and analysing text are pure, and are most of the
// CPU a mention costs outside SQLite; the write lock is held for writing.
// Mentions the source already stored (a feed resends its last items at
// every poll) are left out first, read outside the lock: their rec stays
// nil. The transaction checks the rest again (the ticket desk's load).
func (bc *Context) Prepare(app core.App, batch []connectors.Mention) ([]Item, error) {
	items := make([]Item, len(batch))
	ids := make([]string, 0, len(batch))
	for i, m := range batch {
		items[i].M = m
		if m.Repost {
			continue
		}
		if items[i].N.ExternalID = ExternalID(m); items[i].N.ExternalID == "" {
			items[i].N = Normalize(m, bc.FetchedAt) // the id is a hash of the text
		}
		ids = append(ids, items[i].N.ExternalID)
	}
	known, err := bc.KnownIDs(app, ids)
	if err != nil {
		return nil, fmt.Errorf("known mentions: %w", err)
	}
	col, err := app.FindCachedCollectionByNameOrId("mentions")
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(batch)+15)/16) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(batch); i = int(next.Add(1) - 1) {
				it := &items[i]
				if it.M.Repost || known[it.N.ExternalID] {
					continue
				}
				cpu.prepare(func() {
					it.N = Normalize(it.M, bc.FetchedAt)
					it.V = bc.Classify(it.M, it.N)
					it.Rec = bc.mentionRow(col, it.N, it.V)
				})
			}
		})
	}
	wg.Wait()
	return items, nil
}

// KnownIDs returns which of ids the source has stored.
func (bc *Context) KnownIDs(app core.App, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	err := records.EachRow(app, "SELECT external_id FROM mentions WHERE source = {:src} AND external_id IN (%s)", dbx.Params{"src": bc.Src.Id}, ids,
		func(r dbx.NullStringMap) { known[r["external_id"].String] = true })
	return known, err
}

// mentionRow is the mention's record as far as its content decides it;
// the transaction adds its thread, contact and ticket.
func (bc *Context) mentionRow(col *core.Collection, n Normalized, v Verdict) *core.Record {
	rec := core.NewRecord(col)
	n.Fill(rec, bc)
	rec.Set("keywords", v.Found.Terms)
	rec.Set("language", v.A.Lang)
	rec.Set("sentiment", v.A.Score)
	rec.Set("sentiment_label", v.A.Label)
	rec.Set("intent", v.A.Intent)
	rec.Set("triage", v.D.Action)
	rec.Set("triage_reason", records.Clip(v.D.Reason, 300))
	return rec
}

// Verdict is what the pipeline makes of a mention's content, before it
// looks at tickets: shared by ingest and the "test this source" preview.
type Verdict struct {
	A     Analysis
	Found Match
	D     triage.Decision // Action is ticket, logged, ignored or dropped
	Early string          // set when decided before triage: own, automated, dropped
}

const (
	EarlyOwn       = "own"
	EarlyAutomated = "automated"
	EarlyDropped   = "dropped"
)

// Classify decides what a mention's content deserves, before tickets.
func (bc *Context) Classify(m connectors.Mention, n Normalized) Verdict {
	matchText := n.Title + "\n" + n.Text
	v := Verdict{A: Analyze(matchText, m.Lang, m.Meta)}
	v.Found = bc.Matcher.Match(matchText, v.A.Lang)
	switch {
	case m.Own:
		v.Early, v.D = EarlyOwn, triage.Decision{Action: triage.Ignored, Reason: "our own post"}
	case automatedMail(m.Meta):
		v.Early, v.D = EarlyAutomated, triage.Decision{Action: triage.Ignored, Reason: "automated mail"}
	case bc.Broad && !m.Direct && !v.Found.Brand:
		reason := "no brand keyword"
		if v.Found.Excluded != "" {
			reason = "excluded: " + v.Found.Excluded
		}
		v.Early, v.D = EarlyDropped, triage.Decision{Action: "dropped", Reason: reason}
	default:
		v.D = triage.Decide(triage.Input{
			SourceKind: bc.Kind, Author: n.Author + " " + n.AuthorName, Text: matchText,
			Sentiment: v.A.Label, Intent: v.A.Intent, Keywords: v.Found.Terms,
			Direct: bc.Direct || m.Direct, ThankPraise: bc.Settings.ThankPraise,
		}, bc.Rules)
	}
	return v
}

// automatedMail tells newsletters, bounces and auto-replies (RFC 3834
// Auto-Submitted, Precedence, List-Id) from people: answering a robot
// opens a loop, and they would flood the inbox.
func automatedMail(meta map[string]string) bool {
	if as := strings.ToLower(meta["auto_submitted"]); as != "" && as != "no" {
		return true
	}
	switch strings.ToLower(meta["precedence"]) {
	case "bulk", "list", "junk", "auto_reply":
		return true
	}
	return meta["list_id"] != ""
}
