package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The push phase: mentions POSTed to a webhook source, one at a time as
// real traffic brings them, timed until the message about each reaches a
// fake ntfy server (the owner's notification target). Bursts become
// digests by design (hooks/notify: a sixth event within ten minutes), so
// the owner has a triage rule that notifies at once for these mentions,
// as an owner does for what must never wait (a rule's "notify" passes the
// burst guard, never quiet hours).

// ntfyServer is a fake ntfy instance speaking its publish API: POST (or
// PUT) to /<topic> with the message as the body and X-Title, X-Priority,
// X-Tags, X-Click headers; it answers the published message as JSON.
type ntfyServer struct {
	*httptest.Server
	mu      sync.Mutex
	arrived map[int]time.Time // push number → first message naming it
	extra   int               // messages naming no push (digests, others)
}

// pushMark names a push in its text, so its message can be told apart.
var pushMark = regexp.MustCompile(`LP(\d{4})`)

func newNtfy() *ntfyServer {
	n := &ntfyServer{arrived: map[int]time.Time{}}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			http.Error(w, `{"code":40501,"http":405,"error":"method not allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		m := pushMark.FindSubmatch(append([]byte(r.Header.Get("X-Title")+"\n"), body...))
		n.mu.Lock()
		if m == nil {
			n.extra++
		} else if i, _ := strconv.Atoi(string(m[1])); n.arrived[i].IsZero() {
			n.arrived[i] = at
		}
		n.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": strconv.FormatInt(at.UnixNano(), 36), "time": at.Unix(),
			"event": "message", "topic": r.URL.Path[1:], "message": string(body)})
	}))
	return n
}

func (n *ntfyServer) at(i int) (time.Time, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	t, ok := n.arrived[i]
	return t, ok
}

// pushSetup is what the owner sets up through the API: a webhook source,
// an ntfy target and the rule; it returns the webhook's URL and secret.
func pushSetup(ctx context.Context, owner *api, ntfyURL string) (hookURL, secret string, err error) {
	var me struct {
		Record struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	if err := owner.do(ctx, http.MethodPost, "/api/collections/users/auth-refresh", nil, &me); err != nil {
		return "", "", err
	}
	var src struct {
		ID string `json:"id"`
	}
	if err := owner.do(ctx, http.MethodPost, "/api/collections/sources/records",
		map[string]any{"kind": "webhook", "name": "Load test pushes", "enabled": true}, &src); err != nil {
		return "", "", fmt.Errorf("webhook source: %w", err)
	}
	var info struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if err := owner.get(ctx, "/api/md/sources/"+src.ID+"/webhook", nil, &info); err != nil {
		return "", "", err
	}
	if err := owner.do(ctx, http.MethodPost, "/api/collections/notifications/records", map[string]any{
		"user": me.Record.ID, "kind": "ntfy", "name": "Load test phone", "target": ntfyURL + "/mentiondesk-load",
		"enabled": true, "events": []string{"new_ticket"}}, nil); err != nil {
		return "", "", fmt.Errorf("ntfy target: %w", err)
	}
	if err := owner.do(ctx, http.MethodPost, "/api/collections/rules/records", map[string]any{
		"name": "Load test: notify at once", "position": 0, "enabled": true,
		"when_text": "loadtest", "notify": true}, nil); err != nil {
		return "", "", fmt.Errorf("rule: %w", err)
	}
	return info.URL, info.Secret, nil
}

// silenceTargets turns off a member's notification targets: the generated
// database's agent has an ntfy target at ntfy.example, which resolves
// nowhere, and every message to it would wait for the lookup to fail.
func silenceTargets(ctx context.Context, member *api) error {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := member.get(ctx, "/api/collections/notifications/records", url.Values{"perPage": {"500"}, "fields": {"id"}}, &page); err != nil {
		return err
	}
	for _, it := range page.Items {
		if err := member.do(ctx, http.MethodPatch, "/api/collections/notifications/records/"+it.ID,
			map[string]any{"enabled": false}, nil); err != nil {
			return err
		}
	}
	return nil
}

// pushResult is the pushes' delivery latencies and what went wrong.
type pushResult struct {
	lat      []time.Duration // sorted
	refused  int             // webhook answers other than 200
	lost     int             // no message within the wait
	extra    int
	first    error
	interval time.Duration
	warmup   time.Duration // until the warm-up push's message came
}

// push sends n mentions to the webhook, spaced by an exponential
// interval of mean every (people do not write on a clock), signed with
// the source's secret (X-Mentiondesk-Signature: sha256=<hex HMAC>), and
// waits up to wait after the last for their messages.
func push(ctx context.Context, hookURL, secret string, ntfy *ntfyServer, n int, every, wait time.Duration) pushResult {
	res := pushResult{interval: every}
	c := &http.Client{Timeout: 30 * time.Second}
	sent := map[int]time.Time{}
	run := time.Now().UnixNano()
	// Warm-up: the server's first SLA pass over an old database flags
	// thousands of tickets at start, and the notifier works through them;
	// the measure starts once a first push has come through.
	warm := time.Now()
	if _, err := sendPush(ctx, c, hookURL, secret, run, warmupPush); err != nil {
		res.first = err
		return res
	}
	for ctx.Err() == nil {
		if _, ok := ntfy.at(warmupPush); ok {
			break
		}
		if time.Since(warm) > warmupWait {
			res.first = fmt.Errorf("the warm-up push got no message within %s: the notifier is still working through the start's events", warmupWait)
			return res
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.warmup = time.Since(warm)
	for i := range n {
		if i > 0 {
			d := time.Duration(rand.ExpFloat64() * float64(every))
			select {
			case <-ctx.Done():
				return res
			case <-time.After(d):
			}
		}
		t0, err := sendPush(ctx, c, hookURL, secret, run, i)
		if err != nil {
			res.refused++
			if res.first == nil {
				res.first = err
			}
			continue
		}
		sent[i] = t0
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		all := true
		for i := range sent {
			if _, ok := ntfy.at(i); !ok {
				all = false
				break
			}
		}
		if all {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, t0 := range sent {
		if at, ok := ntfy.at(i); ok {
			res.lat = append(res.lat, at.Sub(t0))
		} else {
			res.lost++
		}
	}
	slices.Sort(res.lat)
	ntfy.mu.Lock()
	res.extra = ntfy.extra
	ntfy.mu.Unlock()
	return res
}

// warmupWait bounds the warm-up.
const warmupWait = 10 * time.Minute

// warmupPush is the number of the push sent before the measured ones.
const warmupPush = 9999

// sendPush posts mention i as a tool like Zapier would: a JSON object
// (connectors/webhook.go lists the fields) signed with the source's secret
// (X-Mentiondesk-Signature: sha256=<hex HMAC-SHA256 of the body>). Its
// text names the business (a mention without a brand keyword is dropped),
// complains (it opens a ticket) and carries its mark; each comes from a
// different person, so none joins another's ticket.
func sendPush(ctx context.Context, c *http.Client, hookURL, secret string, run int64, i int) (time.Time, error) {
	body, _ := json.Marshal(map[string]any{
		"id": fmt.Sprintf("loadpush-%d-%d", run, i), "author": fmt.Sprintf("@client%d-%d@example.org", run, i),
		"author_name": fmt.Sprintf("Client LP%04d", i), "lang": "fr", "published": time.Now().UTC().Format(time.RFC3339),
		"text": fmt.Sprintf("LP%04d (loadtest) Café Lune, ma commande n'est jamais arrivée et personne ne répond, je veux être remboursé", i),
	})
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Mentiondesk-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	t0 := time.Now()
	r, err := c.Do(req)
	if err != nil {
		return t0, err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK {
		return t0, fmt.Errorf("webhook: HTTP %d: %.200s", r.StatusCode, b)
	}
	return t0, nil
}
