package connect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/model"
)

// TestReconnectKeepsALongCursor: the poller writes a source's cursor as the
// connector made it, and a busy YouTube channel's (the reply counts of up
// to 500 threads) or Instagram account's runs past two thousand characters.
// Connecting again after a revoked grant saves the source with validation:
// it must not fail on the cursor the poller wrote.
func TestReconnectKeepsALongCursor(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindYouTube, nil, nil)
	var counts []string
	for i := range 200 {
		counts = append(counts, fmt.Sprintf(`"UgzQ8vV3xYk2mNp4rT%06dAaABAg":%d`, i, i%40+6))
	}
	cursor := `{"since":"2026-11-28T11:00:00Z","replies":{` + strings.Join(counts, ",") + `}}`
	if _, err := h.app.DB().Update("sources", dbx.Params{"cursor": cursor}, dbx.HashExp{"id": src.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	st := h.start(src.Id)
	if loc := h.callback("google", as.consent(t, st.URL)); loc.Query().Get("connect") != "ok" {
		t.Fatalf("reconnecting a source with a %d-character cursor: %s", len(cursor), loc)
	}
	if r, _ := h.reload(src.Id); r.GetString("cursor") != cursor {
		t.Error("the cursor was not kept")
	}
}
