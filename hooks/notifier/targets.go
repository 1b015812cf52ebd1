package notifier

// Notification targets: delivering to one (push, ntfy, chat, webhook,
// e-mail, SMS), recording the outcome on it, its test message, and the
// checks a target passes when an owner or agent saves it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// client returns the outbound-guarded client (or the open one when the
// operator allows private addresses). Built once: a transport per send
// would leak idle connections.
func (n *Notifier) client() *http.Client {
	n.clientOnce.Do(func() {
		n.guarded = connectors.GuardedClient(false, notifySendTimeout)
		n.openClient = connectors.GuardedClient(true, notifySendTimeout)
	})
	if n.d.AllowPrivateURLs {
		return n.openClient
	}
	return n.guarded
}

// sender returns the shared sender (read-only once built, safe for the
// concurrent senders).
func (n *Notifier) sender() (*notify.Sender, error) {
	n.senderMu.Lock()
	defer n.senderMu.Unlock()
	if gen := n.settingsGen.Load(); n.senderVal == nil || n.senderErr != nil || n.senderGen != gen {
		n.senderVal, n.senderErr = n.buildSender()
		// Read the generation after building: a save made by the build
		// itself (new VAPID keys) is already in what was read.
		n.senderGen = n.settingsGen.Load()
	}
	return n.senderVal, n.senderErr
}

func (n *Notifier) buildSender() (*notify.Sender, error) {
	app := n.app
	s := &notify.Sender{
		Client: n.client(), SMS: n.sms, UserAgent: connectors.DefaultUserAgent,
		Mail: func(ctx context.Context, to, subject, text, html string) error {
			meta := app.Settings().Meta
			return app.NewMailClient().Send(&mailer.Message{
				From:    mail.Address{Name: meta.SenderName, Address: meta.SenderAddress},
				To:      []mail.Address{{Address: to}},
				Subject: subject, Text: text, HTML: html,
			})
		},
	}
	if st, err := settings.Load(app); err == nil && strings.HasPrefix(st.PublicURL, "https://") {
		s.Subscriber = st.PublicURL
	} else {
		s.Subscriber = app.Settings().Meta.SenderAddress
	}
	pub, priv, err := n.vapid()
	s.VAPIDPublic, s.VAPIDPrivate = pub, priv
	return s, err
}

func (n *Notifier) target(r *core.Record) (notify.Target, error) {
	secret, err := n.d.Vault.Open(r.GetString("secret"))
	if err != nil {
		return notify.Target{}, fmt.Errorf("the saved secret cannot be read (was the encryption key changed?): %w", err)
	}
	sub, _ := json.Marshal(r.Get("subscription"))
	if s, ok := r.Get("subscription").(string); ok {
		sub = []byte(s)
	}
	return notify.Target{ID: r.Id, Kind: r.GetString("kind"), Target: strings.TrimSpace(r.GetString("target")), Subscription: sub, Secret: secret}, nil
}

func (n *Notifier) send(ctx context.Context, r *core.Record, m notify.Message, sleep notify.Sleep) (int, error) {
	t, err := n.target(r)
	if err != nil {
		return 0, err
	}
	s, err := n.sender()
	if err != nil && t.Kind == "webpush" {
		return 0, err
	}
	return s.Deliver(ctx, t, m, notifySendTimeout, sleep)
}

// record writes last_sent_at or last_error on a fresh copy of the target
// (the user may have edited it meanwhile), and switches off a web push
// subscription that is gone. note follows the error: what became of the
// notifications waiting behind it (lanes.go).
func (n *Notifier) record(id string, m notify.Message, sendErr error, note string) {
	app := n.app
	log := app.Logger().With("target_id", id, "kind", m.Kind, "ticket_id", m.TicketID)
	r, err := app.FindRecordById("notifications", id)
	if err != nil {
		return
	}
	if sendErr == nil {
		n.sent.Add(1)
		r.Set("last_sent_at", n.now())
		r.Set("last_error", "")
	} else {
		n.fails.Add(1)
		msg := notifyErrorMessage(sendErr, n.now())
		if note != "" {
			msg = strings.TrimSpace(msg) + " — " + note + "."
		}
		r.Set("last_error", records.Clip(msg, 1000))
		if errors.Is(sendErr, notify.ErrGone) {
			r.Set("enabled", false)
		}
		log.Warn("notify: delivery failed", "target_kind", r.GetString("kind"), "error", sendErr)
	}
	if err := app.Save(r); err != nil {
		log.Error("notify: recording delivery", "error", err)
	}
}

// notifyErrorMessage is what the owner reads under the target.
func notifyErrorMessage(err error, now time.Time) string {
	at := now.Format("2006-01-02 15:04") + " UTC: "
	var se *notify.StatusError
	switch {
	case errors.Is(err, notify.ErrGone):
		return at + "this device's push subscription has expired or was removed (" + strings.Trim(strings.TrimPrefix(err.Error(), "notify: push subscription gone "), "()") +
			"). Notifications to it are off: open Mentiondesk on the device and turn them on again."
	case errors.Is(err, connectors.ErrBlockedAddress):
		return at + "the address is not allowed (" + web.UserMessage(err) + ")."
	case errors.As(err, &se) && (se.Status == 401 || se.Status == 403):
		return at + "refused (HTTP " + fmt.Sprint(se.Status) + "): check the token or secret. " + se.Body
	case errors.As(err, &se) && se.Status == 429:
		return at + "rate limited by the service (HTTP 429) even after retrying. " + se.Body
	}
	msg := strings.ReplaceAll(err.Error(), "notify: ", "")
	return at + strings.ReplaceAll(msg, "connectors: ", "")
}

// vapid returns the VAPID key pair, generating it on first use. The
// private key is sealed like every other secret. A key that cannot be
// opened is an error, never a silent new pair: every device subscribed
// with the old public key would stop receiving.
func (n *Notifier) vapid() (pub, priv string, err error) {
	n.vapidMu.Lock()
	defer n.vapidMu.Unlock()
	app := n.app
	s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		return "", "", err
	}
	pub, sealed := s.GetString("vapid_public"), s.GetString("vapid_private")
	if pub != "" && sealed != "" {
		priv, err = n.d.Vault.Open(sealed)
		if err != nil {
			return "", "", fmt.Errorf("VAPID private key: %w", err)
		}
		return pub, priv, nil
	}
	priv, pub, err = webpush.GenerateVAPIDKeys()
	if err != nil {
		return "", "", err
	}
	s.Set("vapid_public", pub)
	s.Set("vapid_private", n.d.Vault.Seal(priv))
	if err := app.Save(s); err != nil {
		return "", "", err
	}
	app.Logger().Info("notify: VAPID keys generated")
	return pub, priv, nil
}

func (n *Notifier) handlePushKey(e *core.RequestEvent) error {
	pub, _, err := n.vapid()
	if err != nil {
		return apis.NewApiError(http.StatusServiceUnavailable, "Push notifications are not available on this server.", nil)
	}
	return e.JSON(http.StatusOK, map[string]string{"public_key": pub})
}

// handleTest sends a test message to one of the caller's own targets, once
// and at once (no quiet hours, no retry loop holding the request), and
// answers what happened.
func (n *Notifier) handleTest(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("notifications", e.Request.PathValue("id"))
	if err != nil || e.Auth == nil || r.GetString("user") != e.Auth.Id {
		return apis.NewNotFoundError("Notification target not found.", nil)
	}
	s, _ := settings.Load(e.App)
	m := notify.Build(e.Auth.GetString("language"), notify.Event{Kind: notify.KindTest}, n.now())
	m.URL = n.home(s) + "/"
	noRetry := func(context.Context, time.Duration) error { return context.Canceled }
	_, sendErr := n.send(e.Request.Context(), r, m, noRetry)
	n.record(r.Id, m, sendErr, "")
	out := map[string]any{"ok": sendErr == nil}
	if sendErr != nil {
		out["error"] = notifyErrorMessage(sendErr, n.now())
		var se *notify.StatusError
		if errors.As(sendErr, &se) {
			out["status"] = se.Status
		}
	}
	return e.JSON(http.StatusOK, out)
}

// prepareTarget checks a target when it is saved and seals its secret.
// The secret field is hidden, so PocketBase drops it from the parsed body
// of non-superusers: it is read from the raw body, and a blank value
// removes it.
func (n *Notifier) prepareTarget(e *core.RecordRequestEvent) error {
	r := e.Record
	var raw map[string]any
	if err := e.BindBody(&raw); err == nil {
		if v, ok := raw["secret"]; ok {
			secret, _ := v.(string)
			secret = strings.TrimSpace(secret)
			if len(secret) > maxSecretLen {
				return apis.NewBadRequestError("Please check the highlighted fields.", validation.Errors{
					"secret": validation.NewError("validation_max_length", fmt.Sprintf("At most %d characters.", maxSecretLen)),
				})
			}
			r.Set("secret", n.d.Vault.Seal(secret))
		}
	}
	if errs := n.validateTarget(e.App, r); len(errs) > 0 {
		return apis.NewBadRequestError("Please check the highlighted fields.", errs)
	}
	return nil
}

func (n *Notifier) validateTarget(app core.App, r *core.Record) validation.Errors {
	errs := validation.Errors{}
	target := strings.TrimSpace(r.GetString("target"))
	r.Set("target", target)
	checkURL := func(field, u string) {
		if err := connectors.CheckURL(u); err != nil {
			if errors.Is(err, connectors.ErrBlockedAddress) && n.d.AllowPrivateURLs {
				return
			}
			errs[field] = validation.NewError("validation_invalid_url", web.UserMessage(err))
		}
	}
	switch r.GetString("kind") {
	case "webpush":
		raw, _ := json.Marshal(r.Get("subscription"))
		sub, err := notify.ParseSubscription(raw)
		if err != nil {
			errs["subscription"] = validation.NewError("validation_invalid_subscription", strings.TrimPrefix(err.Error(), "notify: target misconfigured: ")+".")
			break
		}
		checkURL("subscription", sub.Endpoint)
		if target == "" {
			r.Set("target", sub.Endpoint)
		}
	case "ntfy":
		if target == "" {
			errs["target"] = validation.NewError("validation_required", "Give the topic URL, e.g. https://ntfy.sh/my-cafe-alerts.")
		} else if notify.NtfyURL(target) == target {
			checkURL("target", target)
		}
	case "slack", "discord", "webhook":
		if target == "" {
			errs["target"] = validation.NewError("validation_required", "Paste the webhook URL.")
		} else {
			checkURL("target", target)
		}
	case "email":
		a, err := mail.ParseAddress(target)
		if err != nil || a.Address != target {
			errs["target"] = validation.NewError("validation_invalid_email", "Give one e-mail address, e.g. owner@example.com.")
		} else if !app.Settings().SMTP.Enabled {
			// Said now, not at the first alert that never comes.
			errs["kind"] = validation.NewError("validation_no_smtp", "E-mail alerts need the server's mail settings: a superuser sets SMTP in the admin UI (/_/ → Settings → Mail settings).")
		}
	case "sms":
		if p := strings.NewReplacer(" ", "", "-", "", ".", "").Replace(target); notify.PhoneRE.MatchString(p) {
			r.Set("target", p)
		} else {
			errs["target"] = validation.NewError("validation_invalid_phone", "Give the number with its country code, e.g. +33612345678.")
		}
		if n.sms.URL == "" || n.sms.From == "" {
			errs["kind"] = validation.NewError("validation_no_sms", "Text-message alerts need an SMS provider on the server (MD_SMS_URL and MD_SMS_FROM).")
		}
	}
	return errs
}
