package replies

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

// deliver posts the reply through the ticket's platform, answering the
// mention it names or the customer's latest message.
func (o *Outbox) deliver(ctx context.Context, r *core.Record) (connectors.Sent, error) {
	t, err := o.app.FindRecordById("tickets", r.GetString("ticket"))
	if err != nil {
		return connectors.Sent{}, fmt.Errorf("%w: the ticket is gone", connectors.ErrConfig)
	}
	var m *core.Record
	if id := r.GetString("in_reply_to"); id != "" {
		m, _ = o.app.FindRecordById("mentions", id)
	}
	if m == nil {
		ms, err := o.app.FindRecordsByFilter("mentions", "ticket = {:t} && own = false", "-published_at", 1, 0, dbx.Params{"t": t.Id})
		if err != nil || len(ms) == 0 {
			return connectors.Sent{}, fmt.Errorf("%w: the ticket has no customer message to answer", connectors.ErrConfig)
		}
		m = ms[0]
	}
	src, err := o.app.FindRecordById("sources", m.GetString("source"))
	if err != nil {
		return connectors.Sent{}, fmt.Errorf("%w: the source of this conversation was deleted", connectors.ErrConfig)
	}
	replier, err := o.deps.Connectors.Replier(src.GetString("kind"))
	if err != nil {
		return connectors.Sent{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	cs, err := o.deps.ConnectorSource(sctx, src)
	if err != nil {
		return connectors.Sent{}, o.noteReconnect(src, err)
	}
	if cs.Kind == "email" {
		o.fillSMTP(&cs)
	}
	sent, err := replier.Reply(sctx, cs, mentionOf(m), r.GetString("body"), r.GetString("idempotency_key"))
	return sent, o.noteReconnect(src, err)
}

// noteReconnect marks src "reconnect needed" when its platform refused the
// grant of an account connected with OAuth (the owners are alerted once),
// and returns err as it is.
func (o *Outbox) noteReconnect(src *core.Record, err error) error {
	if !errors.Is(err, connectors.ErrReconnect) || o.deps.MarkReconnect == nil {
		return err
	}
	if _, oauth := model.ConnectProviders[src.GetString("kind")]; !oauth {
		return err
	}
	if markErr := o.deps.MarkReconnect(o.app, src, err); markErr != nil {
		o.app.Logger().Warn("outbox: marking the source for reconnection", "source_id", src.Id, "error", markErr)
	}
	return err
}

// fillSMTP gives the e-mail connector PocketBase's mailer settings unless
// the source sets its own.
func (o *Outbox) fillSMTP(cs *connectors.Source) {
	if cs.Options["smtp_host"] != "" {
		return
	}
	if cs.Options == nil {
		cs.Options = map[string]string{}
	}
	if cs.Secrets == nil {
		cs.Secrets = map[string]string{}
	}
	s := o.app.Settings()
	cs.Options["smtp_host"] = s.SMTP.Host
	cs.Options["smtp_port"] = strconv.Itoa(s.SMTP.Port)
	switch {
	case s.SMTP.TLS:
		cs.Options["smtp_tls"] = "tls"
	case s.SMTP.Port == 25 && (s.SMTP.Host == "127.0.0.1" || s.SMTP.Host == "localhost"):
		cs.Options["smtp_tls"] = "none"
	}
	if s.SMTP.AuthMethod != "" {
		cs.Options["smtp_auth"] = strings.ToUpper(s.SMTP.AuthMethod)
	}
	if s.SMTP.LocalName != "" {
		cs.Options["smtp_local_name"] = s.SMTP.LocalName
	}
	if cs.Options["smtp_from"] == "" {
		cs.Options["smtp_from"] = s.Meta.SenderAddress
		cs.Options["smtp_from_name"] = s.Meta.SenderName
	}
	cs.Secrets["smtp_username"] = s.SMTP.Username
	cs.Secrets["smtp_password"] = s.SMTP.Password
}

// mentionOf rebuilds what a Replier needs from a stored mention.
func mentionOf(m *core.Record) connectors.Mention {
	meta := map[string]string{}
	_ = m.UnmarshalJSONField("meta", &meta)
	thread := m.GetString("thread_key")
	if _, id, ok := strings.Cut(thread, ":"); ok {
		thread = id
	}
	return connectors.Mention{
		ExternalID: m.GetString("external_id"), URL: m.GetString("url"),
		Author: m.GetString("author"), AuthorName: m.GetString("author_name"),
		Title: m.GetString("title"), Text: m.GetString("text"), Lang: m.GetString("language"),
		Published: m.GetDateTime("published_at").Time(), InReplyTo: m.GetString("in_reply_to"),
		ThreadID: thread, Meta: meta,
	}
}
