// Generated from model/model.go by `go generate ./model`. Do not edit.

export const SOURCE_KINDS = ["feed","mastodon","bluesky","hackernews","reddit","webhook","email","google_reviews","facebook","instagram","youtube","x"]
export const TICKET_STATUSES = ["new","open","pending","resolved","ignored"]
export const PRIORITIES = ["low","normal","high","urgent"]
export const SENTIMENTS = ["negative","neutral","positive"]
export const INTENTS = ["question","complaint","praise","other"]
export const KEYWORD_KINDS = ["brand","product","competitor","exclude"]
export const TRIAGE_ACTIONS = ["ticket","logged","ignored","dropped"]
export const REPLY_STATUSES = ["draft","queued","sending","sent","failed"]
export const NOTIFICATION_KINDS = ["webpush","ntfy","slack","discord","webhook","email","sms"]
export const TEMPLATE_LANGUAGES = ["fr","en"]
export const MENTION_LANGUAGES = ["fr","en","other"]
export const KEYWORD_LANGUAGES = ["any","fr","en"]
export const UI_LANGUAGES = ["fr","en"]
export const LANG_ANY = "any"

// The longest reply each platform accepts.
export const REPLY_LIMITS = {"bluesky":300,"mastodon":500,"x":280}

// The kinds connected with OAuth, and the provider of each.
export const CONNECT_PROVIDERS = {"facebook":"meta","google_reviews":"google","instagram":"meta","x":"x","youtube":"google"}

// The server's messages by stable code; {name} stands for a parameter.
export const MESSAGES = {
  already_set_up: { en: "Mentiondesk is already set up: sign in instead.", fr: "Mentiondesk est déjà configuré : connectez-vous." },
  bad_webhook_signature: { en: "Bad webhook signature.", fr: "Signature de webhook invalide." },
  bad_websub_signature: { en: "Bad WebSub signature.", fr: "Signature WebSub invalide." },
  body_too_large: { en: "The body is too large.", fr: "Le contenu est trop volumineux." },
  braces_unclosed: { en: "Every {{ needs its }}.", fr: "Chaque {{ doit avoir son }}." },
  business_hours_unusable: { en: "These business hours cannot be used.", fr: "Ces horaires d’ouverture sont inutilisables." },
  byhand_not_draft: { en: "Only a draft can be marked answered by hand.", fr: "Seul un brouillon peut être marqué comme envoyé à la main." },
  byhand_not_manual: { en: "Only a reply you post yourself can be marked answered by hand.", fr: "Seule une réponse que vous publiez vous-même peut être marquée comme envoyée à la main." },
  byhand_not_yours: { en: "Only its author or an owner can mark this reply answered by hand.", fr: "Seuls son auteur ou un propriétaire peuvent marquer cette réponse comme envoyée à la main." },
  check_backing_off: { en: "This source is waiting after errors or a platform's request to slow down: it can be checked again at {time} UTC.", fr: "Cette source patiente après des erreurs ou à la demande d’une plateforme : elle pourra être vérifiée de nouveau le {time} UTC." },
  check_fields: { en: "Please check the highlighted fields.", fr: "Vérifiez les champs signalés." },
  check_too_soon: { en: "Too soon: this source can be checked again at {time} UTC.", fr: "Trop tôt : cette source pourra être vérifiée de nouveau à {time} UTC." },
  connect_choose_page: { en: "This account manages several Pages: enter the id of the one to watch ({pages}), then press Connect again.", fr: "Ce compte gère plusieurs Pages : indiquez l’identifiant de celle à suivre ({pages}), puis appuyez de nouveau sur Connecter." },
  connect_denied: { en: "{provider} did not grant access, so nothing was connected.", fr: "{provider} n’a pas accordé l’accès : rien n’a été connecté." },
  connect_expired: { en: "The connection attempt expired: press Connect again.", fr: "La tentative de connexion a expiré : appuyez de nouveau sur Connecter." },
  connect_failed: { en: "The connection with {provider} failed: {detail}", fr: "La connexion avec {provider} a échoué : {detail}" },
  connect_no_instagram: { en: "None of the Pages granted has a linked Instagram professional account.", fr: "Aucune des Pages autorisées n’a de compte Instagram professionnel lié." },
  connect_no_public_url: { en: "Set the public URL first (Settings → Business): the platform sends you back to it.", fr: "Renseignez d’abord l’adresse publique (Réglages → Entreprise) : la plateforme vous y renvoie." },
  connect_not_configured: { en: "Connecting with {provider} is not set up on this server: the person who runs Mentiondesk sets {vars} (README, Configuration).", fr: "La connexion avec {provider} n’est pas réglée sur ce serveur : la personne qui gère Mentiondesk renseigne {vars} (README, Configuration)." },
  connect_not_oauth: { en: "This kind of source is not connected with an account.", fr: "Ce type de source ne se connecte pas avec un compte." },
  connect_ok: { en: "Connected: the next check uses this account.", fr: "Connecté : la prochaine vérification utilise ce compte." },
  connect_page_not_granted: { en: "The Page or Instagram account {id} is not among those granted: choose it on the consent screen, or check the id.", fr: "La Page ou le compte Instagram {id} ne fait pas partie de ceux autorisés : choisissez-le sur l’écran d’autorisation, ou vérifiez l’identifiant." },
  connect_state_mismatch: { en: "This connection attempt is unknown or was already used: press Connect again.", fr: "Cette tentative de connexion est inconnue ou déjà utilisée : appuyez de nouveau sur Connecter." },
  exports_list: { en: "Exports are tickets.csv, mentions.csv, replies.csv and labels.csv.", fr: "Les exports sont tickets.csv, mentions.csv, replies.csv et labels.csv." },
  interval_too_short: { en: "Check at most every 30 seconds: platforms block clients that poll faster.", fr: "Au plus une vérification toutes les 30 secondes : les plateformes bloquent les clients trop pressés." },
  invalid_credentials: { en: "Invalid credentials.", fr: "Identifiants invalides." },
  invalid_request_body: { en: "Invalid request body.", fr: "Requête illisible." },
  keyword_unusable: { en: "This keyword cannot be used.", fr: "Ce mot-clé est inutilisable." },
  mention_not_found: { en: "Mention not found.", fr: "Mention introuvable." },
  need_email_address: { en: "Give one e-mail address, e.g. owner@example.com.", fr: "Indiquez une seule adresse e-mail, par exemple patron@example.com." },
  need_feed_url: { en: "Paste the feed's address (RSS, Atom, JSON Feed or a Google Alerts feed).", fr: "Collez l’adresse du flux (RSS, Atom, JSON Feed ou flux Google Alertes)." },
  need_hashtag_or_words: { en: "Give the hashtag or the words to search for.", fr: "Indiquez le hashtag ou les mots à rechercher." },
  need_imap_server: { en: "Give the IMAP server as imaps://mail.example.com (or imap://… with STARTTLS).", fr: "Indiquez le serveur IMAP sous la forme imaps://mail.example.com (ou imap://… avec STARTTLS)." },
  need_mastodon_instance: { en: "Give your Mastodon instance, e.g. https://mastodon.social.", fr: "Indiquez votre instance Mastodon, par exemple https://mastodon.social." },
  need_ntfy_topic: { en: "Give the topic URL, e.g. https://ntfy.sh/my-cafe-alerts.", fr: "Indiquez l’adresse du sujet, par exemple https://ntfy.sh/alertes-du-cafe." },
  need_phone_number: { en: "Give the number with its country code, e.g. +33612345678.", fr: "Indiquez le numéro avec l’indicatif du pays, par exemple +33612345678." },
  need_reddit_query: { en: "Give the words to search for, a subreddit, or your private feed URL.", fr: "Indiquez les mots à rechercher, un subreddit ou l’adresse de votre flux privé." },
  need_search_words: { en: "Give the words to search for, e.g. \"Café Lune\".", fr: "Indiquez les mots à rechercher, par exemple « Café Lune »." },
  need_webhook_url: { en: "Paste the webhook URL.", fr: "Collez l’adresse du webhook." },
  no_sms: { en: "Text-message alerts need an SMS provider on the server (MD_SMS_URL and MD_SMS_FROM).", fr: "Les alertes par SMS demandent un fournisseur de SMS sur le serveur (MD_SMS_URL et MD_SMS_FROM)." },
  no_smtp: { en: "E-mail alerts need the server's mail settings: a superuser sets SMTP in the admin UI (/_/ → Settings → Mail settings).", fr: "Les alertes par e-mail demandent les réglages d’envoi du serveur : un super-utilisateur règle le SMTP dans l’interface d’administration (/_/ → Settings → Mail settings)." },
  no_smtp_reset: { en: "Password reset needs the server's mail settings: ask the person who runs Mentiondesk, or reset it with `mentiondesk superuser` and the admin UI.", fr: "La réinitialisation du mot de passe demande les réglages d’envoi du serveur : demandez à la personne qui gère Mentiondesk, ou réinitialisez-le depuis l’interface d’administration." },
  no_webhook_source: { en: "No enabled webhook source here.", fr: "Aucune source webhook active à cette adresse." },
  notification_target_not_found: { en: "Notification target not found.", fr: "Destinataire de notification introuvable." },
  owner_create_failed: { en: "Could not create the owner account.", fr: "Impossible de créer le compte propriétaire." },
  owner_only: { en: "Only the owner can do this.", fr: "Seul le propriétaire peut faire cela." },
  passwords_dont_match: { en: "Passwords don't match.", fr: "Les mots de passe ne correspondent pas." },
  preview_needs_ticket: { en: "Say which ticket to preview the template for (?ticket=).", fr: "Indiquez le ticket pour l’aperçu du modèle (?ticket=)." },
  push_unavailable: { en: "Push notifications are not available on this server.", fr: "Les notifications push ne sont pas disponibles sur ce serveur." },
  reply_empty: { en: "The reply is empty.", fr: "La réponse est vide." },
  reply_manual_draft: { en: "A reply you post yourself is saved as a draft, then marked answered by hand.", fr: "Une réponse que vous publiez vous-même s’enregistre en brouillon, puis se marque envoyée à la main." },
  reply_not_failed: { en: "Only a failed reply can be retried.", fr: "Seule une réponse en échec peut être renvoyée." },
  reply_not_found: { en: "Reply not found.", fr: "Réponse introuvable." },
  reply_sending: { en: "This reply is being sent right now.", fr: "Cette réponse est en cours d’envoi." },
  reply_status_sent: { en: "A reply is saved as a draft or queued; it is marked sent when the platform has it, or when you mark it answered by hand.", fr: "Une réponse s’enregistre en brouillon ou en file d’attente ; elle est marquée envoyée quand la plateforme l’a reçue, ou quand vous la marquez envoyée à la main." },
  reply_status_server: { en: "A reply is saved as a draft or queued; Mentiondesk marks it {status} itself.", fr: "Une réponse s’enregistre en brouillon ou en file d’attente ; Mentiondesk la marque {status} lui-même." },
  search_empty: { en: "Type at least one word to search for.", fr: "Tapez au moins un mot à rechercher." },
  search_failed: { en: "The search could not run.", fr: "La recherche a échoué." },
  search_slow: { en: "The search took too long: add a word to narrow it.", fr: "La recherche a pris trop de temps : ajoutez un mot pour la préciser." },
  search_too_long: { en: "The search is too long ({n} characters): use at most {max}.", fr: "La recherche est trop longue ({n} caractères) : {max} au plus." },
  search_too_many_words: { en: "Search for at most {max} words at once (you typed {n}).", fr: "Cherchez au plus {max} mots à la fois (vous en avez tapé {n})." },
  search_window: { en: "Search results stop at {n}: add a word to narrow the search.", fr: "Les résultats s’arrêtent à {n} : ajoutez un mot pour préciser la recherche." },
  server_owned: { en: "Set by Mentiondesk from the ticket's history; a superuser can correct it in the admin UI.", fr: "Renseigné par Mentiondesk d’après l’historique du ticket ; un super-utilisateur peut le corriger dans l’interface d’administration." },
  server_owned_fields: { en: "Only Mentiondesk sets {fields}.", fr: "Seul Mentiondesk renseigne {fields}." },
  source_address_gone: { en: "Nothing at this address (HTTP {status}): check it.", fr: "Rien à cette adresse (HTTP {status}) : vérifiez-la." },
  source_auth: { en: "The platform refused the credentials: check the token or password.", fr: "La plateforme a refusé les identifiants : vérifiez le jeton ou le mot de passe." },
  source_blocked: { en: "This address is not allowed: it points into a private network.", fr: "Cette adresse n’est pas autorisée : elle mène à un réseau privé." },
  source_busy: { en: "This source is being checked right now.", fr: "Cette source est en cours de vérification." },
  source_config: { en: "This source is missing a setting: {detail}", fr: "Il manque un réglage à cette source : {detail}" },
  source_disk_full: { en: "The disk holding Mentiondesk's data is full: checks are paused until space is freed (they resume by themselves).", fr: "Le disque qui contient les données de Mentiondesk est plein : les vérifications sont en pause jusqu’à ce que de la place soit libérée (elles reprennent d’elles-mêmes)." },
  source_dns: { en: "{host} does not exist: check the address.", fr: "{host} n’existe pas : vérifiez l’adresse." },
  source_failed: { en: "The check failed: {detail}", fr: "La vérification a échoué : {detail}" },
  source_http: { en: "The platform answered with an error (HTTP {status}).", fr: "La plateforme a répondu par une erreur (HTTP {status})." },
  source_not_feed: { en: "This address is not a feed (RSS, Atom or JSON Feed).", fr: "Cette adresse n’est pas un flux (RSS, Atom ou JSON Feed)." },
  source_not_found: { en: "Source not found.", fr: "Source introuvable." },
  source_rate_limited: { en: "The platform asks us to wait {wait} before the next check.", fr: "La plateforme demande d’attendre {wait} avant la prochaine vérification." },
  source_reconnect: { en: "The account must be connected again.", fr: "Le compte doit être reconnecté." },
  source_reconnect_needed: { en: "{provider} no longer accepts Mentiondesk's access (revoked or expired): press Connect on this source again.", fr: "{provider} n’accepte plus l’accès de Mentiondesk (révoqué ou expiré) : appuyez de nouveau sur Connecter sur cette source." },
  source_refused: { en: "{host} refused the connection: the server may be down.", fr: "{host} a refusé la connexion : le serveur est peut-être arrêté." },
  source_storage: { en: "The mentions found could not be saved.", fr: "Les mentions trouvées n’ont pas pu être enregistrées." },
  source_timeout: { en: "{host} did not answer in time.", fr: "{host} n’a pas répondu à temps." },
  source_tls: { en: "{host} has an invalid security certificate (HTTPS).", fr: "{host} a un certificat de sécurité (HTTPS) invalide." },
  source_too_large: { en: "The platform sent more than the size limit.", fr: "La plateforme a envoyé plus que la taille maximale." },
  source_unreachable: { en: "{host} could not be reached.", fr: "{host} est injoignable." },
  source_websub_refused: { en: "The WebSub hub refused the subscription: {reason}", fr: "Le hub WebSub a refusé l’abonnement : {reason}" },
  template_not_found: { en: "Template not found.", fr: "Modèle introuvable." },
  template_unbalanced: { en: "This template has unbalanced braces.", fr: "Accolades mal fermées dans ce modèle." },
  template_unknown_placeholder: { en: "This template has a placeholder that cannot be filled.", fr: "Ce modèle contient une variable inconnue." },
  ticket_not_found: { en: "Ticket not found.", fr: "Ticket introuvable." },
  timezone_name_hint: { en: "Use a name such as Europe/Paris or America/Toronto.", fr: "Utilisez un nom comme Europe/Paris ou America/Toronto." },
  timezone_unknown_example: { en: "Unknown timezone; use a name such as Europe/Paris.", fr: "Fuseau horaire inconnu ; utilisez un nom comme Europe/Paris." },
  triage_addressed: { en: "addressed to us", fr: "adressé à vous" },
  triage_automated: { en: "automated mail", fr: "e-mail automatique" },
  triage_complaint: { en: "complaint", fr: "réclamation" },
  triage_excluded: { en: "excluded: {term}", fr: "exclu par « {term} »" },
  triage_negative: { en: "negative", fr: "message négatif" },
  triage_no_brand: { en: "no brand keyword", fr: "aucun mot-clé de marque" },
  triage_noise: { en: "noise", fr: "bruit : rien à répondre" },
  triage_own: { en: "our own post", fr: "votre propre publication" },
  triage_praise: { en: "praise", fr: "compliment" },
  triage_praise_thank: { en: "praise (thank)", fr: "compliment, à remercier" },
  triage_question: { en: "question", fr: "question" },
  triage_rule: { en: "rule: {name}", fr: "règle « {name} »" },
  unknown_timezone: { en: "Unknown timezone.", fr: "Fuseau horaire inconnu." },
  webhook_not_polled: { en: "Webhook sources are not polled: they receive mentions when your tool calls their URL.", fr: "Une source webhook n’est pas interrogée : elle reçoit les mentions quand votre outil appelle son adresse." },
  webhook_source_not_found: { en: "Webhook source not found.", fr: "Source webhook introuvable." },
}

// The app's screens, as its router matches them.
export const ROUTES = {
  dashboard: "/dashboard",
  inbox: "/",
  settings: "/settings",
  settingsSection: "/settings/:section",
  source: "/sources/:id",
  sources: "/sources",
  ticket: "/t/:id",
}

/** The app's path of a ticket: the one the server's links use. */
export function ticketPath(id) {
  return ROUTES.ticket.replace(':id', id)
}
