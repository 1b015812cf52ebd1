package model

import (
	"regexp"
	"slices"
	"strings"
)

// Message is a message the server sends people, with a stable code the
// app translates and programs can rely on while the wording changes.
// {name} in the text stands for a parameter.
type Message struct {
	Code, EN, FR string
}

// Messages are the server's own messages, in English and French. The
// server translates its errors from this table, the app's copy of it is
// generated (ui/src/lib/model.gen.js), and each code is written once.
var Messages = []Message{
	{"passwords_dont_match", "Passwords don't match.", "Les mots de passe ne correspondent pas."},
	{"check_fields", "Please check the highlighted fields.", "Vérifiez les champs signalés."},
	{"invalid_request_body", "Invalid request body.", "Requête illisible."},
	{"owner_create_failed", "Could not create the owner account.", "Impossible de créer le compte propriétaire."},
	{"already_set_up", "Mentiondesk is already set up: sign in instead.", "Mentiondesk est déjà configuré : connectez-vous."},
	{"timezone_unknown_example", "Unknown timezone; use a name such as Europe/Paris.", "Fuseau horaire inconnu ; utilisez un nom comme Europe/Paris."},
	{"unknown_timezone", "Unknown timezone.", "Fuseau horaire inconnu."},
	{"timezone_name_hint", "Use a name such as Europe/Paris or America/Toronto.", "Utilisez un nom comme Europe/Paris ou America/Toronto."},
	{"business_hours_unusable", "These business hours cannot be used.", "Ces horaires d’ouverture sont inutilisables."},
	{"keyword_unusable", "This keyword cannot be used.", "Ce mot-clé est inutilisable."},
	{"template_unknown_placeholder", "This template has a placeholder that cannot be filled.", "Ce modèle contient une variable inconnue."},
	{"template_unbalanced", "This template has unbalanced braces.", "Accolades mal fermées dans ce modèle."},
	{"braces_unclosed", "Every {{ needs its }}.", "Chaque {{ doit avoir son }}."},
	{"reply_empty", "The reply is empty.", "La réponse est vide."},
	{"reply_not_failed", "Only a failed reply can be retried.", "Seule une réponse en échec peut être renvoyée."},
	{"owner_only", "Only the owner can do this.", "Seul le propriétaire peut faire cela."},
	{"search_empty", "Type at least one word to search for.", "Tapez au moins un mot à rechercher."},
	{"search_failed", "The search could not run.", "La recherche a échoué."},
	{"ticket_not_found", "Ticket not found.", "Ticket introuvable."},
	{"reply_not_found", "Reply not found.", "Réponse introuvable."},
	{"source_not_found", "Source not found.", "Source introuvable."},
	{"template_not_found", "Template not found.", "Modèle introuvable."},
	{"webhook_source_not_found", "Webhook source not found.", "Source webhook introuvable."},
	{"notification_target_not_found", "Notification target not found.", "Destinataire de notification introuvable."},
	{"no_webhook_source", "No enabled webhook source here.", "Aucune source webhook active à cette adresse."},
	{"invalid_credentials", "Invalid credentials.", "Identifiants invalides."},
	{"preview_needs_ticket", "Say which ticket to preview the template for (?ticket=).", "Indiquez le ticket pour l’aperçu du modèle (?ticket=)."},
	{"webhook_not_polled", "Webhook sources are not polled: they receive mentions when your tool calls their URL.", "Une source webhook n’est pas interrogée : elle reçoit les mentions quand votre outil appelle son adresse."},
	{"interval_too_short", "Check at most every 30 seconds: platforms block clients that poll faster.", "Au plus une vérification toutes les 30 secondes : les plateformes bloquent les clients trop pressés."},
	{"need_hashtag_or_words", "Give the hashtag or the words to search for.", "Indiquez le hashtag ou les mots à rechercher."},
	{"need_reddit_query", "Give the words to search for, a subreddit, or your private feed URL.", "Indiquez les mots à rechercher, un subreddit ou l’adresse de votre flux privé."},
	{"need_search_words", "Give the words to search for, e.g. \"Café Lune\".", "Indiquez les mots à rechercher, par exemple « Café Lune »."},
	{"need_mastodon_instance", "Give your Mastodon instance, e.g. https://mastodon.social.", "Indiquez votre instance Mastodon, par exemple https://mastodon.social."},
	{"need_feed_url", "Paste the feed's address (RSS, Atom, JSON Feed or a Google Alerts feed).", "Collez l’adresse du flux (RSS, Atom, JSON Feed ou flux Google Alertes)."},
	{"need_imap_server", "Give the IMAP server as imaps://mail.example.com (or imap://… with STARTTLS).", "Indiquez le serveur IMAP sous la forme imaps://mail.example.com (ou imap://… avec STARTTLS)."},
	{"need_email_address", "Give one e-mail address, e.g. owner@example.com.", "Indiquez une seule adresse e-mail, par exemple patron@example.com."},
	{"need_phone_number", "Give the number with its country code, e.g. +33612345678.", "Indiquez le numéro avec l’indicatif du pays, par exemple +33612345678."},
	{"need_ntfy_topic", "Give the topic URL, e.g. https://ntfy.sh/my-cafe-alerts.", "Indiquez l’adresse du sujet, par exemple https://ntfy.sh/alertes-du-cafe."},
	{"need_webhook_url", "Paste the webhook URL.", "Collez l’adresse du webhook."},
	{"body_too_large", "The body is too large.", "Le contenu est trop volumineux."},
	{"bad_websub_signature", "Bad WebSub signature.", "Signature WebSub invalide."},
	{"source_busy", "This source is being checked right now.", "Cette source est en cours de vérification."},
	{"source_dns", "{host} does not exist: check the address.", "{host} n’existe pas : vérifiez l’adresse."},
	{"source_refused", "{host} refused the connection: the server may be down.", "{host} a refusé la connexion : le serveur est peut-être arrêté."},
	{"source_timeout", "{host} did not answer in time.", "{host} n’a pas répondu à temps."},
	{"source_tls", "{host} has an invalid security certificate (HTTPS).", "{host} a un certificat de sécurité (HTTPS) invalide."},
	{"source_unreachable", "{host} could not be reached.", "{host} est injoignable."},
	{"source_blocked", "This address is not allowed: it points into a private network.", "Cette adresse n’est pas autorisée : elle mène à un réseau privé."},
	{"source_auth", "The platform refused the credentials: check the token or password.", "La plateforme a refusé les identifiants : vérifiez le jeton ou le mot de passe."},
	{"source_reconnect", "The account must be connected again.", "Le compte doit être reconnecté."},
	{"source_not_feed", "This address is not a feed (RSS, Atom or JSON Feed).", "Cette adresse n’est pas un flux (RSS, Atom ou JSON Feed)."},
	{"source_too_large", "The platform sent more than the size limit.", "La plateforme a envoyé plus que la taille maximale."},
	{"source_rate_limited", "The platform asks us to wait {wait} before the next check.", "La plateforme demande d’attendre {wait} avant la prochaine vérification."},
	{"source_address_gone", "Nothing at this address (HTTP {status}): check it.", "Rien à cette adresse (HTTP {status}) : vérifiez-la."},
	{"source_http", "The platform answered with an error (HTTP {status}).", "La plateforme a répondu par une erreur (HTTP {status})."},
	{"source_config", "This source is missing a setting: {detail}", "Il manque un réglage à cette source : {detail}"},
	{"source_storage", "The mentions found could not be saved.", "Les mentions trouvées n’ont pas pu être enregistrées."},
	{"source_disk_full", "The disk holding Mentiondesk's data is full: checks are paused until space is freed (they resume by themselves).", "Le disque qui contient les données de Mentiondesk est plein : les vérifications sont en pause jusqu’à ce que de la place soit libérée (elles reprennent d’elles-mêmes)."},
	{"source_websub_refused", "The WebSub hub refused the subscription: {reason}", "Le hub WebSub a refusé l’abonnement : {reason}"},
	{"source_failed", "The check failed: {detail}", "La vérification a échoué : {detail}"},
	{"source_reconnect_needed", "{provider} no longer accepts Mentiondesk's access (revoked or expired): press Connect on this source again.", "{provider} n’accepte plus l’accès de Mentiondesk (révoqué ou expiré) : appuyez de nouveau sur Connecter sur cette source."},

	// Connecting a source's account with OAuth (hooks/connect).
	{"connect_not_configured", "Connecting with {provider} is not set up on this server: the person who runs Mentiondesk sets {vars} (README, Configuration).", "La connexion avec {provider} n’est pas réglée sur ce serveur : la personne qui gère Mentiondesk renseigne {vars} (README, Configuration)."},
	{"connect_not_oauth", "This kind of source is not connected with an account.", "Ce type de source ne se connecte pas avec un compte."},
	{"connect_no_public_url", "Set the public URL first (Settings → Business): the platform sends you back to it.", "Renseignez d’abord l’adresse publique (Réglages → Entreprise) : la plateforme vous y renvoie."},
	{"connect_state_mismatch", "This connection attempt is unknown or was already used: press Connect again.", "Cette tentative de connexion est inconnue ou déjà utilisée : appuyez de nouveau sur Connecter."},
	{"connect_expired", "The connection attempt expired: press Connect again.", "La tentative de connexion a expiré : appuyez de nouveau sur Connecter."},
	{"connect_denied", "{provider} did not grant access, so nothing was connected.", "{provider} n’a pas accordé l’accès : rien n’a été connecté."},
	{"connect_failed", "The connection with {provider} failed: {detail}", "La connexion avec {provider} a échoué : {detail}"},
	{"connect_choose_page", "This account manages several Pages: enter the id of the one to watch ({pages}), then press Connect again.", "Ce compte gère plusieurs Pages : indiquez l’identifiant de celle à suivre ({pages}), puis appuyez de nouveau sur Connecter."},
	{"connect_page_not_granted", "The Page or Instagram account {id} is not among those granted: choose it on the consent screen, or check the id.", "La Page ou le compte Instagram {id} ne fait pas partie de ceux autorisés : choisissez-le sur l’écran d’autorisation, ou vérifiez l’identifiant."},
	{"connect_no_instagram", "None of the Pages granted has a linked Instagram professional account.", "Aucune des Pages autorisées n’a de compte Instagram professionnel lié."},
	{"connect_ok", "Connected: the next check uses this account.", "Connecté : la prochaine vérification utilise ce compte."},
	{"bad_webhook_signature", "Bad webhook signature.", "Signature de webhook invalide."},
	{"no_smtp", "E-mail alerts need the server's mail settings: a superuser sets SMTP in the admin UI (/_/ → Settings → Mail settings).", "Les alertes par e-mail demandent les réglages d’envoi du serveur : un super-utilisateur règle le SMTP dans l’interface d’administration (/_/ → Settings → Mail settings)."},
	{"no_sms", "Text-message alerts need an SMS provider on the server (MD_SMS_URL and MD_SMS_FROM).", "Les alertes par SMS demandent un fournisseur de SMS sur le serveur (MD_SMS_URL et MD_SMS_FROM)."},
	{"no_smtp_reset", "Password reset needs the server's mail settings: ask the person who runs Mentiondesk, or reset it with `mentiondesk superuser` and the admin UI.", "La réinitialisation du mot de passe demande les réglages d’envoi du serveur : demandez à la personne qui gère Mentiondesk, ou réinitialisez-le depuis l’interface d’administration."},

	{"mention_not_found", "Mention not found.", "Mention introuvable."},
	{"exports_list", "Exports are tickets.csv, mentions.csv, replies.csv and labels.csv.", "Les exports sont tickets.csv, mentions.csv, replies.csv et labels.csv."},

	{"byhand_not_yours", "Only its author or an owner can mark this reply answered by hand.", "Seuls son auteur ou un propriétaire peuvent marquer cette réponse comme envoyée à la main."},
	{"byhand_not_manual", "Only a reply you post yourself can be marked answered by hand.", "Seule une réponse que vous publiez vous-même peut être marquée comme envoyée à la main."},
	{"byhand_not_draft", "Only a draft can be marked answered by hand.", "Seul un brouillon peut être marqué comme envoyé à la main."},
	{"push_unavailable", "Push notifications are not available on this server.", "Les notifications push ne sont pas disponibles sur ce serveur."},
	{"reply_sending", "This reply is being sent right now.", "Cette réponse est en cours d’envoi."},
	{"search_slow", "The search took too long: add a word to narrow it.", "La recherche a pris trop de temps : ajoutez un mot pour la préciser."},
	{"search_too_long", "The search is too long ({n} characters): use at most {max}.", "La recherche est trop longue ({n} caractères) : {max} au plus."},
	{"search_too_many_words", "Search for at most {max} words at once (you typed {n}).", "Cherchez au plus {max} mots à la fois (vous en avez tapé {n})."},
	{"search_window", "Search results stop at {n}: add a word to narrow the search.", "Les résultats s’arrêtent à {n} : ajoutez un mot pour préciser la recherche."},
	{"server_owned", "Set by Mentiondesk from the ticket's history; a superuser can correct it in the admin UI.", "Renseigné par Mentiondesk d’après l’historique du ticket ; un super-utilisateur peut le corriger dans l’interface d’administration."},
	{"server_owned_fields", "Only Mentiondesk sets {fields}.", "Seul Mentiondesk renseigne {fields}."},
	{"reply_status_server", "A reply is saved as a draft or queued; Mentiondesk marks it {status} itself.", "Une réponse s’enregistre en brouillon ou en file d’attente ; Mentiondesk la marque {status} lui-même."},
	{"reply_status_sent", "A reply is saved as a draft or queued; it is marked sent when the platform has it, or when you mark it answered by hand.", "Une réponse s’enregistre en brouillon ou en file d’attente ; elle est marquée envoyée quand la plateforme l’a reçue, ou quand vous la marquez envoyée à la main."},
	{"reply_manual_draft", "A reply you post yourself is saved as a draft, then marked answered by hand.", "Une réponse que vous publiez vous-même s’enregistre en brouillon, puis se marque envoyée à la main."},
	{"check_too_soon", "Too soon: this source can be checked again at {time} UTC.", "Trop tôt : cette source pourra être vérifiée de nouveau à {time} UTC."},
	{"check_backing_off", "This source is waiting after errors or a platform's request to slow down: it can be checked again at {time} UTC.", "Cette source patiente après des erreurs ou à la demande d’une plateforme : elle pourra être vérifiée de nouveau le {time} UTC."},

	// Why triage did what it did with a mention ("test this source", the
	// ticket's history). The English is what mentions.triage_reason stores.
	{"triage_complaint", "complaint", "réclamation"},
	{"triage_question", "question", "question"},
	{"triage_negative", "negative", "message négatif"},
	{"triage_praise_thank", "praise (thank)", "compliment, à remercier"},
	{"triage_praise", "praise", "compliment"},
	{"triage_addressed", "addressed to us", "adressé à vous"},
	{"triage_noise", "noise", "bruit : rien à répondre"},
	{"triage_own", "our own post", "votre propre publication"},
	{"triage_automated", "automated mail", "e-mail automatique"},
	{"triage_no_brand", "no brand keyword", "aucun mot-clé de marque"},
	{"triage_excluded", "excluded: {term}", "exclu par « {term} »"},
	{"triage_rule", "rule: {name}", "règle « {name} »"},
}

var byCode, byEnglish = func() (map[string]Message, map[string]Message) {
	c, e := map[string]Message{}, map[string]Message{}
	for _, m := range Messages {
		c[m.Code], e[m.EN] = m, m
	}
	return c, e
}()

// ErrorCodes lists every code, sorted.
func ErrorCodes() []string {
	out := make([]string, 0, len(Messages))
	for _, m := range Messages {
		out = append(out, m.Code)
	}
	slices.Sort(out)
	return out
}

// MessageOf finds the message whose English text is en.
func MessageOf(en string) (Message, bool) {
	m, _, ok := MatchMessage(en)
	return m, ok
}

// MatchMessage finds the message en was rendered from, with the values
// its {parameters} took: "Too soon: … at 10:42:05 UTC." is check_too_soon
// with time 10:42:05.
func MatchMessage(en string) (Message, map[string]string, bool) {
	if m, ok := byEnglish[en]; ok {
		return m, nil, true
	}
	for _, t := range templates {
		if sub := t.re.FindStringSubmatch(en); sub != nil {
			params := map[string]string{}
			for i, name := range t.names {
				params[name] = sub[i+1]
			}
			return t.msg, params, true
		}
	}
	return Message{}, nil, false
}

// templates are the messages with parameters, as patterns.
var templates = func() []struct {
	msg   Message
	re    *regexp.Regexp
	names []string
} {
	var out []struct {
		msg   Message
		re    *regexp.Regexp
		names []string
	}
	param := regexp.MustCompile(`\{(\w+)\}`)
	for _, m := range Messages {
		locs := param.FindAllStringSubmatchIndex(m.EN, -1)
		if locs == nil {
			continue
		}
		var pat strings.Builder
		var names []string
		last := 0
		for _, l := range locs {
			pat.WriteString(regexp.QuoteMeta(m.EN[last:l[0]]))
			pat.WriteString("(.+?)")
			names = append(names, m.EN[l[2]:l[3]])
			last = l[1]
		}
		pat.WriteString(regexp.QuoteMeta(m.EN[last:]))
		out = append(out, struct {
			msg   Message
			re    *regexp.Regexp
			names []string
		}{m, regexp.MustCompile("^" + pat.String() + "$"), names})
	}
	return out
}()

// Lookup finds a message by its code.
func Lookup(code string) (Message, bool) {
	m, ok := byCode[code]
	return m, ok
}

// Render writes the message in lang (fr, else English) with its
// parameters filled.
func (m Message) Render(lang string, params map[string]string) string {
	text := m.EN
	if lang == LangFR {
		text = m.FR
	}
	for k, v := range params {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	return text
}
