package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

var channelWeights = []struct {
	kind   string
	weight int
}{
	{"mastodon", 25}, {"email", 20}, {"bluesky", 15}, {"webhook", 15}, {"feed", 10}, {"reddit", 10}, {"hackernews", 5},
}

func pickChannel(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, c := range channelWeights {
		if n < c.weight {
			return c.kind
		}
		n -= c.weight
	}
	return "mastodon"
}

// mentions writes 30 days of posts, 6 to 10 a day, with follow-ups from
// customers left waiting, by channel and in time order. headline titles
// the press items.
func mentions(rng *rand.Rand, now time.Time, headline func(string, int) string) map[string][]connectors.Mention {
	paris, _ := time.LoadLocation("Europe/Paris")
	out := map[string][]connectors.Mention{}
	seq := 0
	add := func(kind string, who Person, p Post, at time.Time, parent string) string {
		seq++
		id := fmt.Sprintf("demo-%s-%04d", kind, seq)
		m := connectors.Mention{ExternalID: id, Author: who.Handle, AuthorName: who.Name, Text: p.Text, Lang: p.Lang, Published: at, InReplyTo: parent}
		switch kind {
		case "mastodon":
			user, inst, _ := strings.Cut(strings.TrimPrefix(who.Handle, "@"), "@")
			m.URL = fmt.Sprintf("https://%s/@%s/%d", inst, user, 113500000000000000+seq)
			m.AuthorURL = fmt.Sprintf("https://%s/@%s", inst, user)
			m.Meta = map[string]string{"visibility": "public"}
		case "bluesky":
			m.URL = fmt.Sprintf("https://bsky.app/profile/%s/post/3lc%010d", who.Handle, seq)
			m.AuthorURL = "https://bsky.app/profile/" + who.Handle
		case "reddit":
			m.URL = fmt.Sprintf("https://www.reddit.com/r/lyon/comments/1g%05d/", seq)
		case "hackernews":
			m.URL = fmt.Sprintf("https://news.ycombinator.com/item?id=%d", 42100000+seq)
			m.AuthorURL = "https://news.ycombinator.com/user?id=" + who.Handle
		case "feed":
			m.URL = fmt.Sprintf("https://actu.example.fr/lyon/%d", seq)
			m.Title = headline(p.Text, 70)
		case "email":
			m.Title = map[string]string{"fr": "Ma commande", "en": "My order"}[p.Lang]
			if p.Intent == "question" {
				m.Title = map[string]string{"fr": "Une question", "en": "Quick question"}[p.Lang]
			}
			m.Meta = map[string]string{"message_id": "<" + id + "@mail.example>"}
		case "webhook":
			m.URL = "https://maps.google.com/?cid=1234567890"
		}
		out[kind] = append(out[kind], m)
		return id
	}
	for day := 30; day >= 0; day-- {
		date := now.In(paris).AddDate(0, 0, -day)
		perDay := 6 + rng.IntN(5)
		for range perDay {
			kind := pickChannel(rng)
			people := People[kind]
			who := people[rng.IntN(len(people))]
			post := Posts[rng.IntN(len(Posts))]
			if kind == "feed" || kind == "hackernews" {
				// Press and forums mostly talk about us, rarely to us.
				if rng.IntN(3) > 0 {
					post = Posts[len(Posts)-1-rng.IntN(14)]
				}
			}
			at := time.Date(date.Year(), date.Month(), date.Day(), 8+rng.IntN(14), rng.IntN(60), rng.IntN(60), 0, paris).UTC()
			if at.After(now) {
				at = now.Add(-time.Duration(rng.IntN(90)+5) * time.Minute)
			}
			id := add(kind, who, post, at, "")
			if (post.Intent == "complaint" || post.Intent == "question") && rng.IntN(100) < 18 {
				follow := FollowUps[rng.IntN(len(FollowUps))]
				if fat := at.Add(time.Duration(2+rng.IntN(8)) * time.Hour); fat.Before(now) {
					add(kind, who, follow, fat, id)
				}
			}
		}
	}
	for kind := range out {
		slices.SortFunc(out[kind], func(a, b connectors.Mention) int { return a.Published.Compare(b.Published) })
	}
	return out
}
