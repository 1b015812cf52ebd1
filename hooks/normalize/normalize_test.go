package normalize

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// dangerous matches anything executable or styling that must never survive
// sanitising, in any case.
var dangerous = regexp.MustCompile(`(?i)<\s*(script|style|iframe|frame|object|embed|svg|math|base|meta|link|form|input|textarea|button)\b|\bon[a-z]+\s*=|javascript:|vbscript:|data:|expression\s*\(|srcdoc|formaction|style\s*=`)

func TestHTMLXSS(t *testing.T) {
	// Payloads in the style of the OWASP XSS filter evasion cheat sheet.
	payloads := []string{
		`<script>alert(1)</script>hello`,
		`<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>`,
		`<img src=x onerror=alert(1)>`,
		`<IMG SRC="javascript:alert('XSS');">`,
		`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
		`<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
		`<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
		`<a href="&#14;  javascript:alert('XSS');">x</a>`,
		`<a href="jav&#x09;ascript:alert(1)">tab</a>`,
		`<a href="jav	ascript:alert(1)">raw tab</a>`,
		`<a href=" javascript:alert(1)">space</a>`,
		`<a href="JAVASCRIPT&colon;alert(1)">colon entity</a>`,
		`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>`,
		`<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">`,
		`<svg onload=alert(1)>`,
		`<svg><script>alert(1)</script></svg>`,
		`<svg/onload=alert('XSS')>`,
		`<iframe src="https://evil.example/"></iframe>`,
		`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		`<div style="width: expression(alert('XSS'));">x</div>`,
		`<style>@import 'https://evil.example/x.css';</style>`,
		`<body onload=alert('XSS')>`,
		`<BODY BACKGROUND="javascript:alert('XSS')">`,
		`<scr<script>ipt>alert(1)</scr</script>ipt>`,
		`<<SCRIPT>alert("XSS");//<</SCRIPT>`,
		`<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>`,
		`<IMG """><SCRIPT>alert("XSS")</SCRIPT>">`,
		`<a onmouseover="alert(document.cookie)">xxs link</a>`,
		`<p>unclosed <b>bold <a href="https://ok.example/">link`,
		`<img src=x onerror="alert(1)"`,
		`<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
		`<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
		`<TABLE BACKGROUND="javascript:alert('XSS')"><tr><td>x</td></tr></TABLE>`,
		`<form action="https://evil.example/"><button formaction="javascript:alert(1)">x</button></form>`,
		`<object data="https://evil.example/x.swf"></object><embed src="x.swf">`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<base href="javascript:alert('XSS');//">`,
		`<details open ontoggle=alert(1)>`,
		`<a href="vbscript:msgbox(1)">vb</a>`,
		`<!--<script>alert(1)</script>-->`,
		`<div>` + strings.Repeat("<b>", 5000) + `deep` + `<script>alert(1)</script>`,
	}
	for _, p := range payloads {
		safe, text := HTML(p)
		if m := dangerous.FindString(safe); m != "" {
			t.Errorf("HTML(%.80q)\n safe=%.200q\n still carries %q", p, safe, m)
		}
		if strings.Contains(strings.ToLower(text), "<script") {
			t.Errorf("HTML(%.80q) text=%.200q keeps script markup", p, text)
		}
		if strings.Contains(text, "alert(1)</script>") {
			t.Errorf("HTML(%.80q) text=%.200q keeps script content", p, text)
		}
	}
}

func TestHTMLLinksAndText(t *testing.T) {
	tests := []struct {
		name, in  string
		wantHTML  []string // substrings that must appear in the sanitised HTML
		avoidHTML []string
		wantText  string
	}{
		{
			name:     "mastodon status",
			in:       `<p>Merci <span class="h-card"><a href="https://mastodon.social/@cafelune" class="u-url mention">@<span>cafelune</span></a></span> pour le café !</p><p>À bientôt&nbsp;&amp; bonne journée</p>`,
			wantHTML: []string{`href="https://mastodon.social/@cafelune"`, `nofollow`, `noopener`, `noreferrer`, `target="_blank"`},
			wantText: "Merci @cafelune pour le café !\n\nÀ bientôt & bonne journée",
		},
		{
			name:      "relative link dropped",
			in:        `<a href="/api/collections/users/records">click</a>`,
			avoidHTML: []string{`href=`},
			wantText:  "click",
		},
		{
			name:     "line breaks and lists",
			in:       `Line one<br>Line two<ul><li>a</li><li>b</li></ul>end`,
			wantText: "Line one\nLine two\n\na\nb\n\nend",
		},
		{
			name:     "entities decoded and whitespace collapsed",
			in:       "  caf&eacute;   &lt;cr&egrave;me&gt;\t\t&quot;ok&quot;  ",
			wantText: `café <crème> "ok"`,
			wantHTML: []string{`&lt;crème&gt;`},
		},
		{
			name:      "script content not in text",
			in:        `<p>Bonjour</p><script>var x = "secret";</script><style>p{color:red}</style>`,
			avoidHTML: []string{"secret", "color"},
			wantText:  "Bonjour",
		},
		{
			name:     "unclosed tags get closed",
			in:       `<p>open <b>bold <i>both`,
			wantHTML: []string{"</i></b></p>"},
			wantText: "open bold both",
		},
		{
			name:     "control characters and bidi overrides stripped",
			in:       "a\x00b\x1b[31mc\u202eevil\u202c d",
			wantText: "ab[31mcevil d",
		},
		{
			name:     "invalid utf-8 replaced",
			in:       "caf\xe9 cr\xc3\xa8me",
			wantText: "caf\uFFFD crème",
		},
		{
			name:     "empty",
			in:       "   ",
			wantText: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			safe, text := HTML(tt.in)
			if text != tt.wantText {
				t.Errorf("text = %q, want %q", text, tt.wantText)
			}
			for _, w := range tt.wantHTML {
				if !strings.Contains(safe, w) {
					t.Errorf("html %q lacks %q", safe, w)
				}
			}
			for _, a := range tt.avoidHTML {
				if strings.Contains(safe, a) {
					t.Errorf("html %q contains %q", safe, a)
				}
			}
			if !utf8.ValidString(safe) || !utf8.ValidString(text) {
				t.Errorf("invalid utf-8 out: %q %q", safe, text)
			}
		})
	}
}

func TestHTMLCaps(t *testing.T) {
	// A huge body whose cut falls inside a tag with a hostile attribute.
	unit := `<p>é café crème</p>`
	big := strings.Repeat(unit, MaxHTMLBytes/len(unit))
	pad := MaxHTMLBytes - len(big)
	big += strings.Repeat("x", pad-5) + `<a href="javascript:alert(1)" onclick="x">tail</a>` + strings.Repeat("ü", 50000)
	safe, text := HTML(big)
	if len(safe) > MaxHTMLBytes+MaxHTMLBytes/10 {
		t.Errorf("html length %d exceeds the cap", len(safe))
	}
	if m := dangerous.FindString(safe); m != "" {
		t.Errorf("cut html carries %q", m)
	}
	if strings.HasSuffix(safe, "<") || strings.Contains(safe[len(safe)-40:], "<a") {
		t.Errorf("cut html ends inside a tag: ...%q", safe[len(safe)-40:])
	}
	if n := utf8.RuneCountInString(text); n != MaxTextRunes {
		t.Errorf("text runes = %d, want the cap %d", n, MaxTextRunes)
	}
	if !utf8.ValidString(safe) || !utf8.ValidString(text) {
		t.Error("invalid utf-8 after cutting")
	}

	long := strings.Repeat("é", MaxTextRunes+10)
	if n := utf8.RuneCountInString(Text(long)); n != MaxTextRunes {
		t.Errorf("Text runes = %d, want %d", n, MaxTextRunes)
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  hello \t world  ", "hello world"},
		{"line1\r\nline2\n\n\n\nline3", "line1\nline2\n\nline3"},
		{"<b>not html</b>", "<b>not html</b>"},
		{"bad \xff byte\x07", "bad \uFFFD byte"},
		{"emoji 👩\u200d🍳 stays", "emoji 👩\u200d🍳 stays"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Café Lune", "cafe lune"},
		{"ÇA VA ? Œuvre, cœur", "ca va ? oeuvre, coeur"},
		{"Straße", "strasse"},
		{"l’appli « top »", `l'appli " top "`},
		{"“quoted” ‘single’", `"quoted" 'single'`},
		{"ﬁne Ｃａｆé", "fine cafe"},
		{"attente…", "attente..."},
		{"crème brûlée\u00a0— très", "creme brulee - tres"},
		{"plain ascii", "plain ascii"},
		{"😡 emoji", "😡 emoji"},
		{"Ørsted Łódź", "orsted lodz"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := FoldAccents("Café Œuf"); got != "Cafe OEuf" {
		t.Errorf("FoldAccents = %q", got)
	}
}

func TestContentHash(t *testing.T) {
	a := ContentHash("Toujours pas reçu ma commande @CafeLune https://t.co/abc123")
	same := []string{
		"toujours pas recu ma commande @cafelune@mastodon.social https://bsky.app/x",
		"Toujours pas reçu ma commande !!! https://example.com/very/long?x=1",
		"  TOUJOURS   pas REÇU ma commande  ",
		"Toujours pas reçu ma commande WWW.Example.com/suivi",
		"Toujours pas reçu ma commande Www.cafelune.fr",
		"Toujours pas reçu ma commande HTTPS://T.CO/ABC",
	}
	for _, s := range same {
		if got := ContentHash(s); got != a {
			t.Errorf("ContentHash(%q) differs from the original copy", s)
		}
	}
	if ContentHash("Toujours pas reçu ma facture") == a {
		t.Error("different text hashed the same")
	}
	if ContentHash("https://t.co/x @someone") != "" {
		t.Error("link-only post should have an empty hash")
	}
	if len(a) != 64 {
		t.Errorf("hash length %d", len(a))
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if s, _ := HTML(`<a href="https://x.example/">x</a><img src=x onerror=alert(1)>`); dangerous.MatchString(s) {
					t.Error("unsafe output under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkHTML(b *testing.B) {
	in := `<p>Merci <span class="h-card"><a href="https://mastodon.social/@cafelune" class="u-url mention">@<span>cafelune</span></a></span> pour le café ! Toujours pas reçu ma commande depuis lundi, c'est long…</p><p><a href="https://t.co/x">https://t.co/x</a></p>`
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		HTML(in)
	}
}

func BenchmarkFold(b *testing.B) {
	in := "Toujours pas reçu ma commande depuis lundi, c’est long… Très déçue 😡 @CafeLune"
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Fold(in)
	}
}
