package connectors

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gojson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// feedAccept is what we tell servers we can read, feeds first; the last
// entry keeps servers that only know */* happy.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// maxCacheFloor caps what Cache-Control, Expires or <ttl> can ask for: a
// feed that says "max-age=31536000" must not go quiet for a year.
const maxCacheFloor = 24 * time.Hour

// Feed fetches RSS 0.9x/1.0/2.0, Atom and JSON Feed documents, including
// Google Alerts feeds. Source.URL is the feed; optional Secrets "username"
// and "password" are sent as HTTP basic auth (private feeds).
type Feed struct {
	cfg Config
}

// NewFeed returns a feed fetcher using cfg's client, clock and body cap.
func NewFeed(cfg Config) *Feed { return &Feed{cfg: cfg} }

// Fetch polls src.URL with a conditional GET.
//
// Convention for "nothing new": Fetch returns ErrNotModified together with a
// Batch whose Cursor carries the validators to store (a 304 may send a new
// Last-Modified, RFC 9111 §4.3.4) and whose NextCheck honours the cache
// headers. Callers should save Batch.Cursor and Batch.NextCheck before
// treating ErrNotModified as success. On every other error the Batch is
// empty except for NextCheck, and the stored cursor must be kept.
//
// Mentions come in feed order. ExternalID is the item's GUID (Atom id),
// else its link, else a hash of title and date; Published is the item's
// published date, else its updated date, else zero, and never later than
// now. Batch.Hub and Batch.Topic are set when the feed advertises a WebSub
// hub (Link headers first, then the document).
func (f *Feed) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	if strings.TrimSpace(src.URL) == "" {
		return Batch{}, fmt.Errorf("%w: the feed URL is empty", ErrConfig)
	}
	user, pass := src.Secrets["username"], src.Secrets["password"]
	setup := func(req *http.Request) {
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
	}
	b, _, err := fetchFeed(ctx, f.cfg, strings.TrimSpace(src.URL), cur, setup, f.cfg.statusError)
	return b, err
}

// ParseBody parses a feed document that arrived without a poll (a WebSub
// push) through the same code as Fetch. baseURL resolves relative links;
// pass the topic URL.
func (f *Feed) ParseBody(body []byte, contentType, baseURL string) ([]Mention, error) {
	if int64(len(body)) > f.cfg.maxBody() {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.cfg.maxBody())
	}
	p, err := parseFeed(body, contentType, baseURL, f.cfg.now())
	if err != nil {
		return nil, err
	}
	return p.mentions, nil
}

// parsedFeed is a document reduced to what the connectors use.
type parsedFeed struct {
	title    string
	mentions []Mention
	// categories[i] holds the categories of mentions[i] (Reddit puts the
	// subreddit there).
	categories [][]string
	hub, self  string
	ttl        time.Duration
}

// fetchFeed is the HTTP half shared by the feed-based connectors: a
// conditional GET, status mapping through statusErr, the body cap, cache
// headers and parsing. It returns the parsed document too, so connectors can
// post-process the mentions.
func fetchFeed(ctx context.Context, cfg Config, rawURL string, cur Cursor, setup func(*http.Request), statusErr func(*http.Response) error) (Batch, *parsedFeed, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Batch{}, nil, fmt.Errorf("%w: the feed URL cannot be used: %v", ErrConfig, redactURLError(err))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return Batch{}, nil, fmt.Errorf("%w: only http and https feed URLs are allowed", ErrConfig)
	}
	req.Header.Set("Accept", feedAccept)
	if cur.ETag != "" {
		req.Header.Set("If-None-Match", cur.ETag)
	}
	if cur.LastModified != "" {
		req.Header.Set("If-Modified-Since", cur.LastModified)
	}
	if setup != nil {
		setup(req)
	}
	resp, err := cfg.do(req)
	if err != nil {
		return Batch{}, nil, transportError(rawURL, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, never a lot.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()

	now := cfg.now()
	base := rawURL
	if resp.Request != nil && resp.Request.URL != nil {
		base = resp.Request.URL.String() // after redirects
	}
	baseURL, _ := url.Parse(base)
	batch := Batch{Cursor: nextValidators(cur, resp.Header), MovedTo: movedTo(rawURL, resp)}
	if floor := cacheFloor(resp.Header, now); floor > 0 {
		batch.NextCheck = now.Add(floor)
	}
	if hub, self := linkHeaderHub(resp.Header); hub != "" {
		batch.Hub, batch.Topic = resolveLink(baseURL, hub), resolveLink(baseURL, self)
	}

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return batch, nil, ErrNotModified
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err := statusErr(resp)
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			return Batch{NextCheck: now.Add(rl.RetryAfter)}, nil, err
		}
		return Batch{}, nil, err
	}
	if unchanged(cur, resp.Header) {
		return batch, nil, ErrNotModified
	}

	body, err := cfg.readBody(resp)
	if err != nil {
		return Batch{}, nil, err
	}
	p, err := parseFeed(body, resp.Header.Get("Content-Type"), base, now)
	if err != nil {
		return Batch{}, nil, err
	}
	batch.Mentions = p.mentions
	if batch.Hub == "" && p.hub != "" {
		batch.Hub = p.hub
	}
	if batch.Hub != "" && batch.Topic == "" {
		batch.Topic = p.self
		if batch.Topic == "" {
			batch.Topic = base
		}
	}
	if p.ttl > 0 {
		ttl := min(p.ttl, maxCacheFloor)
		if t := now.Add(ttl); t.After(batch.NextCheck) {
			batch.NextCheck = t
		}
	}
	return batch, p, nil
}

// movedTo is where a chain of redirects led when every hop was permanent
// (301, 308), "" otherwise. A feed that moved for good is then polled at
// its new address, as Miniflux does, instead of paying the redirect at
// every poll until the old one stops answering; a temporary redirect (302,
// 307) leaves the address the owner typed.
func movedTo(original string, resp *http.Response) string {
	req := resp.Request
	if req == nil || req.Response == nil || req.URL == nil {
		return "" // not redirected
	}
	for r := req; r.Response != nil; r = r.Response.Request {
		switch r.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
		default:
			return ""
		}
		if r.Response.Request == nil {
			return ""
		}
	}
	if final := req.URL.String(); final != original {
		return final
	}
	return ""
}

// transportError turns a client error into ours without the URL's query:
// private feed URLs (Reddit, Google Alerts) carry tokens there, and this
// message is stored on the source and logged.
func transportError(rawURL string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("connectors: fetching %s: timed out: %w", redactURL(rawURL), ue.Err)
		}
		return fmt.Errorf("connectors: fetching %s: %w", redactURL(rawURL), ue.Err)
	}
	return fmt.Errorf("connectors: fetching %s: %w", redactURL(rawURL), err)
}

func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL keeps scheme, host and path: enough for the owner to recognise
// the source, nothing that could be a credential.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable URL)"
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	s := out.String()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// nextValidators returns the cursor to store after a response. As in
// miniflux, "Expires: 0" means the server's validators are not to be
// trusted, so they are dropped.
func nextValidators(cur Cursor, h http.Header) Cursor {
	next := cur
	if strings.TrimSpace(h.Get("Expires")) == "0" {
		next.ETag, next.LastModified = "", ""
		return next
	}
	if v := h.Get("ETag"); v != "" {
		next.ETag = v
	}
	if v := h.Get("Last-Modified"); v != "" {
		next.LastModified = v
	}
	return next
}

// unchanged applies miniflux's rule to a 200: a server that ignores
// conditional requests but sends the same ETag (or, without an ETag, the
// same Last-Modified) has nothing new.
func unchanged(cur Cursor, h http.Header) bool {
	if strings.TrimSpace(h.Get("Expires")) == "0" {
		return false
	}
	if etag := h.Get("ETag"); etag != "" {
		return cur.ETag != "" && etag == cur.ETag
	}
	if lm := h.Get("Last-Modified"); lm != "" {
		return cur.LastModified != "" && lm == cur.LastModified
	}
	return false
}

// cacheFloor reads Cache-Control max-age and Expires; the larger wins,
// capped at maxCacheFloor.
func cacheFloor(h http.Header, now time.Time) time.Duration {
	var floor time.Duration
	noCache := false
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			switch {
			case d == "no-cache" || d == "no-store":
				noCache = true
			case strings.HasPrefix(d, "max-age="):
				if n, err := strconv.Atoi(strings.Trim(d[len("max-age="):], `"`)); err == nil && n > 0 {
					floor = max(floor, time.Duration(n)*time.Second)
				}
			}
		}
	}
	if noCache {
		return 0
	}
	if exp := h.Get("Expires"); exp != "" && exp != "0" {
		if t, err := http.ParseTime(exp); err == nil {
			if d := t.Sub(now); d > 0 {
				// miniflux rounds up to the minute; so do we, it keeps
				// schedules tidy.
				floor = max(floor, d.Truncate(time.Minute)+time.Minute)
			}
		}
	}
	return min(floor, maxCacheFloor)
}

// linkHeaderHub reads WebSub discovery from RFC 8288 Link headers.
func linkHeaderHub(h http.Header) (hub, self string) {
	for _, l := range parseLinkHeader(h.Values("Link")) {
		for _, rel := range strings.Fields(strings.ToLower(l.rel)) {
			switch rel {
			case "hub":
				if hub == "" {
					hub = l.href
				}
			case "self":
				if self == "" {
					self = l.href
				}
			}
		}
	}
	if hub == "" {
		return "", ""
	}
	return hub, self
}

type linkValue struct{ href, rel string }

// parseLinkHeader reads `<url>; rel="a b", <url2>; rel=c`. It tolerates
// commas inside the URL and quoted parameters.
func parseLinkHeader(values []string) []linkValue {
	var out []linkValue
	for _, v := range values {
		for len(v) > 0 {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			lv := linkValue{href: strings.TrimSpace(v[start+1 : start+end])}
			v = v[start+end+1:]
			// Parameters run to the next comma outside quotes.
			i, inQuote := 0, false
			for ; i < len(v); i++ {
				c := v[i]
				if c == '"' {
					inQuote = !inQuote
				} else if c == ',' && !inQuote {
					break
				}
			}
			params := v[:i]
			if i < len(v) {
				v = v[i+1:]
			} else {
				v = ""
			}
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
					lv.rel = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			out = append(out, lv)
		}
	}
	return out
}

// errWebPage marks an HTML page where a feed was expected: a wrong URL, a
// login wall, or a block page served with status 200.
var errWebPage = errors.New("the address serves a web page, not an RSS, Atom or JSON feed")

// parseFeed decodes body into mentions. Errors wrap ErrBadFeed.
func parseFeed(body []byte, contentType, baseURL string, now time.Time) (p *parsedFeed, err error) {
	// A parser bug must not take the poller down with it.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: parser failure: %v", ErrBadFeed, r)
		}
	}()
	body = toUTF8(body, contentType)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: the response is empty", ErrBadFeed)
	}

	var (
		uf    *gofeed.Feed
		extra feedExtras
	)
	switch gofeed.DetectFeedType(bytes.NewReader(body)) {
	case gofeed.FeedTypeAtom:
		af, perr := (&atom.Parser{}).Parse(bytes.NewReader(body))
		if perr != nil {
			return nil, fmt.Errorf("%w: atom: %v", ErrBadFeed, perr)
		}
		if uf, err = (&gofeed.DefaultAtomTranslator{}).Translate(af); err != nil {
			return nil, fmt.Errorf("%w: atom: %v", ErrBadFeed, err)
		}
		extra = atomExtras(af)
	case gofeed.FeedTypeRSS:
		rf, perr := (&rss.Parser{}).Parse(bytes.NewReader(body))
		if perr != nil {
			return nil, fmt.Errorf("%w: rss: %v", ErrBadFeed, perr)
		}
		if uf, err = (&gofeed.DefaultRSSTranslator{}).Translate(rf); err != nil {
			return nil, fmt.Errorf("%w: rss: %v", ErrBadFeed, err)
		}
		extra = rssExtras(rf)
	case gofeed.FeedTypeJSON:
		body, err = normalizeJSONFeed(body)
		if err != nil {
			return nil, err
		}
		jf, perr := (&gojson.Parser{}).Parse(bytes.NewReader(body))
		if perr != nil {
			return nil, fmt.Errorf("%w: json feed: %v", ErrBadFeed, perr)
		}
		if uf, err = (&gofeed.DefaultJSONTranslator{}).Translate(jf); err != nil {
			return nil, fmt.Errorf("%w: json feed: %v", ErrBadFeed, err)
		}
		extra = jsonExtras(jf, body)
	default:
		if looksLikeHTML(trimmed) {
			base, _ := url.Parse(baseURL)
			if alt := discoverFeedLinks(trimmed, base); len(alt) > 0 {
				return nil, fmt.Errorf("%w: %w; the page links to a feed at %s", ErrBadFeed, errWebPage, redactURL(alt[0]))
			}
			return nil, fmt.Errorf("%w: %w", ErrBadFeed, errWebPage)
		}
		return nil, fmt.Errorf("%w: not an RSS, Atom or JSON feed", ErrBadFeed)
	}

	base, _ := url.Parse(baseURL)
	p = &parsedFeed{title: plainText(uf.Title), hub: extra.hub, self: extra.self, ttl: extra.ttl}
	if p.hub != "" {
		p.hub = resolveLink(base, p.hub)
		p.self = resolveLink(base, p.self)
	}
	// Relative item links are relative to the site, as readers treat them;
	// the feed's own URL is the fallback.
	itemBase := base
	if su, err := url.Parse(strings.TrimSpace(uf.Link)); err == nil && uf.Link != "" {
		if base != nil {
			su = base.ResolveReference(su)
		}
		if (su.Scheme == "http" || su.Scheme == "https") && su.Host != "" {
			itemBase = su
		}
	}
	// Some feeds repeat a GUID; one batch must not hold two mentions with
	// the same id (the store's unique key would refuse the whole batch).
	seen := map[string]bool{}
	for i, it := range uf.Items {
		if it == nil {
			continue
		}
		var ix itemExtras
		if i < len(extra.items) {
			ix = extra.items[i]
		}
		m, ok := itemMention(it, ix, itemBase, now)
		if !ok || seen[m.ExternalID] {
			continue
		}
		seen[m.ExternalID] = true
		m.Lang = normLang(uf.Language)
		if p.title != "" {
			m.Meta = map[string]string{"feed_title": p.title}
		}
		p.mentions = append(p.mentions, m)
		p.categories = append(p.categories, it.Categories)
	}
	return p, nil
}

// feedExtras is what the universal gofeed model drops but we need.
type feedExtras struct {
	hub, self string
	ttl       time.Duration
	items     []itemExtras
}

type itemExtras struct {
	authorURL string
	text      string // plain-text body (JSON Feed content_text)
	htmlBody  bool   // Content holds HTML, not text
}

func atomExtras(af *atom.Feed) feedExtras {
	var fx feedExtras
	for _, l := range af.Links {
		if l == nil {
			continue
		}
		switch strings.ToLower(l.Rel) {
		case "hub":
			if fx.hub == "" {
				fx.hub = l.Href
			}
		case "self":
			if fx.self == "" {
				fx.self = l.Href
			}
		}
	}
	for _, e := range af.Entries {
		var ix itemExtras
		if e != nil {
			for _, a := range e.Authors {
				if a != nil && a.URI != "" {
					ix.authorURL = a.URI
					break
				}
			}
		}
		fx.items = append(fx.items, ix)
	}
	return fx
}

func rssExtras(rf *rss.Feed) feedExtras {
	var fx feedExtras
	for _, l := range rf.Extensions["atom"]["link"] {
		switch strings.ToLower(l.Attrs["rel"]) {
		case "hub":
			if fx.hub == "" {
				fx.hub = l.Attrs["href"]
			}
		case "self":
			if fx.self == "" {
				fx.self = l.Attrs["href"]
			}
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(rf.TTL)); err == nil && n > 0 {
		fx.ttl = time.Duration(n) * time.Minute
	}
	fx.items = make([]itemExtras, len(rf.Items))
	return fx
}

// jsonExtras reads what gofeed's JSON model lacks: hubs (a TODO there) and
// whether an item's content is text or HTML.
func jsonExtras(jf *gojson.Feed, body []byte) feedExtras {
	var fx feedExtras
	var raw struct {
		FeedURL string `json:"feed_url"`
		Hubs    []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
	}
	if json.Unmarshal(body, &raw) == nil {
		for _, h := range raw.Hubs {
			if h.URL != "" && (h.Type == "" || strings.EqualFold(h.Type, "WebSub") || strings.EqualFold(h.Type, "PubSubHubbub")) {
				fx.hub = h.URL
				fx.self = raw.FeedURL
				break
			}
		}
	}
	for _, it := range jf.Items {
		var ix itemExtras
		if it != nil {
			if it.ContentHTML == "" && it.ContentText != "" {
				ix.text = it.ContentText
			}
			if it.Author != nil && it.Author.URL != "" {
				ix.authorURL = it.Author.URL
			}
			for _, a := range it.Authors {
				if ix.authorURL == "" && a != nil && a.URL != "" {
					ix.authorURL = a.URL
				}
			}
		}
		fx.items = append(fx.items, ix)
	}
	return fx
}

// normalizeJSONFeed refuses JSON that is not a JSON Feed and coerces
// numeric item ids to strings, as the spec asks readers to (gofeed
// rejects them).
func normalizeJSONFeed(body []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: json feed: %v", ErrBadFeed, err)
	}
	var version string
	_ = json.Unmarshal(doc["version"], &version)
	rawItems, hasItems := doc["items"]
	if !strings.Contains(version, "jsonfeed.org") && !hasItems {
		return nil, fmt.Errorf("%w: JSON without a JSON Feed version or items", ErrBadFeed)
	}
	if !hasItems {
		return body, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(rawItems, &items); err != nil {
		return nil, fmt.Errorf("%w: json feed: items must be an array of objects", ErrBadFeed)
	}
	changed := false
	for _, it := range items {
		id := bytes.TrimSpace(it["id"])
		if len(id) > 0 && (id[0] == '-' || (id[0] >= '0' && id[0] <= '9')) {
			it["id"], _ = json.Marshal(string(id))
			changed = true
		}
	}
	if !changed {
		return body, nil
	}
	doc["items"], _ = json.Marshal(items)
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: json feed: %v", ErrBadFeed, err)
	}
	return out, nil
}

// itemMention maps one item; ok is false for items with nothing to show.
func itemMention(it *gofeed.Item, ix itemExtras, base *url.URL, now time.Time) (Mention, bool) {
	link := it.Link
	if link == "" {
		for _, l := range it.Links {
			if l != "" {
				link = l
				break
			}
		}
	}
	link = safeLink(unwrapGoogleURL(resolveLink(base, strings.TrimSpace(link))))

	m := Mention{
		URL:       link,
		Title:     plainText(it.Title),
		AuthorURL: safeLink(resolveLink(base, ix.authorURL)),
	}
	if ix.text != "" {
		m.Text = ix.text
	} else if it.Content != "" {
		m.HTML = it.Content
	} else {
		m.HTML = it.Description
	}
	if strings.TrimSpace(m.HTML) == "" {
		m.HTML = ""
	}

	person := it.Author
	if person == nil || (person.Name == "" && person.Email == "") {
		for _, a := range it.Authors {
			if a != nil && (a.Name != "" || a.Email != "") {
				person = a
				break
			}
		}
	}
	if person != nil {
		m.AuthorName = strings.TrimSpace(person.Name)
		m.Author = strings.TrimSpace(person.Email)
		if m.Author == "" {
			m.Author = m.AuthorName
		}
	}

	switch {
	case it.PublishedParsed != nil:
		m.Published = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		m.Published = it.UpdatedParsed.UTC()
	}
	if m.Published.After(now) {
		// A clock in the future (bad timezone, scheduled post) would sort
		// the mention above everything and break response times.
		m.Published = now.UTC()
	}
	if m.Published.Year() < 1990 {
		m.Published = time.Time{} // epoch placeholders are not dates
	}

	if m.Title == "" && m.HTML == "" && m.Text == "" && m.URL == "" {
		return Mention{}, false
	}

	switch {
	case strings.TrimSpace(it.GUID) != "":
		m.ExternalID = strings.TrimSpace(it.GUID)
	case m.URL != "":
		m.ExternalID = m.URL
	default:
		sum := sha256.New()
		date := it.Published
		if date == "" {
			date = it.Updated
		}
		io.WriteString(sum, m.Title)
		sum.Write([]byte{0})
		io.WriteString(sum, date)
		if m.Title == "" && date == "" {
			sum.Write([]byte{0})
			io.WriteString(sum, m.HTML+m.Text)
		}
		m.ExternalID = "sha256:" + hex.EncodeToString(sum.Sum(nil))
	}
	return m, true
}

func resolveLink(base *url.URL, link string) string {
	if link == "" || base == nil {
		return link
	}
	u, err := url.Parse(link)
	if err != nil || u.IsAbs() {
		return link
	}
	return base.ResolveReference(u).String()
}

// safeLink drops links that are not http(s): a javascript: link in a feed
// must never become a clickable URL in the inbox.
func safeLink(link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return link
}

var googleHost = regexp.MustCompile(`^(www\.)?google(\.[a-z]{2,3}){1,2}$`)

// unwrapGoogleURL turns Google Alerts' tracking redirect
// (https://www.google.com/url?rct=j&sa=t&url=<real>&ct=ga&...) into the
// real article URL, so the owner opens the article and dedupe sees the same
// URL whichever alert found it.
func unwrapGoogleURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Path != "/url" || !googleHost.MatchString(strings.ToLower(u.Hostname())) {
		return link
	}
	q := u.Query()
	target := q.Get("url")
	if target == "" {
		target = q.Get("q")
	}
	t, err := url.Parse(target)
	if err != nil || (t.Scheme != "http" && t.Scheme != "https") || t.Host == "" {
		return link
	}
	return target
}

// plainText strips markup from fields that are meant to be text but often
// carry HTML (Google Alerts titles have <b> around the matched words) and
// decodes entities.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "div", "li":
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li":
				b.WriteByte(' ')
			}
		}
	}
}

// normLang keeps the primary subtag of a feed's language ("fr-FR" → "fr").
func normLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	if len(l) < 2 || len(l) > 3 {
		return ""
	}
	return l
}

// discoverFeedLinks returns the feeds an HTML page advertises with
// <link rel="alternate" type="application/rss+xml" href="...">, so an owner
// who pasted the site's address is told where its feed is.
func discoverFeedLinks(page []byte, base *url.URL) []string {
	var out []string
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "body" {
				return out
			}
			if string(name) != "link" || !hasAttr {
				continue
			}
			var rel, typ, href string
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "rel":
					rel = strings.ToLower(string(v))
				case "type":
					typ = strings.ToLower(strings.TrimSpace(string(v)))
				case "href":
					href = strings.TrimSpace(string(v))
				}
				if !more {
					break
				}
			}
			if !slices.Contains(strings.Fields(rel), "alternate") || href == "" {
				continue
			}
			switch typ {
			case "application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml":
				if link := safeLink(resolveLink(base, href)); link != "" {
					out = append(out, link)
				}
			}
		}
	}
}

func looksLikeHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		(strings.HasPrefix(head, "<!--") && strings.Contains(head, "<html"))
}

var xmlEncodingAttr = regexp.MustCompile(`\sencoding\s*=\s*["']([^"']*)["']`)

// toUTF8 returns body as UTF-8 with any XML encoding declaration removed,
// so the XML parser never converts twice. The rules, from what feeds do in
// the wild rather than what they declare: bytes that are valid UTF-8 are
// UTF-8 (many feeds declare ISO-8859-1 and send UTF-8); otherwise the XML
// declaration names the charset, then the Content-Type header, then
// windows-1252 (the WHATWG reading of ISO-8859-1, and the usual culprit).
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		if out, err := dec.Bytes(body); err == nil {
			body = out
		}
	}
	first := bytes.TrimLeft(body[:min(len(body), 64)], " \t\r\n")
	if len(first) > 0 && (first[0] == '{' || first[0] == '[') {
		if !utf8.Valid(body) {
			return bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
		return body // JSON Feed is UTF-8 by definition
	}

	declared, declStart, declEnd := xmlDeclEncoding(body)
	if utf8.Valid(body) {
		return cutSpan(body, declStart, declEnd)
	}
	label := ""
	for _, l := range []string{declared, contentTypeCharset(contentType)} {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			label = l
			break
		}
	}
	if (label == "" || label == "utf-8" || label == "utf8") && mostlyUTF8(body) {
		// A UTF-8 feed with a few broken bytes (a bad copy-paste, a cut
		// multi-byte character): replace those bytes only. Decoding it
		// all as windows-1252 would garble every accent ("crÃ¨me").
		return cutSpan(bytes.ToValidUTF8(body, []byte("\uFFFD")), declStart, declEnd)
	}
	if label == "utf-8" || label == "utf8" {
		label = "" // declared UTF-8 but single high bytes: windows-1252
	}
	enc := charmap.Windows1252.NewDecoder()
	if label != "" {
		if e, err := htmlindex.Get(label); err == nil {
			enc = e.NewDecoder()
		}
	}
	out, err := enc.Bytes(body)
	if err != nil || !utf8.Valid(out) {
		out = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	_, s, e := xmlDeclEncoding(out)
	return cutSpan(out, s, e)
}

// mostlyUTF8 reports whether invalid b holds well-formed multi-byte UTF-8
// sequences, and more of them than stray bytes: text written as UTF-8 and
// damaged, rather than a single-byte charset (whose accented letters are
// lone high bytes that never form a valid sequence).
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			invalid++
		case size > 1:
			valid++
		}
		b = b[size:]
	}
	return valid > 0 && valid >= invalid
}

func cutSpan(b []byte, start, end int) []byte {
	if start >= end {
		return b
	}
	out := make([]byte, 0, len(b)-(end-start))
	out = append(out, b[:start]...)
	return append(out, b[end:]...)
}

// xmlDeclEncoding finds encoding="..." in a leading <?xml ...?> declaration.
func xmlDeclEncoding(b []byte) (label string, start, end int) {
	off := len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	if !bytes.HasPrefix(b[off:], []byte("<?xml")) {
		return "", 0, 0
	}
	stop := bytes.Index(b[off:min(len(b), off+512)], []byte("?>"))
	if stop < 0 {
		return "", 0, 0
	}
	decl := b[off : off+stop]
	loc := xmlEncodingAttr.FindSubmatchIndex(decl)
	if loc == nil {
		return "", 0, 0
	}
	return string(decl[loc[2]:loc[3]]), off + loc[0], off + loc[1]
}

func contentTypeCharset(ct string) string {
	if ct == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return params["charset"]
}
