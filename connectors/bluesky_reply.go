package connectors

// Replies on Bluesky: a post whose record points at its parent and root,
// with facets for the handles and links it names, and a record key derived
// from the reply's idempotency key so a retry finds the post it made.

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rivo/uniseg"
)

// TID encoding, per the atproto spec: a 64-bit integer (top bit 0, 53 bits
// of microseconds since the epoch, 10 bits of clock id) written as 13
// characters of base32-sortable.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

func encodeTID(micros int64, clockID uint16) string {
	v := (uint64(micros)&(1<<53-1))<<10 | uint64(clockID&0x3ff)
	var buf [13]byte
	for i := 12; i >= 0; i-- {
		buf[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(buf[:])
}

// replyTID derives the reply's record key from its idempotency key, so a
// retry after a crash addresses the same record instead of a new one. The
// timestamp sits within a second after the mention was indexed (a real
// moment, never in the future, keeping keys roughly time-ordered); the rest
// of the key's hash picks the microsecond and the clock id, so two replies
// to one mention do not collide.
func replyTID(idempotencyKey string, to Mention, now time.Time) string {
	sum := sha256.Sum256([]byte("mentiondesk-bluesky-reply\x00" + idempotencyKey))
	base, ok := parseBskyTime(to.Meta["indexed_at"])
	if !ok {
		base = to.Published
	}
	floor := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	if base.Before(floor) || base.After(now) {
		base = floor
	}
	offset := int64(binary.BigEndian.Uint64(sum[0:8]) % 1_000_000)
	clock := binary.BigEndian.Uint16(sum[8:10]) & 0x3ff
	return encodeTID(base.Truncate(time.Second).UnixMicro()+offset, clock)
}

type bskyFacet struct {
	Type  string `json:"$type,omitempty"`
	Index struct {
		ByteStart int `json:"byteStart"`
		ByteEnd   int `json:"byteEnd"`
	} `json:"index"`
	Features []map[string]string `json:"features"`
}

var bskyLinkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// blueskyFacets marks the mention of the author and plain links, which
// Bluesky shows as plain text unless a facet says otherwise. Offsets are
// UTF-8 byte offsets.
func blueskyFacets(text, handle, did string) []bskyFacet {
	var facets []bskyFacet
	add := func(start, end int, feature map[string]string) {
		f := bskyFacet{Type: "app.bsky.richtext.facet", Features: []map[string]string{feature}}
		f.Index.ByteStart, f.Index.ByteEnd = start, end
		facets = append(facets, f)
	}
	if handle != "" && did != "" {
		needle := "@" + strings.ToLower(handle)
		lower := strings.ToLower(text) // handles are ASCII: byte offsets match
		for from := 0; ; {
			i := strings.Index(lower[from:], needle)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(needle)
			before := start == 0 || !isHandleByte(text[start-1])
			after := end == len(text) || !isHandleByte(text[end]) || (text[end] == '.' && (end+1 == len(text) || !isHandleByte(text[end+1])))
			if before && after {
				add(start, end, map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": did})
			}
			from = end
		}
	}
	for _, loc := range bskyLinkRE.FindAllStringIndex(text, -1) {
		end := loc[1]
		for end > loc[0] && strings.ContainsRune(".,;:!?)]}'", rune(text[end-1])) {
			end--
		}
		add(loc[0], end, map[string]string{"$type": "app.bsky.richtext.facet#link", "uri": text[loc[0]:end]})
	}
	return facets
}

func isHandleByte(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '@' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// Reply creates an app.bsky.feed.post in the mention's thread. The record
// key is derived from idempotencyKey: if a record already sits there (a
// previous attempt got through before a crash), that record is returned
// instead of posting twice.
func (b *Bluesky) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	base, err := blueskyBase(src)
	if err != nil {
		return Sent{}, err
	}
	text := strings.TrimSpace(body)
	if text == "" {
		return Sent{}, fmt.Errorf("%w: bluesky: empty reply", ErrRejected)
	}
	if n := uniseg.GraphemeClusterCount(text); n > BlueskyMaxGraphemes {
		return Sent{}, fmt.Errorf("%w: bluesky replies are limited to %d characters, this one has %d", ErrRejected, BlueskyMaxGraphemes, n)
	}
	if len(text) > BlueskyMaxBytes {
		return Sent{}, fmt.Errorf("%w: bluesky replies are limited to %d bytes, this one has %d", ErrRejected, BlueskyMaxBytes, len(text))
	}
	parent := bskyStrongRef{URI: to.ExternalID, CID: to.Meta["cid"]}
	if !strings.HasPrefix(parent.URI, "at://") || parent.CID == "" {
		return Sent{}, fmt.Errorf("%w: bluesky: the mention lacks its at:// uri or cid", ErrConfig)
	}
	root := bskyStrongRef{URI: to.Meta["root_uri"], CID: to.Meta["root_cid"]}
	if root.URI == "" || root.CID == "" {
		root = parent
	}
	if idempotencyKey == "" {
		return Sent{}, fmt.Errorf("%w: bluesky: a reply needs an idempotency key", ErrConfig)
	}

	s, ident, pass, err := b.session(src, base)
	if err != nil {
		return Sent{}, err
	}
	if _, err := b.ensure(ctx, base, s, ident, pass); err != nil {
		return Sent{}, err
	}
	did, handle := b.sessionInfo(src, base)
	rkey := replyTID(idempotencyKey, to, b.cfg.now())

	if sent, found, err := b.getOwnRecord(ctx, src, base, did, handle, rkey); err != nil || found {
		return sent, err
	}

	record := map[string]any{
		"$type":     bskyPostNSID,
		"text":      text,
		"createdAt": b.cfg.now().UTC().Format(bskySinceLayout),
		"reply":     map[string]bskyStrongRef{"root": root, "parent": parent},
	}
	if lang := src.Opt("lang", ""); lang != "" {
		record["langs"] = []string{lang}
	}
	if facets := blueskyFacets(text, to.Author, to.Meta["author_did"]); len(facets) > 0 {
		record["facets"] = facets
	}
	in := map[string]any{"repo": did, "collection": bskyPostNSID, "rkey": rkey, "record": record}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	_, _, err = b.call(ctx, src, base, http.MethodPost, "com.atproto.repo.createRecord", nil, in, &out)
	if err != nil {
		var rl *RateLimitedError
		if errors.Is(err, ErrAuth) || errors.As(err, &rl) {
			return Sent{}, err
		}
		// A record already at our rkey makes the PDS fail the create (with
		// a 500 on older servers): check whether the earlier attempt landed.
		if sent, found, gerr := b.getOwnRecord(ctx, src, base, did, handle, rkey); gerr == nil && found {
			return sent, nil
		}
		var he *HTTPError
		if errors.As(err, &he) && he.Status == http.StatusBadRequest {
			return Sent{}, fmt.Errorf("%w: bluesky: %s", ErrRejected, he.Body)
		}
		return Sent{}, err
	}
	if out.URI == "" {
		return Sent{}, fmt.Errorf("%w: bluesky createRecord answered without a uri", ErrBadFeed)
	}
	return Sent{ExternalID: out.URI, URL: bskyWebURL(handleOr(handle, did), out.URI)}, nil
}

func handleOr(handle, did string) string {
	if handle == "" || handle == "handle.invalid" {
		return did
	}
	return handle
}

// getOwnRecord looks for our post at rkey. found is false when the PDS says
// RecordNotFound.
func (b *Bluesky) getOwnRecord(ctx context.Context, src Source, base *url.URL, did, handle, rkey string) (Sent, bool, error) {
	q := url.Values{"repo": {did}, "collection": {bskyPostNSID}, "rkey": {rkey}}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	_, xe, err := b.call(ctx, src, base, http.MethodGet, "com.atproto.repo.getRecord", q, nil, &out)
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) && (xe.Error == "RecordNotFound" || he.Status == http.StatusNotFound) {
			return Sent{}, false, nil
		}
		return Sent{}, false, err
	}
	if out.URI == "" {
		return Sent{}, false, fmt.Errorf("%w: bluesky getRecord answered without a uri", ErrBadFeed)
	}
	return Sent{ExternalID: out.URI, URL: bskyWebURL(handleOr(handle, did), out.URI)}, true, nil
}
