package connectors

// The feed connector's discovery: the feeds an HTML page links to, for an
// owner who pastes a site's address instead of its feed's.

import (
	"bytes"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

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
