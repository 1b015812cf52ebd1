package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"math/rand/v2"
	"time"
)

// The brand the benchmark's owner registers at setup ("Café Lune"): most
// items name it in one of the ways people write it, the rest are the
// neighbourhood's other news a broad feed also brings.
var brandForms = []string{"Café Lune", "Cafe Lune", "café lune", "#CafeLune", "@cafelune"}

var topicsEN = []string{
	"the almond croissant", "the Sunday brunch", "the oat latte", "the new terrace",
	"the sourdough loaf", "a birthday cake order", "the gift cards", "the click-and-collect",
}

var topicsFR = []string{
	"le croissant aux amandes", "le brunch du dimanche", "le latte à l'avoine", "la nouvelle terrasse",
	"le pain au levain", "une commande de gâteau", "les cartes cadeaux", "le retrait en boutique",
}

// Each line names the brand as %[1]s and the topic as %[2]s.
var linesEN = []string{
	"Waited 40 minutes at %[1]s for %[2]s and nobody said a word. Not coming back.",
	"Does %[1]s still do %[2]s on weekdays? Their site does not say.",
	"%[1]s nailed %[2]s again this morning, the staff are lovely.",
	"Anyone know if %[1]s can deliver %[2]s to the office on Friday?",
	"Ordered %[2]s from %[1]s, paid twice on my card. Who do I talk to about a refund?",
	"Quiet corner, good wifi: %[1]s is where I finish my reports. Try %[2]s.",
}

var linesFR = []string{
	"40 minutes d'attente chez %[1]s pour %[2]s, personne ne s'est excusé. Décevant.",
	"Est-ce que %[1]s fait encore %[2]s en semaine ? Le site ne le dit pas.",
	"%[1]s a encore réussi %[2]s ce matin, l'équipe est adorable.",
	"Quelqu'un sait si %[1]s livre %[2]s au bureau vendredi ?",
	"J'ai commandé %[2]s chez %[1]s, débité deux fois. À qui demander un remboursement ?",
	"Coin calme, bon wifi : %[1]s, c'est là que je termine mes dossiers. Goûtez %[2]s.",
}

// Items not about the business: a broad feed (a search, an alert) brings
// them too, and the pipeline has to tell them apart.
var otherEN = []string{
	"The city council voted the new cycle lane on Rue des Lilas.",
	"Farmers' market moves to Saturday mornings from next month.",
	"Full moon tonight: clear skies expected after 10 pm.",
}

var otherFR = []string{
	"Le conseil municipal a voté la piste cyclable de la rue des Lilas.",
	"Le marché des producteurs passe au samedi matin le mois prochain.",
	"Pleine lune ce soir : ciel dégagé attendu après 22 h.",
}

var firstNames = []string{"Anne", "Bob", "Chloé", "Dev", "Élodie", "Farid", "Grace", "Hugo", "Inès", "Jules", "Kofi", "Léa", "Marc", "Nadia", "Omar", "Paula"}
var lastNames = []string{"Martin", "Lee", "Durand", "Patel", "Roux", "Haddad", "Kim", "Petit", "Moreau", "Nguyen", "Fontaine", "Silva", "Bernard", "Okafor", "Garcia", "Weber"}

// author is one of 2,560 people (16 × 16 names, 10 of each): a broad feed
// hears from many people, a few of them more than once a month.
func author(r *rand.Rand) string {
	return fmt.Sprintf("%s %s %d", firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))], r.IntN(10)+1)
}

// item is one post of a feed.
type item struct {
	Title, Link, GUID, Author, HTML string
	Published                       time.Time
}

// genFeed makes feed n's items, the same bytes on every call: the nth
// slice of feeds×perFeed posts whose dates are spread evenly over span
// before base, newest first as feeds list them.
func genFeed(base string, n, feeds, perFeed int, newest time.Time, span time.Duration) []item {
	r := rand.New(rand.NewPCG(uint64(n), 0x6d656e74696f6e))
	total := feeds * perFeed
	step := span / time.Duration(max(1, total))
	out := make([]item, perFeed)
	for j := range perFeed {
		global := j*feeds + n // interleaved: every feed spans the whole period
		fr := r.IntN(2) == 0
		brand := brandForms[r.IntN(len(brandForms))]
		var title, body string
		switch {
		case r.IntN(10) < 7:
			topics, lines := topicsEN, linesEN
			if fr {
				topics, lines = topicsFR, linesFR
			}
			topic := topics[r.IntN(len(topics))]
			line := lines[r.IntN(len(lines))]
			title = fmt.Sprintf("%s: %s", brand, topic)
			body = fmt.Sprintf(line, brand, topic)
		default:
			others := otherEN
			if fr {
				others = otherFR
			}
			body = others[r.IntN(len(others))]
			title = headline(body)
		}
		link := fmt.Sprintf("%s/site/%d/post/%d", base, n, j)
		who := author(r)
		out[j] = item{
			Title:  title,
			Link:   link,
			GUID:   fmt.Sprintf("tag:bench.invalid,2026:feed-%d/item-%d", n, j),
			Author: who,
			HTML: fmt.Sprintf(`<p>%s</p><p>Posted by <strong>%s</strong> &middot; <a href="%s">read the thread</a></p>`,
				html.EscapeString(body), html.EscapeString(who), link),
			Published: newest.Add(-time.Duration(global) * step),
		}
	}
	return out
}

// renderRSS writes feed n as an RSS 2.0 document (RSS 2.0 spec: channel
// title, link, description; item title, link, description, guid with
// isPermaLink, pubDate in RFC 822 form, and dc:creator for the author's
// name, as WordPress and most blogs send it).
func renderRSS(base string, n int, items []item, built time.Time) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>` + "\n")
	fmt.Fprintf(&b, "<title>Neighbourhood news %d</title>\n<link>%s/site/%d/</link>\n", n, base, n)
	fmt.Fprintf(&b, "<description>What people say around Rue des Lilas, feed %d</description>\n", n)
	fmt.Fprintf(&b, "<lastBuildDate>%s</lastBuildDate>\n", built.Format(time.RFC1123Z))
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid>"+
			"<dc:creator>%s</dc:creator><pubDate>%s</pubDate><description>%s</description></item>\n",
			esc(it.Title), esc(it.Link), esc(it.GUID), esc(it.Author), it.Published.Format(time.RFC1123Z), esc(it.HTML))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// headline is a post's first words, cut on a rune boundary.
func headline(s string) string {
	const most = 48
	if r := []rune(s); len(r) > most {
		return string(r[:most]) + "…"
	}
	return s
}
