package replies

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/model"
)

// fakeReviewReplies is the Business Profile reviews.updateReply method:
// PUT /v4/{review}/reply with {"comment"} sets the review's one owner
// answer, replacing any earlier one, and answers the ReviewReply
// ({"comment", "updateTime"}); a wrong bearer token is a google.rpc.Status
// 401 UNAUTHENTICATED.
type fakeReviewReplies struct {
	token string
	mu    sync.Mutex
	puts  int
	reply map[string]string // review name → its answer
}

func (f *fakeReviewReplies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`))
		return
	}
	var in struct {
		Comment string `json:"comment"`
	}
	if r.Method != http.MethodPut || !strings.HasSuffix(r.URL.Path, "/reply") || json.NewDecoder(r.Body).Decode(&in) != nil || in.Comment == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`))
		return
	}
	f.mu.Lock()
	f.puts++
	f.reply[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v4/"), "/reply")] = in.Comment
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{"comment": in.Comment, "updateTime": time.Now().UTC().Format(time.RFC3339Nano)})
}

// A crash after Google took an answer but before it was recorded leaves
// the reply "sending". Google's updateReply replaces the review's one
// answer, so on restart the reply is sent again rather than handed to the
// agent as "check whether the customer received it": the review ends with
// one answer, this one, and the reply is sent.
func TestOutboxInterruptedGoogleReplyIsSentAgain(t *testing.T) {
	t.Parallel()
	const token = "ya29.fresh"
	google := &fakeReviewReplies{token: token, reply: map[string]string{}}
	srv := httptest.NewServer(google)
	t.Cleanup(srv.Close)

	app, _ := apptest.New(t)
	d := testDeps()
	d.ConnectorSource = func(_ context.Context, src *core.Record) (connectors.Source, error) {
		return connectors.Source{ID: src.Id, Kind: src.GetString("kind"), URL: src.GetString("url"),
			Options: records.SourceOptions(src), Secrets: map[string]string{"access_token": token}}, nil
	}
	o, err := Register(app, d)
	if err != nil {
		t.Fatal(err)
	}
	const review = "accounts/118200045219872300091/locations/7720395512408151021/reviews/AbFvOqk3nXj9Qm2sYcW1"
	src := apptest.Save(t, app, "sources", map[string]any{"kind": model.KindGoogleReviews, "name": "Avis Google", "url": srv.URL, "enabled": true})
	published := time.Now().Add(-time.Hour).UTC()
	tk := apptest.Save(t, app, "tickets", map[string]any{"status": "new", "priority": "normal", "channel": model.KindGoogleReviews, "source": src.Id, "first_mention_at": published})
	apptest.Save(t, app, "mentions", map[string]any{
		"source": src.Id, "channel": model.KindGoogleReviews, "external_id": review + "@" + published.Format(time.RFC3339Nano), "ticket": tk.Id,
		"author": "Julien Tremblay", "published_at": published, "thread_key": "google_reviews:" + review,
		"text": "Café froid, 25 minutes d'attente.", "meta": map[string]string{"review_name": review, "stars": "1"},
	})
	const answer = "Bonjour Julien, toutes nos excuses : le prochain café est offert."
	r := queueReply(t, app, tk.Id, answer)

	// The PUT reaches Google; the process dies before saving.
	if _, err := o.deliver(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE replies SET status = 'sending' WHERE id = {:id}").Bind(map[string]any{"id": r.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	// Restart.
	o.recoverInterruptedSends()
	o.SendDue(context.Background())

	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "sent" || r.GetString("external_id") != review+"/reply" {
		t.Fatalf("after recovery: %s %q (%s)", r.GetString("status"), r.GetString("external_id"), r.GetString("error"))
	}
	google.mu.Lock()
	defer google.mu.Unlock()
	if len(google.reply) != 1 || google.reply[review] != answer || google.puts != 2 {
		t.Fatalf("Google holds %v after %d PUTs: want this one answer on the review, set twice", google.reply, google.puts)
	}
}
