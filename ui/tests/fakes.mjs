// Platform servers for the browser journey, written from the platforms'
// documentation, not from our connectors: an RSS 2.0 feed, a Mastodon
// instance, a receiver for webhook notifications, and Google (its OAuth
// consent screen and token endpoint, the Business Profile reviews API).
// Each listens on 127.0.0.1 and records what it was asked.
import { createServer } from 'node:http'
import { createHash } from 'node:crypto'

const listen = (srv) => new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${srv.address().port}`)))

function readBody(req, max = 1 << 20) {
  return new Promise((resolve, reject) => {
    let size = 0
    const chunks = []
    req.on('data', (c) => {
      size += c.length
      if (size > max) reject(new Error('body too large'))
      else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * An RSS 2.0 feed (https://www.rssboard.org/rss-specification): items have
 * guid, title, link, pubDate (RFC 822), description and author (an e-mail
 * address with the name in parentheses). Newest first, as feeds are
 * written. It answers ETag / If-None-Match with 304 like a static host.
 */
export async function startFeed() {
  const items = []
  let version = 0
  const hits = []
  const srv = createServer((req, res) => {
    hits.push({ method: req.method, url: req.url, at: Date.now() })
    if (req.method !== 'GET' || !req.url.startsWith('/feed.xml')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      return res.end('not found')
    }
    const etag = `"v${version}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag })
      return res.end()
    }
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Le fil du quartier Saint-Roch</title>
<link>${feed.base}/</link>
<description>Ce que les voisins écrivent</description>
<language>fr</language>
<lastBuildDate>${new Date().toUTCString()}</lastBuildDate>
${[...items].reverse().map((it) => `<item>
<guid isPermaLink="false">${xml(it.guid)}</guid>
<title>${xml(it.title)}</title>
<link>${xml(it.link)}</link>
<pubDate>${it.pubDate.toUTCString()}</pubDate>
<author>${xml(it.email)} (${xml(it.name)})</author>
<description>${xml(it.description)}</description>
</item>`).join('\n')}
</channel>
</rss>`
    res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', ETag: etag, 'Cache-Control': 'max-age=0' })
    res.end(body)
  })
  const feed = {
    srv,
    hits,
    items,
    base: await listen(srv),
    get url() {
      return this.base + '/feed.xml'
    },
    /** add({guid, title, description, name, email, minutesAgo}) */
    add(it) {
      items.push({ link: `${this.base}/posts/${encodeURIComponent(it.guid)}`, pubDate: new Date(Date.now() - (it.minutesAgo || 0) * 60e3), ...it })
      version++
    },
    close: () => srv.close(),
  }
  return feed
}

/**
 * A Mastodon instance as documented at docs.joinmastodon.org:
 *   GET  /api/v2/instance                      Instance (domain)
 *   GET  /api/v1/accounts/verify_credentials   CredentialAccount
 *   GET  /api/v1/notifications                 Notification[], newest first;
 *        types[], max_id, since_id, min_id, limit (default 40, max 80)
 *   POST /api/v1/statuses                      form: status, in_reply_to_id,
 *        visibility, spoiler_text; Idempotency-Key header; answers a Status
 * Every /api/v1 call needs "Authorization: Bearer <token>" (401 with
 * {"error": "The access token is invalid"} otherwise). Ids are numeric
 * strings (snowflakes); they compare by length, then lexically.
 */
export async function startMastodon({ token, domain = 'piaille.test' }) {
  let seq = 113500000000000000n
  const nextId = () => String(++seq)
  const self = account({ id: '100000', username: 'brulerie', display_name: 'Brûlerie Saint-Roch' })
  const notifications = [] // oldest first
  const posts = [] // every POST /api/v1/statuses, in order
  const requests = []
  const byKey = new Map() // Idempotency-Key → status already created

  function account({ id, username, display_name, remote }) {
    const acct = remote ? `${username}@${remote}` : username
    const host = remote || domain
    return {
      id, username, acct, display_name,
      locked: false, bot: false, discoverable: true, group: false,
      created_at: '2023-04-01T00:00:00.000Z', note: '', url: `https://${host}/@${username}`,
      avatar: `https://${host}/avatars/original/missing.png`, avatar_static: `https://${host}/avatars/original/missing.png`,
      header: '', header_static: '', followers_count: 12, following_count: 30, statuses_count: 140,
      last_status_at: new Date().toISOString().slice(0, 10), emojis: [], fields: [],
    }
  }

  function status({ id = nextId(), acc, html, language, visibility = 'public', inReplyTo = null, minutesAgo = 0 }) {
    return {
      id,
      created_at: new Date(Date.now() - minutesAgo * 60e3).toISOString(),
      in_reply_to_id: inReplyTo, in_reply_to_account_id: null,
      sensitive: false, spoiler_text: '', visibility, language,
      uri: `https://${domain}/users/${acc.username}/statuses/${id}`,
      url: `https://${domain}/@${acc.username}/${id}`,
      replies_count: 0, reblogs_count: 0, favourites_count: 0, edited_at: null,
      content: html, reblog: null, application: null, account: acc,
      media_attachments: [], mentions: [{ id: self.id, username: self.username, url: self.url, acct: self.acct }],
      tags: [], emojis: [], card: null, poll: null,
    }
  }

  const mentionHtml = (text) => `<p><span class="h-card" translate="no"><a href="https://${domain}/@brulerie" class="u-url mention">@<span>brulerie</span></a></span> ${xml(text)}</p>`

  const idLess = (a, b) => (a.length !== b.length ? a.length < b.length : a < b)

  function page(q) {
    const types = q.getAll('types[]')
    let list = notifications.filter((n) => !types.length || types.includes(n.type))
    const limit = Math.min(Math.max(Number(q.get('limit')) || 40, 1), 80)
    const max = q.get('max_id'), since = q.get('since_id'), min = q.get('min_id')
    if (max) list = list.filter((n) => idLess(n.id, max))
    if (since) list = list.filter((n) => idLess(since, n.id))
    if (min) {
      // min_id: the page immediately newer than it (still sorted newest first).
      list = list.filter((n) => idLess(min, n.id)).slice(0, limit)
      return list.reverse()
    }
    return list.reverse().slice(0, limit)
  }

  const json = (res, code, body, headers = {}) => {
    res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }

  const srv = createServer(async (req, res) => {
    const u = new URL(req.url, 'http://x')
    const rec = { method: req.method, path: u.pathname, query: u.search, auth: req.headers.authorization || '', at: Date.now() }
    requests.push(rec)
    try {
      if (req.method === 'GET' && u.pathname === '/api/v2/instance') {
        return json(res, 200, { domain, title: 'Piaille', version: '4.3.2', source_url: 'https://github.com/mastodon/mastodon', description: 'Une instance de test', usage: { users: { active_month: 42 } }, thumbnail: { url: '' }, languages: ['fr', 'en'], configuration: { statuses: { max_characters: 500 } }, registrations: { enabled: false }, contact: { email: '' }, rules: [] })
      }
      if (u.pathname.startsWith('/api/v1/') && req.headers.authorization !== `Bearer ${token}`) {
        return json(res, 401, { error: 'The access token is invalid' })
      }
      if (req.method === 'GET' && u.pathname === '/api/v1/accounts/verify_credentials') {
        return json(res, 200, { ...self, source: { privacy: 'public', sensitive: false, language: 'fr', note: '', fields: [] } })
      }
      if (req.method === 'GET' && u.pathname === '/api/v1/notifications') {
        const list = page(u.searchParams)
        const headers = {}
        if (list.length) {
          const base = `http://${req.headers.host}/api/v1/notifications`
          headers.Link = `<${base}?max_id=${list.at(-1).id}>; rel="next", <${base}?min_id=${list[0].id}>; rel="prev"`
        }
        return json(res, 200, list, headers)
      }
      if (req.method === 'POST' && u.pathname === '/api/v1/statuses') {
        const raw = await readBody(req)
        const ctype = req.headers['content-type'] || ''
        const form = ctype.includes('application/json') ? new URLSearchParams(Object.entries(JSON.parse(raw))) : new URLSearchParams(raw)
        const key = req.headers['idempotency-key'] || ''
        posts.push({ at: Date.now(), form: Object.fromEntries(form), idempotencyKey: key, contentType: ctype })
        if (!form.get('status')) return json(res, 422, { error: "Validation failed: Text can't be blank" })
        if (key && byKey.has(key)) return json(res, 200, byKey.get(key))
        const st = status({ acc: self, html: `<p>${xml(form.get('status'))}</p>`, language: null, visibility: form.get('visibility') || 'public', inReplyTo: form.get('in_reply_to_id') || null })
        if (key) byKey.set(key, st)
        return json(res, 200, st)
      }
      json(res, 404, { error: 'Record not found' })
    } catch (e) {
      json(res, 500, { error: String(e.message || e) })
    }
  })

  return {
    srv, posts, requests, notifications, domain,
    base: await listen(srv),
    /** A new mention of the business: returns the status it carries. */
    mention({ username, display_name, remote, text, language = 'fr', visibility = 'public', minutesAgo = 0 }) {
      const acc = account({ id: String(200000 + notifications.length), username, display_name, remote })
      const st = status({ acc, html: mentionHtml(text), language, visibility, minutesAgo })
      notifications.push({ id: nextId(), type: 'mention', created_at: st.created_at, account: acc, status: st, group_key: `ungrouped-${notifications.length}` })
      return st
    },
    /** Something that is not a mention (types[]=mention must filter it). */
    follow({ username, display_name }) {
      const acc = account({ id: String(300000 + notifications.length), username, display_name })
      notifications.push({ id: nextId(), type: 'follow', created_at: new Date().toISOString(), account: acc, group_key: `ungrouped-f${notifications.length}` })
    },
    close: () => srv.close(),
  }
}

/**
 * A receiver for the "webhook" notification kind (hooks/notify/send.go:
 * a JSON POST of {event, ticket, url, title, body}).
 */
export async function startReceiver() {
  const got = []
  const srv = createServer(async (req, res) => {
    const raw = await readBody(req).catch(() => '')
    let body = null
    try {
      body = JSON.parse(raw)
    } catch {}
    got.push({ at: Date.now(), method: req.method, path: req.url, headers: req.headers, raw, body })
    res.writeHead(204)
    res.end()
  })
  return { srv, got, base: await listen(srv), close: () => srv.close() }
}

/**
 * Google as a Google reviews source meets it, in the wire format of the Go
 * fakes (hooks/fakegoogle_test.go, connectors/google_reviews_test.go):
 *   GET  /o/oauth2/v2/auth   the consent screen ("Using OAuth 2.0 for Web
 *        Server Applications"): client_id, redirect_uri, response_type=code,
 *        scope, state, code_challenge (S256), access_type=offline. The owner
 *        agrees at once: 302 to redirect_uri?code=…&state=…&scope=…
 *   POST /token              form grant_type=authorization_code (code,
 *        redirect_uri, code_verifier, client_id, client_secret) or
 *        refresh_token; answers access_token, expires_in, refresh_token (on
 *        a code only), scope, token_type; RFC 6749 §5.2 errors.
 *   GET  /v1/accounts                              accounts.list
 *   GET  /v1/{account}/locations?readMask=…        accounts.locations.list
 *   GET  /v4/{account}/{location}/reviews          reviews.list, newest first
 *   PUT  /v4/{review}/reply  {"comment"}          reviews.updateReply
 * The API calls need "Authorization: Bearer <the access token issued last>";
 * errors are google.rpc.Status: {"error": {"code", "message", "status"}}.
 */
export async function startGoogle({ clientId, clientSecret, title }) {
  const ACCOUNT = 'accounts/118200045219872300091'
  const LOCATION = 'locations/7720395512408151021'
  const SCOPE = 'https://www.googleapis.com/auth/business.manage'
  const codes = new Map() // code → { challenge, redirect }
  const refresh = new Set()
  const reviews = [] // newest first
  const replies = [] // every updateReply: { review, comment, token, at }
  const consents = []
  const grants = []
  let access = ''
  let n = 0

  const json = (res, code, body, headers = {}) => {
    res.writeHead(code, { 'Content-Type': 'application/json; charset=UTF-8', ...headers })
    res.end(JSON.stringify(body))
  }
  const apiError = (res, code, status, message) => json(res, code, { error: { code, message, status } })
  const oauthError = (res, code, error) => json(res, code, { error, error_description: 'Token has been expired or revoked.' })

  const srv = createServer(async (req, res) => {
    const u = new URL(req.url, 'http://x')
    try {
      if (req.method === 'GET' && u.pathname === '/o/oauth2/v2/auth') {
        const q = u.searchParams
        consents.push(Object.fromEntries(q))
        if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('state') || !(q.get('scope') || '').split(' ').includes(SCOPE)) {
          res.writeHead(400, { 'Content-Type': 'text/plain' })
          return res.end('Error 400: invalid_request')
        }
        const code = `4/0Ad-code-${++n}`
        codes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') })
        const back = new URL(q.get('redirect_uri'))
        back.search = new URLSearchParams({ state: q.get('state'), code, scope: SCOPE }).toString()
        res.writeHead(302, { Location: back.toString() })
        return res.end()
      }
      if (req.method === 'POST' && u.pathname === '/token') {
        const f = new URLSearchParams(await readBody(req))
        grants.push(f.get('grant_type'))
        if (f.get('client_id') !== clientId || f.get('client_secret') !== clientSecret) return oauthError(res, 401, 'invalid_client')
        const out = { token_type: 'Bearer', expires_in: 3599, scope: SCOPE }
        if (f.get('grant_type') === 'authorization_code') {
          const c = codes.get(f.get('code'))
          codes.delete(f.get('code')) // a code works once
          const challenge = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url')
          if (!c || c.redirect !== f.get('redirect_uri') || c.challenge !== challenge) return oauthError(res, 400, 'invalid_grant')
          out.refresh_token = `1//0rt-${++n}`
          refresh.add(out.refresh_token)
        } else if (f.get('grant_type') === 'refresh_token') {
          if (!refresh.has(f.get('refresh_token'))) return oauthError(res, 400, 'invalid_grant')
        } else return oauthError(res, 400, 'unsupported_grant_type')
        access = out.access_token = `ya29.at-${++n}`
        return json(res, 200, out)
      }
      const auth = (req.headers.authorization || '').replace(/^Bearer /, '')
      if (!access || auth !== access) return apiError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
      const reviewsPath = `/v4/${ACCOUNT}/${LOCATION}/reviews`
      if (req.method === 'GET' && u.pathname === '/v1/accounts') {
        return json(res, 200, { accounts: [{ name: ACCOUNT, accountName: title, type: 'LOCATION_GROUP' }] })
      }
      if (req.method === 'GET' && u.pathname === `/v1/${ACCOUNT}/locations`) {
        if (!u.searchParams.get('readMask')) return apiError(res, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.')
        return json(res, 200, { locations: [{ name: LOCATION, title, metadata: { mapsUri: 'https://maps.google.com/maps?cid=7720395512408151021' } }] })
      }
      if (req.method === 'GET' && u.pathname === reviewsPath) {
        return json(res, 200, { reviews, totalReviewCount: reviews.length })
      }
      if (req.method === 'PUT' && u.pathname.startsWith(reviewsPath + '/') && u.pathname.endsWith('/reply')) {
        let body = {}
        try {
          body = JSON.parse(await readBody(req))
        } catch {}
        if (!body.comment) return apiError(res, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.')
        const review = u.pathname.slice('/v4/'.length, -'/reply'.length)
        replies.push({ review, comment: body.comment, token: auth, at: Date.now() })
        return json(res, 200, { comment: body.comment, updateTime: new Date().toISOString() })
      }
      apiError(res, 404, 'NOT_FOUND', 'Requested entity was not found.')
    } catch (e) {
      apiError(res, 500, 'INTERNAL', String(e.message || e))
    }
  })

  return {
    srv, reviews, replies, consents, grants,
    base: await listen(srv),
    get access() {
      return access
    },
    /** A new review of the location; returns its resource name. */
    review({ id, stars, comment, author, minutesAgo = 0 }) {
      const name = `${ACCOUNT}/${LOCATION}/reviews/${id}`
      const at = new Date(Date.now() - minutesAgo * 60e3).toISOString()
      reviews.unshift({ name, reviewId: id, reviewer: { displayName: author, profilePhotoUrl: `https://lh3.googleusercontent.com/a-/${id}` }, starRating: stars, comment, createTime: at, updateTime: at })
      return name
    },
    close: () => srv.close(),
  }
}
