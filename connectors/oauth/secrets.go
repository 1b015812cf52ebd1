package oauth

import (
	"context"
	"time"
)

// Secret keys under which a token is kept in a source's secrets. The
// Google connectors read SecretAccessToken.
const (
	SecretAccessToken  = "access_token"
	SecretRefreshToken = "refresh_token"
	SecretTokenExpiry  = "token_expiry" // RFC 3339
	SecretTokenScope   = "token_scope"
)

// Secrets returns t as source secrets. Keys of an absent value are set to
// "" so that merging into stored secrets clears a stale value.
func (t Token) Secrets() map[string]string {
	m := map[string]string{
		SecretAccessToken:  t.AccessToken,
		SecretRefreshToken: t.RefreshToken,
		SecretTokenExpiry:  "",
		SecretTokenScope:   t.Scope,
	}
	if !t.Expiry.IsZero() {
		m[SecretTokenExpiry] = t.Expiry.UTC().Format(time.RFC3339)
	}
	return m
}

// TokenFromSecrets reads a token stored by Secrets. An unreadable expiry
// counts as expired, so the next use refreshes it.
func TokenFromSecrets(s map[string]string) Token {
	t := Token{AccessToken: s[SecretAccessToken], RefreshToken: s[SecretRefreshToken], Scope: s[SecretTokenScope]}
	if v := s[SecretTokenExpiry]; v != "" {
		if at, err := time.Parse(time.RFC3339, v); err == nil {
			t.Expiry = at
		} else {
			t.Expiry = time.Unix(1, 0)
		}
	}
	return t
}

// Fresh returns t, refreshed first when it expires within RefreshMargin.
// changed tells the caller to store the result before using it: X has
// already invalidated the refresh token t holds.
func (f Flow) Fresh(ctx context.Context, t Token) (fresh Token, changed bool, err error) {
	if t.AccessToken != "" && !f.NeedsRefresh(t) {
		return t, false, nil
	}
	fresh, err = f.Refresh(ctx, t)
	if err != nil {
		return Token{}, false, err
	}
	return fresh, true, nil
}
