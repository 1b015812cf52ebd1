package tickets

import (
	"strings"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// copyKeys names the tickets a copy of a text may join. A copy joins only
// a ticket of the same person: two customers asking the same question
// ("Open on Sunday?") are two conversations, each owed its own answer and
// its own clock. The same person is the same handle on the same channel,
// or, across channels where handles take different forms
// (@anne@mastodon.social, anne.bsky.social), the same handle name with the
// same display name. A text without an author joins nothing: nobody can
// tell who sent it.
func copyKeys(hash, channel, author, name string) []string {
	if hash == "" || author == "" {
		return nil
	}
	keys := []string{hash + "\x00" + channel + "\x00" + author}
	if p := personKey(author, name); p != "" {
		keys = append(keys, hash+"\x00*\x00"+p)
	}
	return keys
}

// personKey is the cross-channel identity of an author, or "" when the
// handle or name is too thin to tell people apart.
func personKey(handle, name string) string {
	name = strings.Join(strings.Fields(normalize.Fold(name)), " ")
	if name == "" {
		return ""
	}
	h := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))
	if i := strings.IndexByte(h, '@'); i >= 0 {
		h = h[:i] // user@instance, local@domain
	} else if i := strings.IndexByte(h, '.'); i >= 0 {
		h = h[:i] // user.bsky.social
	}
	h = strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, h)
	if len(h) < 3 {
		return ""
	}
	return h + "\x00" + name
}
