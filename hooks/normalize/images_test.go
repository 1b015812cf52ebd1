package normalize

import (
	"strings"
	"testing"
)

// No stored mention makes the agent's browser fetch a remote image: a
// tracking pixel would tell its author when the ticket was opened, and
// the agent's address.
func TestRemoteImagesBecomeLinks(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<p>Merci ! <img src="https://track.example/p.gif?u=42" width="1" height="1"></p>`,
			`<p>Merci ! <a href="https://track.example/p.gif?u=42" rel="nofollow noreferrer noopener" target="_blank">🖼 p.gif</a></p>`},
		{`<p><img src="https://cdn.example/" alt="Notre vitrine"></p>`,
			`<p><a href="https://cdn.example/" rel="nofollow noreferrer noopener" target="_blank">🖼 Notre vitrine</a></p>`},
		{`<div><span><IMG SRC="https://x.example/a/b.png"></span></div>`,
			`<div><span><a href="https://x.example/a/b.png" rel="nofollow noreferrer noopener" target="_blank">🖼 b.png</a></span></div>`},
		{`<p>a<img src="javascript:alert(1)">b<img src="/relative.png">c<img>d</p>`, `<p>abcd</p>`},
	}
	for _, c := range cases {
		got, _ := HTML(c.in)
		if strings.Contains(strings.ToLower(got), "<img") {
			t.Errorf("HTML(%q) keeps an image: %s", c.in, got)
		}
		if got != c.want {
			t.Errorf("HTML(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}
