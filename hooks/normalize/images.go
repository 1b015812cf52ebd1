package normalize

import (
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A remote image in a mention is loaded by whoever opens the ticket: a
// tracking pixel tells its author when, and from which address, an agent
// read it. Stored mentions carry no <img>: each becomes a link to the
// image, opened only if the agent taps it (and the app's
// Content-Security-Policy refuses remote images anyway).

// imagesToLinks replaces every img element under nodes by a link to its
// source, labelled with its alt text (or the image's file name), or drops
// it when it has no usable source.
func imagesToLinks(nodes []*html.Node) {
	for _, n := range nodes {
		imagesToLinksIn(n)
	}
}

func imagesToLinksIn(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Img {
			if link := imageLink(c); link != nil {
				n.InsertBefore(link, c)
			}
			n.RemoveChild(c)
		} else {
			imagesToLinksIn(c)
		}
		c = next
	}
}

// imageLink is <a href="src">🖼 label</a> for an http(s) image, or nil.
func imageLink(img *html.Node) *html.Node {
	var src, alt string
	for _, a := range img.Attr {
		switch strings.ToLower(a.Key) {
		case "src":
			src = strings.TrimSpace(a.Val)
		case "alt":
			alt = strings.TrimSpace(a.Val)
		}
	}
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	label := alt
	if label == "" {
		label = path.Base(u.Path)
		if label == "/" || label == "." {
			label = u.Host
		}
	}
	a := &html.Node{Type: html.ElementNode, Data: "a", DataAtom: atom.A,
		Attr: []html.Attribute{{Key: "href", Val: u.String()}}}
	a.AppendChild(&html.Node{Type: html.TextNode, Data: "🖼 " + capRunes(label, 100)})
	return a
}
