// Package normalize turns what a connector fetched (HTML or plain text from
// any platform, possibly hostile, possibly huge, possibly not UTF-8) into the
// two forms the ingest pipeline stores: sanitised HTML for display and plain
// text for matching, analysis, search and dedupe. It has no PocketBase import.
package normalize

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Size caps. A mention is a post, not a book: anything past these is noise
// or an attack, and the caps keep one row bounded in the database and in the
// SPA.
const (
	MaxTextRunes = 20000     // plain text kept, in runes
	MaxHTMLBytes = 100 << 10 // raw HTML fed to the sanitiser, in bytes
	// maxParseBytes bounds the input we tokenise for the plain text: larger
	// than MaxHTMLBytes because markup inflates text several times, small
	// enough that a 5 MiB body cannot cost much CPU.
	maxParseBytes = 1 << 20
)

// policy is built once: bluemonday policies are safe for concurrent use
// after construction.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// A relative link in a mention would resolve against our own origin and
	// point an agent's logged-in browser at our API; posts only ever link out.
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// Also adds rel="noopener", so the opened page cannot reach window.opener.
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// HTML returns the sanitised HTML of raw for display and its plain text.
// raw may be any bytes: invalid UTF-8 is replaced, control characters are
// dropped, the HTML is cut to MaxHTMLBytes (never inside a tag, tags left
// open are closed) and then sanitised, so the result never carries script,
// styles, frames, event handlers or javascript:/data: URLs.
func HTML(raw string) (safeHTML, text string) {
	raw = cleanRunes(capBytes(raw, maxParseBytes))
	if strings.TrimSpace(raw) == "" {
		return "", ""
	}
	nodes, ok := parseFragment(raw)
	if ok {
		text = extractText(nodes)
	} else {
		text = tokenText(raw)
	}
	text = capRunes(collapse(text), MaxTextRunes)

	cut := capBytes(raw, MaxHTMLBytes)
	if len(cut) < len(raw) {
		cut = dropPartialTag(cut)
		nodes, ok = parseFragment(cut)
	}
	if !ok {
		// Markup a browser would not build a tree for is shown as its text.
		return "<p>" + html.EscapeString(capBytes(text, MaxHTMLBytes)) + "</p>", text
	}
	// Rendering the parsed tree first balances the markup (the parser closes
	// what the cut left open) and resolves the parser's own recoveries, so
	// the sanitiser sees exactly what a browser would build; sanitising is the
	// last step, so nothing after it can reintroduce markup.
	imagesToLinks(nodes)
	var buf bytes.Buffer
	for _, n := range nodes {
		if err := html.Render(&buf, n); err != nil {
			// Render only fails on writer errors; a bytes.Buffer has none.
			break
		}
	}
	safeHTML = strings.TrimSpace(policy.Sanitize(buf.String()))
	return safeHTML, text
}

// Text cleans a plain-text input: valid UTF-8, no control characters,
// whitespace collapsed (paragraph breaks kept), capped at MaxTextRunes.
// Markup in it is left as literal text: whoever displays it must escape it.
func Text(s string) string {
	return capRunes(collapse(cleanRunes(capBytes(s, maxParseBytes))), MaxTextRunes)
}

var (
	urlRe     = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
	mentionRe = regexp.MustCompile(`@[\pL\pN_.]+(?:@[\pL\pN_.-]+)?`)
)

// ContentHash identifies the same words posted twice: the text is folded,
// URLs (shorteners differ per platform) and @mentions (handles differ per
// platform) are removed, and only letters and digits separated by single
// spaces are hashed. It returns "" when nothing is left, so empty or
// link-only posts never collide with each other as duplicates.
func ContentHash(text string) string {
	t := text
	// The regexps are most of the cost, and most posts have neither.
	if mayHaveURL(t) {
		t = urlRe.ReplaceAllString(t, " ")
	}
	if strings.Contains(t, "@") {
		t = mentionRe.ReplaceAllString(t, " ")
	}
	t = Fold(t)
	var b strings.Builder
	b.Grow(len(t))
	space := false
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	if b.Len() == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// mayHaveURL is true when urlRe could match s: it has "://" or "www."
// in any case.
func mayHaveURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	for i := 0; i+4 <= len(s); i++ {
		if s[i]|0x20 == 'w' && strings.EqualFold(s[i:i+4], "www.") {
			return true
		}
	}
	return false
}

// capBytes cuts s to at most n bytes on a rune boundary.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// capRunes cuts s to at most n runes.
func capRunes(s string, n int) string {
	if len(s) <= n { // bytes >= runes, so this is a cheap sufficient test
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// dropPartialTag removes a tag (or comment) that the byte cut split open,
// so "<a href=\"javascr" never reaches the parser as text or as a tag.
func dropPartialTag(s string) string {
	lt := strings.LastIndexByte(s, '<')
	if lt >= 0 && lt > strings.LastIndexByte(s, '>') {
		return s[:lt]
	}
	return s
}

// cleanRunes makes s valid UTF-8 and removes control and format characters
// that have no business in a post (NUL, escape sequences, bidi overrides
// used to disguise text), keeping newlines and tabs, and the zero-width
// joiner that emoji sequences need.
func cleanRunes(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := true
	for _, r := range s {
		if dropRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if dropRune(r) {
			return -1
		}
		return r
	}, s)
}

func dropRune(r rune) bool {
	switch r {
	case '\n', '\t', '\u200d', '\ufe0f':
		return false
	case '\r', '\f', '\v':
		return false // whitespace, collapsed later
	}
	if unicode.IsControl(r) {
		return true
	}
	// Bidi embedding/override/isolate controls (Trojan Source style tricks).
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// parseFragment builds the tree a browser would build for s. ok is false
// when the parser gave up (it refuses absurdly deep nesting); callers then
// fall back to the tokenizer.
func parseFragment(s string) (nodes []*html.Node, ok bool) {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	return nodes, err == nil
}

// tokenText extracts text with the tokenizer alone, for input the tree
// builder rejected. Raw-text elements (script, style) are skipped whole.
func tokenText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); skipped[a] {
				skip++
			} else if blocks[a] {
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); skipped[a] && skip > 0 {
				skip--
			} else if blocks[a] {
				b.WriteByte('\n')
			}
		}
	}
}

// skipped elements contribute no text: code and metadata, not words.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Svg: true, atom.Math: true, atom.Select: true, atom.Textarea: true,
	atom.Title: true,
}

// blocks start and end on their own line in the text.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Tr: true, atom.Table: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Hr: true, atom.Dd: true,
	atom.Dt: true, atom.Dl: true, atom.Figure: true, atom.Figcaption: true,
	atom.Aside: true, atom.Nav: true, atom.Main: true, atom.Address: true,
	atom.Details: true, atom.Summary: true,
}

// paragraphs are separated by a blank line, other blocks by a line break.
var paragraphs = map[atom.Atom]bool{
	atom.P: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Ul: true, atom.Ol: true,
}

func extractText(nodes []*html.Node) string {
	var b strings.Builder
	// pending holds the line breaks owed before the next text, so nested or
	// adjacent blocks give one break, not one per tag.
	pending := 0
	need := func(n int) {
		if n > pending {
			pending = n
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			// Entities are already decoded by the parser.
			if pending > 0 && strings.TrimSpace(n.Data) == "" {
				return
			}
			if pending > 0 && b.Len() > 0 {
				b.WriteString("\n\n"[:pending])
			}
			pending = 0
			b.WriteString(n.Data)
			return
		case html.CommentNode, html.DoctypeNode:
			return
		case html.ElementNode:
			if skipped[n.DataAtom] {
				return
			}
			if n.DataAtom == atom.Br {
				pending = min(pending+1, 2)
				return
			}
		}
		brk := 0
		if n.Type == html.ElementNode && blocks[n.DataAtom] {
			brk = 1
			if paragraphs[n.DataAtom] {
				brk = 2
			}
		}
		need(brk)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		need(brk)
	}
	for _, n := range nodes {
		walk(n)
	}
	return b.String()
}

// collapse squeezes runs of spaces into one space, trims every line, and
// keeps at most one blank line between paragraphs.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	newlines, space := 0, false
	for _, r := range s {
		if r == '\n' {
			newlines++
			space = false
			continue
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if b.Len() > 0 {
			switch {
			case newlines >= 2:
				b.WriteString("\n\n")
			case newlines == 1:
				b.WriteByte('\n')
			case space:
				b.WriteByte(' ')
			}
		}
		newlines, space = 0, false
		b.WriteRune(r)
	}
	return b.String()
}
