package hooks

import (
	"context"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/model"
)

// TestGoogleReviewEditJoinsItsTicketAndSubjectsSpeakNoLanguage: through the
// wired server, a review its author edits (Google keeps its name and moves
// updateTime) is a second message in the review's ticket, never a second
// ticket; a rating without text gets its stars as the subject, and a
// review with text the text, so no English words of ours reach a French
// owner's inbox.
func TestGoogleReviewEditJoinsItsTicketAndSubjectsSpeakNoLanguage(t *testing.T) {
	t.Parallel()
	g := newFakeGoogle(t)
	w := serveWired(t, googleConfig(g))
	ctx := context.Background()
	src := saveRecord(t, w.app, "sources", map[string]any{"kind": model.KindGoogleReviews, "name": "Avis Google",
		"url": g.srv.URL, "enabled": true, "interval_sec": 300})
	w.connectGoogle(g, src.Id)

	g.review("AbEdited01", "ONE", "Le café était froid et personne ne s'est excusé.", "Julien Tremblay", time.Now().Add(-2*time.Hour))
	g.review("AbStarsOnly", "ONE", "", "Marie Gagnon", time.Now().Add(-time.Hour))
	if res, err := w.hub.sources.PollSource(ctx, src.Id); err != nil || res.New != 2 {
		t.Fatalf("first poll: %+v, %v", res, err)
	}
	subjects := map[string]string{}
	for _, m := range mentionsOf(t, w.app, src.Id) {
		tk, err := w.app.FindRecordById("tickets", m.GetString("ticket"))
		if err != nil {
			t.Fatalf("mention %s has no ticket: %v", m.GetString("external_id"), err)
		}
		subjects[m.GetString("author")] = tk.GetString("subject")
	}
	if s := subjects["Julien Tremblay"]; s != "Le café était froid et personne ne s'est excusé." {
		t.Errorf("subject of a review with text: %q", s)
	}
	if s := subjects["Marie Gagnon"]; s != "★☆☆☆☆" {
		t.Errorf("subject of a rating alone: %q", s)
	}

	// Julien edits his review: same name, new text and stars, updateTime now.
	g.review("AbEdited01", "FOUR", "Ils m'ont rappelé et offert un café. Merci !", "Julien Tremblay", time.Now().Add(-time.Minute))
	if res, err := w.hub.sources.PollSource(ctx, src.Id); err != nil || res.New != 1 {
		t.Fatalf("poll after the edit: %+v, %v", res, err)
	}
	tickets := map[string]bool{}
	n := 0
	for _, m := range mentionsOf(t, w.app, src.Id) {
		if m.GetString("author") == "Julien Tremblay" {
			n++
			tickets[m.GetString("ticket")] = true
		}
	}
	if n != 2 || len(tickets) != 1 {
		t.Errorf("Julien's review and its edit: %d messages in %d tickets, want 2 in 1", n, len(tickets))
	}
}
