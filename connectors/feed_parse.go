package connectors

// The feed connector's parsing: RSS, Atom and JSON Feed into mentions,
// with links resolved, Google Alerts unwrapped and text made plain.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gojson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
)

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
