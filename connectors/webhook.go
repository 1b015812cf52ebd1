package connectors

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Inbound webhooks let anything that can send an HTTP POST (Zapier, n8n,
// IFTTT, a cron script) hand mentions to Mentiondesk.
//
// Authentication, either:
//
//	X-Mentiondesk-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>
//	Authorization: Bearer <secret>
//
// Body: one mention object, an array of them, or {"mentions": [...]}, at
// most MaxWebhookMentions per request. Fields of a mention:
//
//	id | external_id  string or number; stable id, dedupes re-sends
//	                  (default: SHA-256 of the object as sent)
//	url, author_url   http(s) URLs
//	author            handle or address (stable)
//	author_name       display name
//	title, text, html at least one is required; html is sanitised later
//	lang              language hint, e.g. "fr"
//	published         RFC 3339 string, or unix seconds (number or string;
//	                  milliseconds are recognised)
//	in_reply_to       id of the parent mention
//	thread_id         id of the thread root
//	stars             a review's rating, 1 to 5 (a number, "4" or "FOUR"):
//	                  it weighs in the sentiment, and stands for the text
//	                  of a review left without one
//	meta              object of string values, kept with the mention
//
// Unknown fields are ignored, so tools that send more need no mapping.

// MaxWebhookMentions caps one request.
const MaxWebhookMentions = 500

// WebhookSignatureHeader carries the body's HMAC.
const WebhookSignatureHeader = "X-Mentiondesk-Signature"

// ErrBadWebhook means a webhook body was refused; the message names the
// faulty field so the sender can fix it.
var ErrBadWebhook = errors.New("connectors: invalid webhook payload")

// VerifyWebhook authenticates an inbound webhook. It returns nil when the
// signature header is a valid HMAC-SHA256 of body, or the bearer token
// equals secret; ErrConfig when the source has no secret (an unauthenticated
// endpoint would let anyone open tickets); ErrAuth otherwise. Comparisons
// are constant-time.
func VerifyWebhook(secret string, h http.Header, body []byte) error {
	if secret == "" {
		return fmt.Errorf("%w: the webhook source has no secret", ErrConfig)
	}
	if sig := strings.TrimSpace(h.Get(WebhookSignatureHeader)); sig != "" {
		method, hexSig, ok := strings.Cut(sig, "=")
		if !ok || !strings.EqualFold(method, "sha256") {
			return fmt.Errorf("%w: %s must be sha256=<hex>", ErrAuth, WebhookSignatureHeader)
		}
		got, err := hex.DecodeString(strings.TrimSpace(hexSig))
		if err != nil {
			return fmt.Errorf("%w: %s is not hexadecimal", ErrAuth, WebhookSignatureHeader)
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if !hmac.Equal(mac.Sum(nil), got) {
			return fmt.Errorf("%w: webhook signature does not match", ErrAuth)
		}
		return nil
	}
	if auth := strings.TrimSpace(h.Get("Authorization")); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return fmt.Errorf("%w: Authorization must be Bearer <secret>", ErrAuth)
		}
		// Hash both sides so the comparison does not leak the length.
		a := sha256.Sum256([]byte(strings.TrimSpace(token)))
		b := sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
			return fmt.Errorf("%w: wrong webhook token", ErrAuth)
		}
		return nil
	}
	return fmt.Errorf("%w: send %s or Authorization: Bearer", ErrAuth, WebhookSignatureHeader)
}

// webhookMention is the wire form; flexible fields stay raw.
type webhookMention struct {
	ID         json.RawMessage   `json:"id"`
	ExternalID json.RawMessage   `json:"external_id"`
	URL        string            `json:"url"`
	Author     string            `json:"author"`
	AuthorName string            `json:"author_name"`
	AuthorURL  string            `json:"author_url"`
	Title      string            `json:"title"`
	Text       string            `json:"text"`
	HTML       string            `json:"html"`
	Lang       string            `json:"lang"`
	Published  json.RawMessage   `json:"published"`
	InReplyTo  json.RawMessage   `json:"in_reply_to"`
	ThreadID   json.RawMessage   `json:"thread_id"`
	Stars      json.RawMessage   `json:"stars"`
	Meta       map[string]string `json:"meta"`
}

// maxWebhookID keeps ids usable as database keys.
const maxWebhookID = 512

// ParseWebhook decodes a webhook body (see the field list above). Errors
// wrap ErrBadWebhook and name the field, e.g. "mentions[2].published".
func ParseWebhook(body []byte) ([]Mention, error) {
	if len(body) > DefaultMaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, DefaultMaxBody)
	}
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}))
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: the body is empty", ErrBadWebhook)
	}
	var items []json.RawMessage
	prefix := ""
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadWebhook, jsonErr(err))
		}
		prefix = "mentions"
	case '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(body, &probe); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadWebhook, jsonErr(err))
		}
		if list, ok := probe["mentions"]; ok {
			if err := json.Unmarshal(list, &items); err != nil {
				return nil, fmt.Errorf("%w: mentions must be an array of objects", ErrBadWebhook)
			}
			prefix = "mentions"
		} else {
			items = []json.RawMessage{body}
		}
	default:
		return nil, fmt.Errorf("%w: the body must be a JSON object or array", ErrBadWebhook)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: no mentions in the body", ErrBadWebhook)
	}
	if len(items) > MaxWebhookMentions {
		return nil, fmt.Errorf("%w: %d mentions in one request, at most %d; send smaller batches", ErrBadWebhook, len(items), MaxWebhookMentions)
	}
	now := time.Now().UTC()
	out := make([]Mention, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, raw := range items {
		where := "mention"
		if prefix != "" {
			where = fmt.Sprintf("%s[%d]", prefix, i)
		}
		m, err := webhookToMention(raw, where, now)
		if err != nil {
			return nil, err
		}
		if seen[m.ExternalID] {
			continue // a sender repeating itself within one request
		}
		seen[m.ExternalID] = true
		out = append(out, m)
	}
	return out, nil
}

func webhookToMention(raw json.RawMessage, where string, now time.Time) (Mention, error) {
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s.%s: %s", ErrBadWebhook, where, field, fmt.Sprintf(format, args...))
	}
	raw = json.RawMessage(bytes.TrimSpace(raw))
	if len(raw) == 0 || raw[0] != '{' {
		return Mention{}, fmt.Errorf("%w: %s must be an object", ErrBadWebhook, where)
	}
	var w webhookMention
	if err := json.Unmarshal(raw, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Mention{}, fail(te.Field, "must be a %s", jsonKind(te.Type.Kind().String()))
		}
		return Mention{}, fmt.Errorf("%w: %s: %v", ErrBadWebhook, where, jsonErr(err))
	}
	m := Mention{
		Author:     strings.TrimSpace(w.Author),
		AuthorName: strings.TrimSpace(w.AuthorName),
		Title:      strings.TrimSpace(w.Title),
		Text:       w.Text,
		HTML:       w.HTML,
		Lang:       normLang(w.Lang),
		Meta:       w.Meta,
	}
	stars, err := webhookStars(w.Stars)
	if err != nil {
		return Mention{}, fail("stars", "%v", err)
	}
	if stars > 0 {
		if m.Meta == nil {
			m.Meta = map[string]string{}
		}
		m.Meta["stars"] = strconv.Itoa(stars)
	}
	if m.Title == "" && strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.HTML) == "" {
		if stars == 0 {
			return Mention{}, fmt.Errorf("%w: %s: one of text, html, title or stars is required", ErrBadWebhook, where)
		}
		m.Title = strings.Repeat("★", stars) + strings.Repeat("☆", 5-stars) // a rating without words
	}
	if m.URL, err = webhookURL(w.URL); err != nil {
		return Mention{}, fail("url", "%v", err)
	}
	if m.AuthorURL, err = webhookURL(w.AuthorURL); err != nil {
		return Mention{}, fail("author_url", "%v", err)
	}
	idField, idRaw := "id", w.ID
	if len(w.ExternalID) > 0 && string(w.ExternalID) != "null" {
		idField, idRaw = "external_id", w.ExternalID
	}
	if m.ExternalID, err = jsonID(idRaw); err != nil {
		return Mention{}, fail(idField, "%v", err)
	}
	if m.InReplyTo, err = jsonID(w.InReplyTo); err != nil {
		return Mention{}, fail("in_reply_to", "%v", err)
	}
	if m.ThreadID, err = jsonID(w.ThreadID); err != nil {
		return Mention{}, fail("thread_id", "%v", err)
	}
	if m.Published, err = jsonTime(w.Published); err != nil {
		return Mention{}, fail("published", "%v", err)
	}
	if m.Published.After(now) {
		m.Published = now
	}
	if m.ExternalID == "" {
		// Same object, same id: a sender's retry does not make a duplicate.
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			buf.Reset()
			buf.Write(raw)
		}
		sum := sha256.Sum256(buf.Bytes())
		m.ExternalID = "sha256:" + hex.EncodeToString(sum[:])
	}
	m.Raw = append(json.RawMessage(nil), raw...)
	return m, nil
}

func webhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("must be an absolute http(s) URL")
	}
	return s, nil
}

// jsonID accepts a string or an integer.
func jsonID(raw json.RawMessage) (string, error) {
	raw = json.RawMessage(bytes.TrimSpace(raw))
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var id string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", errors.New("must be a string or a number")
		}
	default:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", errors.New("must be a string or a number")
		}
		id = n.String()
	}
	id = strings.TrimSpace(id)
	if len(id) > maxWebhookID {
		return "", fmt.Errorf("longer than %d bytes", maxWebhookID)
	}
	return id, nil
}

// jsonTime accepts RFC 3339 (with or without fractional seconds), or unix
// time in seconds or milliseconds, as a number or a numeric string.
func jsonTime(raw json.RawMessage) (time.Time, error) {
	raw = json.RawMessage(bytes.TrimSpace(raw))
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, errors.New("must be an RFC 3339 date or unix time")
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
	} else {
		s = string(raw)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		// Integers stay exact: floats would lose the milliseconds.
		if n > 1e11 { // beyond year 5138 in seconds: these are milliseconds
			if n > 253402300799999 {
				return time.Time{}, fmt.Errorf("%q is out of range", truncate(s, 40))
			}
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return time.Time{}, fmt.Errorf("cannot read %q as an RFC 3339 date (2026-01-31T09:30:00Z) or unix time", truncate(s, 40))
	}
	if f > 1e11 { // beyond year 5138 in seconds: these are milliseconds
		f /= 1000
	}
	if f > 253402300799 { // 9999-12-31
		return time.Time{}, fmt.Errorf("%q is out of range", truncate(s, 40))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func jsonKind(k string) string {
	switch k {
	case "map", "struct":
		return "JSON object"
	case "slice":
		return "JSON array"
	case "string":
		return "string"
	}
	return k
}

// jsonErr shortens encoding/json's messages for people.
func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON at byte %d: %v", se.Offset, se)
	}
	return err.Error()
}

var starWords = map[string]int{"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}

// webhookStars reads a rating as review tools send it: 4, "4", 4.0 or
// Google's "FOUR". Absent is 0.
func webhookStars(raw json.RawMessage) (int, error) {
	v := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if v == "" || v == "null" {
		return 0, nil
	}
	if n, ok := starWords[strings.ToUpper(v)]; ok {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f > 5 || f != float64(int(f)) {
		return 0, errors.New("must be a whole number from 1 to 5")
	}
	return int(f), nil
}
