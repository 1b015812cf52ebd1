// Package vault encrypts source credentials and other secrets at rest when
// the operator sets MD_ENCRYPTION_KEY. Without a key it is a pass-through, so
// an instance can start plain and turn encryption on later: sealed and plain
// values are told apart by their prefix.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

const prefix = "enc:v1:"

// ErrNoKey means a value is sealed but this instance has no key to open it.
var ErrNoKey = errors.New("vault: value is encrypted but MD_ENCRYPTION_KEY is not set")

// ErrCorrupt means a sealed value does not decrypt with the key we have.
var ErrCorrupt = errors.New("vault: cannot decrypt value (wrong MD_ENCRYPTION_KEY?)")

// Vault seals and opens strings. The zero value has no key.
type Vault struct{ aead cipher.AEAD }

// New derives an AES-256-GCM key from passphrase; "" gives a pass-through.
func New(passphrase string) *Vault {
	if passphrase == "" {
		return &Vault{}
	}
	key := sha256.Sum256([]byte(passphrase))
	block, _ := aes.NewCipher(key[:]) // 32-byte key: cannot fail
	aead, _ := cipher.NewGCM(block)
	return &Vault{aead: aead}
}

// Enabled reports whether values are encrypted.
func (v *Vault) Enabled() bool { return v != nil && v.aead != nil }

// Seal encrypts s (a no-op without a key or for an empty string).
func (v *Vault) Seal(s string) string {
	if !v.Enabled() || s == "" || strings.HasPrefix(s, prefix) {
		return s
	}
	nonce := make([]byte, v.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := v.aead.Seal(nonce, nonce, []byte(s), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a sealed value; plain values pass through unchanged.
func (v *Vault) Open(s string) (string, error) {
	if !strings.HasPrefix(s, prefix) {
		return s, nil
	}
	if !v.Enabled() {
		return "", ErrNoKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(s[len(prefix):])
	if err != nil || len(raw) < v.aead.NonceSize() {
		return "", ErrCorrupt
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}
