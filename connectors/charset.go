package connectors

// Charsets: whatever a feed declares or sends, the parser reads UTF-8.

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

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
