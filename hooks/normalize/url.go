package normalize

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// URL returns raw when it is a real http(s) URL with a host, of sane
// length and valid UTF-8, and "" otherwise: what a platform calls a link
// is stored and shown only if it is one.
func URL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 2000 || !utf8.ValidString(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
