// Package secrets keeps sources' credentials write-only and sealed at
// rest: owners send them, connectors open them, nobody reads them back.
package secrets

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Credentials are write-only. PocketBase drops hidden fields from request
// bodies of non-superusers (and strips them from the parsed body before our
// hook runs), so owners send them under the "secrets" key and this hook
// merges them into the hidden "credentials" field, sealed by the vault. A
// key sent with an empty value is removed. Responses list only which keys
// are set ("credential_keys"), never their values.
// Store seals and opens credentials with the instance's vault.
type Store struct{ vault *vault.Vault }

// New returns a store sealing with v.
func New(v *vault.Vault) *Store { return &Store{vault: v} }

// Register merges the secrets owners send into the sealed field, gives
// each webhook source its signing secret, and lists only the keys set.
func Register(app core.App, h *Store) error {
	merge := func(e *core.RecordRequestEvent) error {
		info, err := e.RequestInfo()
		if err != nil {
			return err
		}
		raw, ok := info.Body["secrets"]
		if !ok || raw == nil {
			return e.Next()
		}
		incoming, err := stringMap(raw)
		if err != nil {
			return apis.NewBadRequestError("Invalid credentials.", validation.Errors{
				"secrets": validation.NewError("validation_invalid_secrets", err.Error()),
			})
		}
		current := h.Sealed(e.Record)
		for k, v := range incoming {
			if v == "" {
				delete(current, k)
			} else {
				current[k] = v
			}
		}
		h.Set(e.Record, current)
		return e.Next()
	}
	app.OnRecordCreateRequest("sources").BindFunc(merge)
	app.OnRecordUpdateRequest("sources").BindFunc(merge)

	// Each webhook source gets its own signing secret at creation.
	app.OnRecordCreate("sources").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("webhook_secret") == "" {
			e.Record.Set("webhook_secret", h.vault.Seal(records.RandomToken(24)))
		}
		return e.Next()
	})

	app.OnRecordEnrich("sources").BindFunc(func(e *core.RecordEnrichEvent) error {
		e.Record.WithCustomData(true)
		e.Record.Set("credential_keys", slices.Sorted(maps.Keys(h.Sealed(e.Record))))
		return e.Next()
	})
	return nil
}

// Sealed returns the stored credentials still sealed; open them with
// Open only where a connector needs them.
func (h *Store) Sealed(r *core.Record) map[string]string {
	out := map[string]string{}
	_ = r.UnmarshalJSONField("credentials", &out)
	return out
}

// Set seals m into the record's credentials, replacing them.
func (h *Store) Set(r *core.Record, m map[string]string) {
	sealed := make(map[string]string, len(m))
	for k, v := range m {
		sealed[k] = h.vault.Seal(v)
	}
	r.Set("credentials", sealed)
}

// Open decrypts a source's credentials for a connector.
func (h *Store) Open(r *core.Record) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range h.Sealed(r) {
		plain, err := h.vault.Open(v)
		if err != nil {
			return nil, fmt.Errorf("credential %q: %w", k, err)
		}
		out[k] = plain
	}
	return out, nil
}

func stringMap(raw any) (map[string]string, error) {
	var b []byte
	if s, ok := raw.(string); ok {
		b = []byte(s) // multipart forms carry the object as JSON text
	} else {
		var err error
		if b, err = json.Marshal(raw); err != nil {
			return nil, err
		}
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("expected an object of strings")
	}
	return m, nil
}
