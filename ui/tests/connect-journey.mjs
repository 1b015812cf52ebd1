// An owner connects a Google reviews source with OAuth and answers a
// review from the phone-size app, in a real browser, against the built
// server and a fake Google (tests/fakes.mjs startGoogle: the consent
// screen, the token endpoint, the Business Profile reviews API):
// setup → a Google reviews source saved from the form → "Connect with
// Google" → Google's consent screen sends the browser back connected → the
// poll brings a 1-star review in French → it is a ticket in the open inbox
// → the owner answers from the composer → Google received exactly one
// reply, with that text, for that review, with a token it issued.
//
//   MD_BIN=/tmp/mentiondesk node tests/connect-journey.mjs
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 on
// any failure. Screenshots go to tests/screenshots/connect-*.png.
import { mkdtempSync, rmSync, mkdirSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, requireBin, startServer, launchPhone, stepper, waitHealthy, rest, assert, sleep, createHarness, cleanupAfter } from './harness.mjs'
import { startGoogle } from './fakes.mjs'
import { BUSINESS } from './journey-data.mjs'
import { MESSAGES } from '../src/lib/model.gen.js'
import fr from '../src/lib/i18n/fr.js'

const here = dirname(fileURLToPath(import.meta.url))
const SHOTS = join(here, 'screenshots')
const BIN = process.env.MD_BIN
const CLIENT_ID = '1234-mentiondesk.apps.googleusercontent.com'
const CLIENT_SECRET = 'GOCSPX-journey-secret'
const REVIEW = {
  id: 'AbFvOqk3nXj9Qm2sYcW1',
  stars: 'ONE',
  author: 'Julien Tremblay',
  comment: 'Très déçu : 25 minutes d’attente pour un café tiède, et personne ne s’est excusé. Je ne reviendrai pas.',
}
const ANSWER = 'Bonjour Julien, toutes nos excuses pour l’attente et le café tiède. Revenez nous voir : le prochain est offert. Rose'

const log = (...a) => console.log(...a)

function t(key, params) {
  const s = fr[key]
  if (s === undefined) throw new Error(`no fr string for ${key}`)
  return params ? s.replace(/\{(\w+)\}/g, (m, k) => params[k] ?? m) : s
}
const say = (code) => MESSAGES[code].fr

async function main() {
  requireBin(BIN, 'node tests/connect-journey.mjs')
  mkdirSync(SHOTS, { recursive: true })
  for (const f of readdirSync(SHOTS)) if (f.startsWith('connect-')) rmSync(join(SHOTS, f))
  const h = createHarness({ shots: SHOTS, prefix: 'connect-', log })

  const google = await startGoogle({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, title: BUSINESS })
  const dataDir = mkdtempSync(join(tmpdir(), 'md-connect-'))
  const profile = mkdtempSync(join(tmpdir(), 'md-connect-chrome-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  // The operator's Google client, and Google's authorization server and
  // token endpoint moved to the fake (README, Configuration).
  const env = {
    ...process.env,
    MD_GOOGLE_CLIENT_ID: CLIENT_ID,
    MD_GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
    MD_GOOGLE_AUTH_URL: google.base + '/o/oauth2/v2/auth',
    MD_GOOGLE_TOKEN_URL: google.base + '/token',
  }
  const { server, stop, log: serverLog } = startServer(BIN, port, ['--dir', dataDir, '--allow-private-urls'], env)
  let context
  const cleanup = cleanupAfter({ context: () => context, stop, fakes: [google], dirs: [dataDir, profile] })
  try {
    await waitHealthy(base, server)
  } catch (e) {
    log(`FAIL server start\n     ${e}\n${serverLog().slice(-2000)}`)
    await cleanup()
    log('0 passed, 1 failed')
    process.exit(1)
  }

  let page
  ;({ context, page } = await launchPhone(profile, { locale: 'fr-FR' }))
  h.watch(page, base)

  const state = {}
  const step = stepper(h)
  const heading = (name) => page.getByRole('heading', { name, exact: true }).waitFor()
  const tab = async (key, headingKey) => {
    await page.getByRole('navigation').getByRole('link', { name: t(key) }).click()
    await heading(t(headingKey))
  }

  await step('1 setup', [], async () => {
    await page.goto(base + '/')
    await heading(t('setup.title'))
    await page.getByLabel(t('settings.businessName')).fill(BUSINESS)
    await page.getByLabel(t('user.name')).fill('Rose Achard')
    await page.getByLabel(t('user.email')).fill('rose@brulerie-saint-roch.example')
    await page.getByLabel(t('user.password'), { exact: true }).fill('torrefaction-2026')
    await page.getByLabel(t('user.passwordConfirm')).fill('torrefaction-2026')
    await page.getByRole('button', { name: t('setup.submit') }).click()
    await heading(t('inbox.title'))
    state.token = await page.evaluate(() => JSON.parse(localStorage.getItem('pocketbase_auth') || '{}').token || '')
    assert(state.token, 'no auth token stored after setup')
  })

  await step('2 Google reviews source: saved, the Connect card names the redirect URL', ['1 setup'], async () => {
    await tab('nav.sources', 'sources.title')
    await page.getByRole('link', { name: t('sources.add') }).click()
    await heading(t('sources.add'))
    await page.getByLabel(t('sources.kind')).selectOption('google_reviews')
    await page.getByLabel(t('sources.f.name'), { exact: true }).fill('Avis Google')
    await page.getByText(t('connect.saveFirst')).waitFor()
    await h.snap('form')
    await page.getByRole('button', { name: t('common.save'), exact: true }).click()
    await page.waitForURL(/\/sources\/[a-z0-9]{15}$/)
    state.sourceId = page.url().split('/').pop()
    // The Business Profile API's address is per source (Source.URL, for a
    // proxy or a test): the form does not show it, the owner's API sets it.
    await rest(base, `/api/collections/sources/records/${state.sourceId}`, { method: 'PATCH', token: state.token, body: { url: google.base } })
    await page.reload()
    await page.getByRole('heading', { name: t('connect.title', { platform: 'Google' }) }).waitFor()
    await page.getByText(t('connect.notConnected')).waitFor()
    await page.getByText(t('connect.setupTitle')).click()
    const redirect = base + '/api/md/connect/google/callback'
    await page.locator('code', { hasText: redirect }).waitFor()
    await h.snap('source-not-connected')
  })

  await step('3 Connect with Google: consent, back on the source, connected', ['2 Google reviews source: saved, the Connect card names the redirect URL'], async () => {
    google.review({ ...REVIEW, minutesAgo: 40 })
    await page.getByRole('button', { name: t('connect.button', { platform: 'Google' }) }).click()
    await page.waitForURL(new RegExp(`/sources/${state.sourceId}$`), { timeout: 15000 })
    await page.getByText(say('connect_ok')).first().waitFor()
    // "Connecté en tant que Google, il y a 1 s." : the part before the time.
    await page.getByText(t('connect.connected', { as: 'Google', when: '\0' }).split('\0')[0]).first().waitFor()
    assert(google.consents.length === 1, `${google.consents.length} visits to the consent screen`)
    const c = google.consents[0]
    assert(c.redirect_uri === base + '/api/md/connect/google/callback' && c.access_type === 'offline' && c.code_challenge, 'consent asked as ' + JSON.stringify(c))
    assert(google.grants.join() === 'authorization_code', 'token requests: ' + google.grants.join())
    const src = await rest(base, `/api/collections/sources/records/${state.sourceId}`, { token: state.token })
    assert(src.connected_at && !src.reconnect_needed_at, `source after connect: connected_at ${src.connected_at}, reconnect_needed_at ${src.reconnect_needed_at}`)
    assert(!JSON.stringify(src).includes(google.access), 'the API returned the access token')
    await page.locator('section.connect').scrollIntoViewIfNeeded()
    await h.snap('connected')
  })

  await step('4 the poll brings the 1-star review as a ticket in the open inbox', ['3 Connect with Google: consent, back on the source, connected'], async () => {
    // Connecting makes the source due at once: the poller's next round
    // (every 10 s) reads the review, nobody presses "check now".
    const since = Date.now()
    let ms
    while (Date.now() - since < 30000) {
      ms = await rest(base, `/api/collections/mentions/records?perPage=10&filter=${encodeURIComponent(`source="${state.sourceId}"`)}`, { token: state.token })
      if (ms.items.length) break
      await sleep(250)
    }
    assert(ms.items.length === 1, `${ms.items.length} mentions from the source 30 s after it was connected`)
    const polled = Date.now() - since
    const m = ms.items[0]
    assert(m.ticket && m.triage === 'ticket' && m.language === 'fr', `the review: ticket ${m.ticket}, triage ${m.triage}, language ${m.language}`)
    state.ticket = m.ticket
    await tab('nav.inbox', 'inbox.title')
    const row = page.locator(`a[data-ticket="${state.ticket}"]`)
    await row.waitFor()
    await h.snap('inbox')
    await row.click()
    await page.locator('.thread').getByText(REVIEW.comment.slice(0, 30)).waitFor()
    await h.snap('ticket')
    return `filed ${polled} ms after the browser came back; ticket ${state.ticket}`
  })

  await step('5 answer from the composer: Google gets exactly one reply PUT with that text', ['4 the poll brings the 1-star review as a ticket in the open inbox'], async () => {
    await page.getByLabel(t('compose.bodyLabel')).fill(ANSWER)
    await h.snap('composer')
    await page.getByRole('button', { name: t('compose.sendOn', { platform: t('channel.google_reviews') }) }).click()
    await page.getByText(t('compose.queued')).first().waitFor()
    const end = Date.now() + 15000
    while (!google.replies.length && Date.now() < end) await sleep(100)
    assert(google.replies.length, 'no PUT …/reply within 15 s')
    await sleep(5000) // a second PUT would come now
    assert(google.replies.length === 1, `${google.replies.length} reply PUTs for one answer`)
    const p = google.replies[0]
    const review = google.reviews.find((r) => r.reviewId === REVIEW.id).name
    assert(p.review === review, `the reply went to ${p.review}, want ${review}`)
    assert(p.comment === ANSWER, `Google received “${p.comment}”, want “${ANSWER}”`)
    assert(p.token === google.access, 'the reply used a token Google did not issue last')
    await page.locator('.reply-sent').first().waitFor()
    const tk = await rest(base, `/api/collections/tickets/records/${state.ticket}`, { token: state.token })
    assert(tk.first_response_at, 'the ticket has no first response')
    await h.snap('replied')
    return `PUT /v4/${p.review}/reply`
  })

  if (h.failures) log(`     server log (tail):\n${serverLog().split('\n').slice(-15).map((l) => '     | ' + l).join('\n')}`)
  await cleanup()
  process.off('exit', stop)
  log(h.summary())
  process.exit(h.failures ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
