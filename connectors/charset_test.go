package connectors

import (
	"testing"
)

func TestToUTF8(t *testing.T) {
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><t>caf\xe9</t></rss>")
	got := toUTF8(latin1, "")
	if string(got) != `<?xml version="1.0"?><rss><t>café</t></rss>` {
		t.Errorf("latin1: %q", got)
	}
	// UTF-16 with a BOM.
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><a>é</a>` {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	if got := string(toUTF8(utf16, "")); got != `<?xml version="1.0"?><a>é</a>` {
		t.Errorf("utf-16: %q", got)
	}
	// Undeclared, no header: windows-1252 guess.
	if got := string(toUTF8([]byte("<a>\x93ok\x94 \x80</a>"), "")); got != "<a>“ok” €</a>" {
		t.Errorf("cp1252 guess: %q", got)
	}
	// Unknown label: still decoded rather than dropped.
	if got := string(toUTF8([]byte("<?xml version=\"1.0\" encoding=\"x-klingon\"?><a>\xe9</a>"), "")); got != `<?xml version="1.0"?><a>é</a>` {
		t.Errorf("unknown label: %q", got)
	}
	// UTF-8 BOM is removed, content kept.
	if got := string(toUTF8([]byte("\xEF\xBB\xBF<a>é</a>"), "")); got != "<a>é</a>" {
		t.Errorf("utf-8 bom: %q", got)
	}
	// One invalid byte in a UTF-8 feed, declared or not, by header or
	// not: that byte is replaced, every accent is kept.
	for _, c := range []struct{ body, ct string }{
		{"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>crème brûlée \xff chez Hélène</a>", ""},
		{"<?xml version=\"1.0\"?><a>crème brûlée \xff chez Hélène</a>", "application/rss+xml; charset=utf-8"},
		{"<?xml version=\"1.0\"?><a>crème brûlée \xff chez Hélène</a>", ""},
	} {
		if got := string(toUTF8([]byte(c.body), c.ct)); got != "<?xml version=\"1.0\"?><a>crème brûlée \uFFFD chez Hélène</a>" {
			t.Errorf("utf-8 with a bad byte (%q): %q", c.ct, got)
		}
	}
	// Declared UTF-8 but written in Latin-1: no valid sequence at all.
	if got := string(toUTF8([]byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>caf\xe9</a>"), "")); got != `<?xml version="1.0"?><a>café</a>` {
		t.Errorf("latin-1 declared utf-8: %q", got)
	}
}
