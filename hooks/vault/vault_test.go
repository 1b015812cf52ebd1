package vault

import (
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	v := New("correct horse battery staple")
	sealed := v.Seal("tok_secret")
	if !strings.HasPrefix(sealed, prefix) || strings.Contains(sealed, "tok_secret") {
		t.Fatalf("not sealed: %q", sealed)
	}
	if again := v.Seal("tok_secret"); again == sealed {
		t.Fatal("nonce reused: two seals of one value are identical")
	}
	if v.Seal(sealed) != sealed {
		t.Fatal("sealing twice must not double-encrypt")
	}
	got, err := v.Open(sealed)
	if err != nil || got != "tok_secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := New("another key").Open(sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong key: err = %v, want ErrCorrupt", err)
	}
	if _, err := New("").Open(sealed); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: err = %v, want ErrNoKey", err)
	}
	if _, err := v.Open(prefix + "!!!"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage: err = %v, want ErrCorrupt", err)
	}
}

func TestPlainPassThrough(t *testing.T) {
	plain := New("")
	if plain.Seal("abc") != "abc" {
		t.Fatal("a vault without key must not change values")
	}
	// Turning encryption on later still reads the old plain values.
	got, err := New("k").Open("abc")
	if err != nil || got != "abc" {
		t.Fatalf("Open(plain) = %q, %v", got, err)
	}
	if New("k").Seal("") != "" {
		t.Fatal("empty stays empty")
	}
}
