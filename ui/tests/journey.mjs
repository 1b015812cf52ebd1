// The owner's first hour, in a real browser, from an empty data directory:
// setup → the business name is a keyword → an RSS source and a Mastodon
// source, each tested then saved → polls bring tickets into the open inbox
// by realtime, also in bursts of 10 → an alert reaches a webhook with a
// ticket link that opens the ticket → a reply from a template, filled by
// the server, reaches the fake Mastodon once → the dashboard counts it.
// It runs twice: the browser in French, then in English. The platforms are
// the servers of tests/fakes.mjs, speaking their documented wire formats.
//
//   MD_BIN=/tmp/mentiondesk npm run journey
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 on
// any failure. Screenshots go to tests/screenshots/journey-<lang>-*.png.
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, mkdirSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, requireBin, startServer, launchPhone, stepper, waitHealthy, rest, assert, sleep, createHarness, cleanupAfter } from './harness.mjs'
import { startFeed, startMastodon, startReceiver } from './fakes.mjs'
import { BUSINESS, TEXT, burstAuthor } from './journey-data.mjs'
import { MESSAGES } from '../src/lib/model.gen.js'
import en from '../src/lib/i18n/en.js'
import fr from '../src/lib/i18n/fr.js'

const here = dirname(fileURLToPath(import.meta.url))
const SHOTS = join(here, 'screenshots')
const BIN = process.env.MD_BIN
const DICTS = { en, fr }
const RUNS = [
  { lang: 'fr', locale: 'fr-FR', timezoneId: 'Europe/Paris' },
  { lang: 'en', locale: 'en-US', timezoneId: 'America/Toronto' },
]
const REALTIME_MS = 2000 // a new ticket shows in the open inbox within this
const BURSTS = 5
const PER_BURST = 10

const log = (...a) => console.log(...a)
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The app's t() over its own dictionary, for the labels the test looks for. */
function translator(lang) {
  const d = DICTS[lang]
  const pr = new Intl.PluralRules(lang)
  return (key, params) => {
    let s
    if (params && typeof params.count === 'number') s = d[key + '_' + pr.select(params.count)] ?? d[key + '_other']
    s ??= d[key]
    if (s === undefined) throw new Error(`no ${lang} string for ${key}`)
    return params ? s.replace(/\{(\w+)\}/g, (m, k) => params[k] ?? m) : s
  }
}

// ui/src/lib/i18n.svelte.js duration(), for the figure the dashboard shows.
function duration(sec, locale) {
  const unit = (n, u) => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n)
  sec = Math.max(0, Math.round(sec))
  if (sec < 60) return unit(sec, 'second')
  const m = Math.floor(sec / 60)
  if (m < 60) return unit(m, 'minute')
  const h = Math.floor(m / 60)
  return m % 60 ? unit(h, 'hour') + ' ' + unit(m % 60, 'minute') : unit(h, 'hour')
}

// Smooth scrolling (the preview scrolls itself into view) must end before
// a screenshot, or it catches the page mid-way.
async function settle(page) {
  await page.waitForFunction(() => new Promise((res) => {
    const y = scrollY
    setTimeout(() => res(scrollY === y), 250)
  }), null, { timeout: 5000 }).catch(() => {})
}

// ------------------------------------------------------- per-screen checks

// At 390 px nothing may widen the page: a long URL or word must wrap.
async function noOverflow(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth <= w + 1) return []
    const wide = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > w + 1 && el.children.length === 0)
    return [`page is ${document.documentElement.scrollWidth}px wide at ${w}px: ` + wide.slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">${(el.textContent || '').trim().slice(0, 50)}`).join(' | ')]
  })
}

// The other language's strings (dictionary and server messages) must not
// show, nor a dictionary key the app failed to translate.
function otherLanguageCheck(lang) {
  const other = lang === 'fr' ? 'en' : 'fr'
  const strings = new Set()
  for (const [k, v] of Object.entries(DICTS[other])) if (v !== DICTS[lang][k] && v.length >= 10 && !v.includes('{')) strings.add(v)
  for (const m of Object.values(MESSAGES)) if (m[other] !== m[lang] && m[other].length >= 10 && !m[other].includes('{')) strings.add(m[other])
  const keys = new RegExp(`\\b(${[...new Set(Object.keys(DICTS[lang]).map((k) => k.split('.')[0]))].join('|')})\\.[a-zA-Z]+[\\w.]*\\b`)
  return async (page) => {
    const text = await page.evaluate(() => document.body.innerText)
    const left = [...strings].filter((s) => text.includes(s))
    const key = keys.exec(text.replace(/\S+@\S+|https?:\/\/\S+/g, ''))
    return [...left.map((s) => `${other} text left in the ${lang} app: “${s}”`), ...(key ? [`untranslated key on screen: ${key[0]}`] : [])]
  }
}

// ---------------------------------------------------------------- one run

async function journey({ lang, locale, timezoneId }) {
  const t = translator(lang)
  const say = (code, params = {}) => MESSAGES[code][lang].replace(/\{(\w+)\}/g, (m, k) => params[k] ?? m)
  const text = TEXT[lang]
  const fmt = new Intl.NumberFormat(locale)
  const h = createHarness({ shots: SHOTS, prefix: `journey-${lang}-`, log, checks: [noOverflow, otherLanguageCheck(lang)] })
  const started = Date.now()

  const token = 'piaille-token-' + Math.random().toString(36).slice(2)
  const [feed, masto, receiver] = await Promise.all([startFeed(), startMastodon({ token }), startReceiver()])
  const dataDir = mkdtempSync(join(tmpdir(), `md-journey-${lang}-`))
  const profile = mkdtempSync(join(tmpdir(), `md-journey-chrome-${lang}-`))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { server, stop, log: serverLog } = startServer(BIN, port, ['--dir', dataDir, '--allow-private-urls'])
  let context
  const cleanup = cleanupAfter({ context: () => context, stop, fakes: [feed, masto, receiver], dirs: [dataDir, profile] })

  try {
    await waitHealthy(base, server)
  } catch (e) {
    log(`FAIL ${lang}: server start\n     ${e}\n${serverLog().slice(-2000)}`)
    await cleanup()
    return { passed: 0, failed: 1, ms: Date.now() - started }
  }

  // What exists before the journey starts: the customers' first posts.
  feed.add({ ...text.complaint, minutesAgo: 50 })
  feed.add({ ...text.praise, minutesAgo: 40 })
  feed.add({ ...text.unrelated, minutesAgo: 30 })
  masto.follow({ username: 'voisin', display_name: 'Un voisin' })
  const firstStatus = masto.mention({ ...text.firstMention, language: lang, minutesAgo: 20 })

  let page
  ;({ context, page } = await launchPhone(profile, { locale, timezoneId }))
  h.watch(page, base)
  context.on('page', (p) => p !== page && p.close().catch(() => {}))

  const state = {}
  const step = stepper(h, `${lang}: `)
  const heading = (name) => page.getByRole('heading', { name, exact: true }).waitFor()
  const tab = async (key, headingKey) => {
    await page.getByRole('navigation').getByRole('link', { name: t(key) }).click()
    await heading(t(headingKey))
  }
  const openSettings = async (section) => {
    await tab('nav.settings', 'settings.title')
    await page.getByRole('link', { name: new RegExp('^' + esc(t('settings.' + section))) }).click()
    await heading(t('settings.' + section))
  }
  const rows = () => page.locator('a[data-ticket]').count()
  const owner = () => state.token

  // Check now, as the Sources screen's button does; the poller may hold
  // the source for its own scheduled poll (409): wait for it, then ask. A
  // source checked a few seconds ago answers with that check ("recent"):
  // like an owner, wait until a new check is allowed and ask again.
  async function checkNow(id) {
    for (let i = 0; i < 120; i++) {
      let r
      try {
        r = await rest(base, `/api/md/sources/${id}/check`, { method: 'POST', token: owner() })
      } catch (e) {
        if (e.status !== 409) throw e
        await sleep(250)
        continue
      }
      if (!r.recent) return r
      await sleep(Math.max(250, Date.parse(r.checked_at.replace(' ', 'T')) + 10_100 - Date.now()))
    }
    throw new Error('source stayed busy')
  }

  // The ticket each external post was filed into, through the owner's REST API.
  async function ticketsOf(externalIds) {
    const filter = encodeURIComponent(externalIds.map((id) => `external_id="${id}"`).join(' || '))
    const r = await rest(base, `/api/collections/mentions/records?perPage=200&fields=external_id,ticket,triage&filter=${filter}`, { token: owner() })
    return Object.fromEntries(r.items.map((m) => [m.external_id, m]))
  }

  // Waits until every id has its row in the open inbox; returns how long
  // after `since` the last one showed.
  async function rowsAppear(ids, since, budget = REALTIME_MS) {
    const left = Math.max(50, since + budget - Date.now())
    await page
      .waitForFunction((ids) => ids.every((id) => document.querySelector(`a[data-ticket="${id}"]`)), ids, { timeout: left, polling: 50 })
      .catch(async () => {
        const missing = await page.evaluate((ids) => ids.filter((id) => !document.querySelector(`a[data-ticket="${id}"]`)), ids)
        throw new Error(`${missing.length} of ${ids.length} new tickets not in the open inbox ${budget} ms after their poll returned (${await rows()} rows shown): ${missing.join(', ')}`)
      })
    return Date.now() - since
  }

  async function verdicts(expect) {
    await heading(t('sources.previewTitle'))
    const items = page.locator('.preview li')
    await page.waitForFunction((n) => document.querySelectorAll('.preview li').length === n, expect.length, { timeout: 8000 }).catch(async () => {
      throw new Error(`preview lists ${await items.count()} mentions, want ${expect.length}: ${(await page.locator('.preview').innerText()).slice(0, 400)}`)
    })
    const seen = []
    for (const [snippet, would, reason] of expect) {
      const li = page.locator('.preview li', { hasText: snippet })
      const v = li.locator('.verdict')
      const got = await v.getAttribute('data-would')
      const line = (await v.innerText()).replace(/\s+/g, ' ').trim()
      assert(got === would, `“${snippet}”: would be ${got}, want ${would} (${line})`)
      const want = `${t('would.' + would)} ${say(reason)}`
      assert(line === want, `“${snippet}”: verdict reads “${line}”, want “${want}”`)
      seen.push(line)
    }
    return seen.join(' / ')
  }

  await step('1 setup', [], async () => {
    await page.goto(base + '/')
    await heading(t('setup.title'))
    assert((await page.evaluate(() => document.documentElement.lang)) === lang, `the app does not speak ${lang} to a ${locale} browser`)
    const tz = await page.getByLabel(t('settings.timezone')).inputValue()
    assert(tz === timezoneId, `time zone prefilled with ${tz}, the browser is in ${timezoneId}`)
    const pub = await page.getByLabel(t('settings.publicUrl')).inputValue()
    assert(pub === base, `public address prefilled with ${pub}, the server is at ${base}`)
    await page.getByLabel(t('settings.businessName')).fill(BUSINESS)
    await page.getByLabel(t('user.name')).fill('Rose Achard')
    await page.getByLabel(t('user.email')).fill(`rose-${lang}@brulerie-saint-roch.example`)
    await page.getByLabel(t('user.password'), { exact: true }).fill('torrefaction-2026')
    await page.getByLabel(t('user.passwordConfirm')).fill('torrefaction-2026')
    await h.snap('setup')
    await page.getByRole('button', { name: t('setup.submit') }).click()
    await heading(t('inbox.title'))
    state.token = await page.evaluate(() => JSON.parse(localStorage.getItem('pocketbase_auth') || '{}').token || '')
    assert(state.token, 'no auth token stored after setup')
    // A new owner with no source is told what to do next.
    await heading(t('inbox.start'))
    await page.getByRole('link', { name: t('inbox.startSource') }).waitFor()
    await h.snap('inbox-first-steps')
    const st = await rest(base, '/api/collections/settings/records?perPage=1', { token: owner() })
    const s = st.items[0] || {}
    assert(s.public_url === base && s.timezone === timezoneId && s.business_name === BUSINESS, `settings saved as ${JSON.stringify({ public_url: s.public_url, timezone: s.timezone, business_name: s.business_name })}`)
    // Settings → Keywords: the business name is the first brand keyword.
    await openSettings('keywords')
    await page.getByRole('heading', { name: t('keywords.kind.brand'), exact: true }).waitFor() // the list has loaded
    const brand = await page.evaluate((title) => [...document.querySelectorAll('h2')].find((e) => e.textContent.trim() === title)?.nextElementSibling?.innerText || '', t('keywords.kind.brand'))
    assert(brand.includes(BUSINESS), `no “${BUSINESS}” under “${t('keywords.kind.brand')}”: ${JSON.stringify(brand)}`)
    await h.snap('keywords')
  })

  await step('2 feed source: test shows each verdict, save', ['1 setup'], async () => {
    await tab('nav.sources', 'sources.title')
    await page.getByRole('link', { name: t('sources.add') }).click()
    await heading(t('sources.add'))
    await page.getByLabel(t('sources.kind')).selectOption('feed')
    await page.getByLabel(t('sources.f.name'), { exact: true }).fill(text.feedName)
    await page.getByLabel(t('sources.f.feedUrl')).fill(feed.url)
    await page.getByRole('button', { name: t('sources.test') }).click()
    const note = await verdicts([
      [text.complaint.description.slice(0, 30), 'ticket', 'triage_complaint'],
      [text.praise.description.slice(0, 30), 'logged', 'triage_praise'],
      [text.unrelated.description.slice(0, 30), 'dropped', 'triage_no_brand'],
    ])
    await settle(page)
    await h.snap('feed-test')
    await page.getByRole('button', { name: t('common.save'), exact: true }).click()
    await page.waitForURL(/\/sources\/[a-z0-9]{15}$/)
    state.feedId = page.url().split('/').pop()
    return note
  })

  await step('3 Mastodon source: test, save', ['1 setup'], async () => {
    // Right after "Saved": nothing (a toast) may sit on the Back button.
    await page.getByRole('button', { name: t('common.back') }).click({ timeout: 1500 })
    await heading(t('sources.title'))
    await page.getByRole('link', { name: t('sources.add') }).click()
    await heading(t('sources.add'))
    await page.getByLabel(t('sources.kind')).selectOption('mastodon')
    await page.getByLabel(t('sources.f.name'), { exact: true }).fill(text.mastodonName)
    await page.getByLabel(t('sources.f.instance')).fill(masto.base)
    assert((await page.getByLabel(t('sources.f.mode')).inputValue()) === 'mentions', 'Mastodon mode does not default to mentions')
    await page.getByLabel(t('sources.f.token')).fill(token)
    const t0 = Date.now()
    await page.getByRole('button', { name: t('sources.test') }).click()
    const note = await verdicts([[text.firstMention.text.slice(0, 30), 'ticket', 'triage_question']])
    const tested = Date.now() - t0
    await settle(page)
    await h.snap('mastodon-test')
    await page.getByRole('button', { name: t('common.save'), exact: true }).click()
    await page.waitForURL(/\/sources\/[a-z0-9]{15}$/)
    state.mastoId = page.url().split('/').pop()
    const unauth = masto.requests.filter((r) => r.path.startsWith('/api/v1/') && r.auth !== `Bearer ${token}`)
    assert(!unauth.length, `${unauth.length} Mastodon calls without the token: ${unauth.map((r) => r.path).join(', ')}`)
    return `${note}; the test took ${tested} ms`
  })

  await step('4a polls: tickets appear in the open inbox by realtime', ['2 feed source: test shows each verdict, save', '3 Mastodon source: test, save'], async () => {
    await tab('nav.inbox', 'inbox.title')
    await page.waitForTimeout(1000) // the realtime subscription is in place
    feed.add(text.liveFeed)
    const live = masto.mention({ ...text.liveMention, language: lang })
    const polled = await Promise.all([checkNow(state.feedId), checkNow(state.mastoId)])
    const since = Date.now()
    assert(polled.every((r) => r.ok), 'a poll failed: ' + JSON.stringify(polled))
    const m = await ticketsOf([text.complaint.guid, text.praise.guid, text.unrelated.guid, text.liveFeed.guid, firstStatus.id, live.id])
    const ids = [m[text.complaint.guid]?.ticket, m[text.liveFeed.guid]?.ticket, m[firstStatus.id]?.ticket, m[live.id]?.ticket]
    assert(ids.every(Boolean), 'posts not filed as tickets: ' + JSON.stringify(m))
    const took = await rowsAppear(ids, since)
    // Praise is logged: kept with a resolved ticket that needs no answer,
    // out of the inbox.
    const praise = m[text.praise.guid]
    assert(praise?.triage === 'logged', 'praise not logged: ' + JSON.stringify(praise))
    if (praise.ticket) {
      const pt = await rest(base, `/api/collections/tickets/records/${praise.ticket}`, { token: owner() })
      assert(pt.status === 'resolved' && !pt.needs_answer, `the praise's ticket is ${pt.status}, needs_answer ${pt.needs_answer}`)
      assert(!(await page.locator(`a[data-ticket="${praise.ticket}"]`).count()), 'the praise is in the inbox')
    }
    assert(!m[text.unrelated.guid]?.ticket, 'the post without the brand became a ticket')
    await h.snap('inbox-realtime')
    state.rowsBefore = await rows()
    return `4 tickets shown ${took} ms after the polls returned; polls: ${polled.map((r) => r.new).join(' + ')} new`
  })

  await step('4b burst: 5 × 10 new mentions, every row within 2 s, no reload', ['4a polls: tickets appear in the open inbox by realtime'], async () => {
    // The bursts arrive as a review tool pushes them (Zapier, n8n): the
    // owner adds a webhook source and gives the tool its address and
    // secret, read from the source's screen.
    await tab('nav.sources', 'sources.title')
    await page.getByRole('link', { name: t('sources.add') }).click()
    await heading(t('sources.add'))
    await page.getByLabel(t('sources.kind')).selectOption('webhook')
    await page.getByLabel(t('sources.f.name'), { exact: true }).fill(text.webhookName)
    await page.getByRole('button', { name: t('common.save'), exact: true }).click()
    await page.waitForURL(/\/sources\/[a-z0-9]{15}$/)
    await page.getByRole('heading', { name: t('sources.webhookTitle') }).waitFor()
    const hookUrl = await page.locator('#wh-url').inputValue()
    const hookSecret = await page.locator('#wh-secret').inputValue()
    assert(hookUrl.startsWith(base + '/api/md/hooks/') && hookSecret.length >= 20, `webhook address ${hookUrl}, secret of ${hookSecret.length} characters`)
    await h.snap('webhook-source')
    await tab('nav.inbox', 'inbox.title')
    await page.waitForTimeout(1000) // the realtime subscription is in place
    const before = await rows()

    const marker = await page.evaluate(() => (window.__journeyNoReload = performance.timeOrigin))
    const lat = []
    for (let b = 0; b < BURSTS; b++) {
      const batch = []
      for (let i = 0; i < PER_BURST; i++) {
        const a = burstAuthor(b * PER_BURST + i, lang)
        batch.push({ id: `burst-${b}-${i}`, author: `${a.username}@example.org`, author_name: a.name, text: a.text, lang })
      }
      const res = await fetch(hookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${hookSecret}` }, body: JSON.stringify({ mentions: batch }) })
      const since = Date.now()
      const body = await res.json().catch(() => ({}))
      assert(res.ok, `burst ${b + 1}: the push was answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
      const ext = batch.map((m) => m.id)
      const m = await ticketsOf(ext)
      const ids = ext.map((e) => m[e]?.ticket)
      assert(ids.every(Boolean) && new Set(ids).size === PER_BURST, `burst ${b + 1}: ${new Set(ids.filter(Boolean)).size} tickets for ${PER_BURST} different people`)
      lat.push(await rowsAppear(ids, since))
    }
    const n = await rows()
    assert(n === before + BURSTS * PER_BURST, `${n} rows after the bursts, want ${before + BURSTS * PER_BURST}`)
    assert((await page.evaluate(() => window.__journeyNoReload)) === marker, 'the page reloaded during the burst')
    await h.snap('inbox-after-burst')
    return `${n} rows; last row of each burst after ${lat.join(', ')} ms`
  })

  await step('5 webhook alert carries a ticket link that opens the ticket', ['4a polls: tickets appear in the open inbox by realtime'], async () => {
    const hookUrl = `${receiver.base}/alerts/mentiondesk`
    const secret = 'signing-secret-' + lang
    await openSettings('notifications')
    await page.getByLabel(t('notify.kindLabel'), { exact: true }).selectOption('webhook')
    await page.getByLabel(t('notify.target'), { exact: true }).fill(hookUrl)
    await page.getByLabel(t('notify.secret')).fill(secret)
    await page.getByRole('button', { name: t('notify.addButton') }).click()
    const card = page.locator('ul.targets li', { hasText: hookUrl })
    await card.waitFor()
    await card.getByRole('button', { name: t('notify.sendTest') }).click()
    await page.getByText(t('notify.testSent')).first().waitFor()
    assert(receiver.got.length === 1, `the receiver got ${receiver.got.length} requests for one test`)
    const test = receiver.got[0]
    const sig = 'sha256=' + createHmac('sha256', secret).update(test.raw).digest('hex')
    assert(test.headers['x-mentiondesk-signature'] === sig, 'test alert not signed with the secret')
    await h.snap('notifications')
    // A new mention, after the first polls: the alert carries its ticket.
    state.status = masto.mention({ ...text.alertMention, language: lang })
    await checkNow(state.mastoId)
    const m = await ticketsOf([state.status.id])
    state.ticket = m[state.status.id]?.ticket
    assert(state.ticket, 'the new mention is not a ticket')
    const end = Date.now() + 15000
    let alert
    while (!alert && Date.now() < end) {
      alert = receiver.got.find((g) => g.body?.ticket === state.ticket)
      if (!alert) await sleep(200)
    }
    assert(alert, `no alert about ticket ${state.ticket} within 15 s; received: ${JSON.stringify(receiver.got.map((g) => g.body))}`)
    assert(alert.body.url === `${base}/t/${state.ticket}`, `the alert links to ${alert.body.url}, want ${base}/t/${state.ticket}`)
    await page.goto(alert.body.url)
    await page.locator('.thread').getByText(text.alertMention.text.slice(0, 30)).waitFor()
    for (const gone of [t('error.notFoundPage'), t('ticket.notFound')]) assert(!(await page.getByText(gone).count()), `the ticket link shows “${gone}”`)
    await h.snap('ticket-from-alert')
    return `${alert.body.event}: ${alert.body.title}`
  })

  await step('6 reply with a template: one POST to Mastodon, in reply to the mention', ['5 webhook alert carries a ticket link that opens the ticket'], async () => {
    await openSettings('templates')
    await page.getByRole('button', { name: t('templates.add') }).click()
    await page.getByLabel(t('templates.name'), { exact: true }).fill(text.template.name)
    await page.getByLabel(t('templates.language')).selectOption(lang)
    await page.getByLabel(t('templates.body')).fill(text.template.body)
    await page.getByRole('button', { name: t('common.save'), exact: true }).click()
    await page.getByText(text.template.body).waitFor()
    await h.snap('template')
    // Back to the ticket the alert opened, as the browser's back button would.
    await page.goBack()
    await page.goBack()
    await page.locator('.thread').getByText(text.alertMention.text.slice(0, 30)).waitFor()
    await page.getByLabel(t('compose.template')).selectOption({ label: `${text.template.name} (${lang})` })
    const body = page.getByLabel(t('compose.bodyLabel'))
    const first = text.alertMention.display_name.split(' ')[0]
    await page.waitForFunction(([sel, a, b]) => { const v = document.querySelector(sel)?.value || ''; return v.includes(a) && v.includes(b) }, ['#reply-body', first, BUSINESS], { timeout: 5000 }).catch(async () => {
      throw new Error(`template not filled from the server: ${JSON.stringify(await body.inputValue())}`)
    })
    const filled = await body.inputValue()
    assert(!filled.includes('{{'), 'a placeholder is left: ' + filled)
    await body.fill(filled + text.edit)
    await h.snap('composer')
    await page.getByRole('button', { name: t('compose.sendOn', { platform: t('channel.mastodon') }) }).click()
    await page.getByText(t('compose.queued')).first().waitFor()
    const end = Date.now() + 15000
    while (!masto.posts.length && Date.now() < end) await sleep(100)
    assert(masto.posts.length, 'no POST /api/v1/statuses within 15 s')
    await sleep(5000) // a second post would come now
    assert(masto.posts.length === 1, `${masto.posts.length} POST /api/v1/statuses for one reply`)
    const p = masto.posts[0]
    assert(p.form.in_reply_to_id === state.status.id, `in_reply_to_id ${p.form.in_reply_to_id}, want ${state.status.id}`)
    assert(p.form.status.includes(filled + text.edit) && p.form.status.includes('@elodie'), 'posted text differs: ' + p.form.status)
    assert(p.form.visibility === 'public' && p.idempotencyKey && p.contentType.startsWith('application/x-www-form-urlencoded'), 'post sent as ' + JSON.stringify({ v: p.form.visibility, key: p.idempotencyKey, ctype: p.contentType }))
    await page.waitForFunction(() => document.querySelector('#t-status')?.value === 'pending', null, { timeout: 8000 }).catch(async () => {
      const tk = await rest(base, `/api/collections/tickets/records/${state.ticket}`, { token: owner() })
      const rp = await rest(base, `/api/collections/replies/records?filter=${encodeURIComponent(`ticket="${state.ticket}"`)}`, { token: owner() })
      throw new Error(`the ticket screen shows “${await page.locator('#t-status').inputValue()}” 8 s after the reply was posted; the server has status ${tk.status}, first_response_at “${tk.first_response_at}”, assignee “${tk.assignee}”, updated ${tk.updated}; replies: ${JSON.stringify(rp.items.map((r) => ({ status: r.status, sent_at: r.sent_at, updated: r.updated })))}`)
    })
    await page.getByText(t('sla.answeredIn').split('{d}')[0].trim()).first().waitFor()
    await page.locator('.reply-sent').first().waitFor()
    const tk = await rest(base, `/api/collections/tickets/records/${state.ticket}`, { token: owner() })
    assert(tk.status === 'pending' && tk.first_response_at, `ticket ${tk.status}, first response ${tk.first_response_at}`)
    await h.snap('replied')
    return `posted “${p.form.status.slice(0, 70)}…”`
  })

  await step('7 dashboard counts the response', ['6 reply with a template: one POST to Mastodon, in reply to the mention'], async () => {
    const statsResp = page.waitForResponse((r) => r.url().includes('/api/md/stats') && r.url().includes('group_by=day'))
    await tab('nav.dashboard', 'dash.title')
    const totals = (await (await statsResp).json()).totals
    assert(totals.answered === 1 && totals.within_1h === 1, 'stats do not count the one reply: ' + JSON.stringify(totals))
    // The one answered ticket's first response is the median.
    const tk = await rest(base, `/api/collections/tickets/records/${state.ticket}`, { token: owner() })
    const took = (Date.parse(tk.first_response_at.replace(' ', 'T')) - Date.parse(tk.first_mention_at.replace(' ', 'T'))) / 1000
    assert(Math.abs(totals.median_first_response_sec - took) <= 1, `median first response ${totals.median_first_response_sec} s, the ticket took ${took} s (${tk.first_mention_at} → ${tk.first_response_at})`)
    await page.locator('.kpis').waitFor()
    const median = (await page.locator('.kpi', { hasText: t('dash.medianFirst') }).locator('.v').innerText()).trim()
    assert(median === duration(totals.median_first_response_sec, locale), `median first response shows “${median}”, want “${duration(totals.median_first_response_sec, locale)}”`)
    await page.getByText(t('dash.ofNeeding', { n: fmt.format(totals.within_1h), total: fmt.format(totals.needing_answer) })).first().waitFor()
    await h.snap('dashboard')
    return `median first response ${median} (${took} s); ${totals.within_1h} of ${totals.needing_answer} within 1 h`
  })

  if (h.failures) log(`     server log (tail):\n${serverLog().split('\n').slice(-15).map((l) => '     | ' + l).join('\n')}`)
  await cleanup()
  process.off('exit', stop)
  const ms = Date.now() - started
  log(`${lang}: journey took ${(ms / 1000).toFixed(1)} s`)
  return { passed: h.passed(), failed: h.failures, ms }
}

async function main() {
  requireBin(BIN, 'npm run journey')
  mkdirSync(SHOTS, { recursive: true })
  for (const f of readdirSync(SHOTS)) if (f.startsWith('journey-')) rmSync(join(SHOTS, f))
  let passed = 0
  let failed = 0
  for (const run of RUNS) {
    const r = await journey(run)
    passed += r.passed
    failed += r.failed
  }
  log(`${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
