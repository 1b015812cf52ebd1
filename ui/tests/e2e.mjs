// Browser tests: the real server binary, Debian's Chromium, a phone-sized
// window. Nothing is built here: MD_BIN names a server built beforehand,
// e.g. `GOTOOLCHAIN=go1.27.3 go build -o /tmp/mentiondesk .`, and ui/dist is
// whatever that binary embeds.
//
//   MD_BIN=/tmp/mentiondesk npm run e2e
//
// Prints one line per test and ends with "N passed, M failed"; exits 1 on
// any failure. Screenshots of every screen go to tests/screenshots/.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { unitTests } from './unit.mjs'
import { settingsTests } from './e2e-settings.mjs'
import { freePort, requireBin, startServer, waitHealthy, rest, iso, assert, createHarness, launchPhone, VIEWPORT, cleanupAfter } from './harness.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const SHOTS = join(here, 'screenshots')
const BIN = process.env.MD_BIN
const OWNER = { name: 'Claire Martin', email: 'claire@cafe-lune.example', password: 'correct-horse-42' }
const ADMIN = { email: 'root@e2e.example', password: 'e2e-superuser-pass-1' }
const RUN = Date.now().toString(36) // makes our records findable among demo data

function log(...a) {
  console.log(...a)
}
const h = createHarness({ shots: SHOTS, log })
const { test, snap } = h

// A tiny RSS feed the "add a feed source" test points at.
function startFeed() {
  return new Promise((resolve) => {
    const srv = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8' })
      res.end(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Blog du quartier</title><link>http://127.0.0.1/</link><description>e2e</description>
<item><title>Le brunch du Café Lune</title><link>http://127.0.0.1/brunch</link><guid>e2e-brunch-1</guid>
<pubDate>${new Date(Date.now() - 3600e3).toUTCString()}</pubDate>
<description>Quelqu'un sait si le Café Lune fait encore le brunch le dimanche ?</description></item>
</channel></rss>`)
    })
    srv.listen(0, '127.0.0.1', () => resolve(srv))
  })
}

// Static checks that need no browser: both dictionaries have the same keys
// and every key the code asks for literally exists.
function checkDictionaries() {
  const load = (l) => readFileSync(join(here, '..', 'src', 'lib', 'i18n', l + '.js'), 'utf8')
  const keysOf = (src) => new Set([...src.matchAll(/^\s*'([\w.]+)':/gm)].map((m) => m[1]))
  const en = keysOf(load('en'))
  const fr = keysOf(load('fr'))
  const missingFr = [...en].filter((k) => !fr.has(k))
  const missingEn = [...fr].filter((k) => !en.has(k))
  const files = []
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : /\.(svelte|js)$/.test(f) && files.push(join(d, f))))
  walk(join(here, '..', 'src'))
  const used = new Set()
  for (const f of files) {
    if (f.includes('/i18n/')) continue
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([\w.]+)'/g)) if (!m[1].endsWith('.')) used.add(m[1])
    for (const m of readFileSync(f, 'utf8').matchAll(/'((?:compose|field)\.[a-zA-Z]+)'/g)) used.add(m[1])
  }
  const plural = (k) => en.has(k + '_one') && en.has(k + '_other')
  const unknown = [...used].filter((k) => !en.has(k) && !plural(k))
  assert(!missingFr.length, 'missing in fr.js: ' + missingFr.join(', '))
  assert(!missingEn.length, 'missing in en.js: ' + missingEn.join(', '))
  assert(!unknown.length, 'used but not in the dictionaries: ' + unknown.join(', '))
  return `${en.size} keys in each language, ${used.size} used literally`
}

// ---------------------------------------------------------------- main

async function main() {
  requireBin(BIN, 'npm run e2e')
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })

  const dataDir = mkdtempSync(join(tmpdir(), 'md-e2e-data-'))
  const profile = mkdtempSync(join(tmpdir(), 'md-e2e-chrome-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const feed = await startFeed()
  const feedUrl = `http://127.0.0.1:${feed.address().port}/feed.xml`

  // A superuser seeds what an owner cannot create through the API
  // (mentions and contacts are written by the ingest pipeline only).
  execFileSync(BIN, ['superuser', 'upsert', ADMIN.email, ADMIN.password, '--dir', dataDir], { stdio: 'pipe' })
  const { server, stop, log: serverLog } = startServer(BIN, port, ['--dir', dataDir, '--demo', '--allow-private-urls'])

  let context
  const cleanup = cleanupAfter({ context: () => context, stop, fakes: [feed], dirs: [dataDir, profile] })

  try {
    await waitHealthy(base, server)
  } catch (e) {
    console.error(String(e), '\n', serverLog().slice(-3000))
    await cleanup()
    console.log('0 passed, 1 failed')
    process.exit(1)
  }

  let page
  ;({ context, page } = await launchPhone(profile, { locale: 'en-US' }))
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })

  // Any console error or uncaught exception fails the step it happens in
  // (tests/harness.mjs).
  h.watch(page, base)
  // "Copy & open post" opens the customer's post in a new tab: close it.
  context.on('page', (p) => p !== page && p.close().catch(() => {}))

  // The demo dataset may put many tickets before ours: scroll like a
  // person would until infinite scroll brings the row in.
  async function findRow(id) {
    const row = page.locator(`a[data-ticket="${id}"]`)
    for (let i = 0; i < 40; i++) {
      if (await row.count()) {
        await row.scrollIntoViewIfNeeded()
        return row
      }
      await page.mouse.wheel(0, 4000)
      await page.waitForTimeout(250)
    }
    await row.waitFor({ timeout: 3000 })
    return row
  }
  const visible = (text, opts) => page.getByText(text, opts).first().waitFor({ state: 'visible' })
  let ownerToken = ''
  let adminToken = ''
  const seeded = {}

  await test('dictionaries: fr and en complete', async () => checkDictionaries())
  for (const [name, fn] of unitTests) await test(name, async () => fn())

  await test('first run: setup screen creates the owner', async () => {
    await page.goto(base + '/')
    await visible('Welcome to Mentiondesk')
    await snap('setup')
    await page.getByLabel('Business name').fill('Café Lune')
    await page.getByLabel('Time zone').fill('Europe/Paris')
    await page.getByLabel('Your name').fill(OWNER.name)
    await page.getByLabel('E-mail').fill(OWNER.email)
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password)
    await page.getByLabel('Password again').fill(OWNER.password)
    await page.getByRole('button', { name: 'Create my account' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
    assert((await rest(base, '/api/md/setup')).needed === false, 'setup still needed after creating the owner')
  })

  await test('sign in', async () => {
    await page.evaluate(() => localStorage.removeItem('pocketbase_auth'))
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByLabel('E-mail').fill(OWNER.email)
    h.expectHttp.push(/\/api\/collections\/users\/auth-with-password$/)
    await page.getByLabel('Password').fill('wrong password!')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await visible('Wrong e-mail or password.')
    await snap('login')
    await page.getByLabel('Password').fill(OWNER.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
    ownerToken = await page.evaluate(() => JSON.parse(localStorage.getItem('pocketbase_auth') || '{}').token || '')
    assert(ownerToken, 'no auth token stored after sign-in')
  })

  await test('seed: tickets, mentions and a template through the REST API', async () => {
    adminToken = (await rest(base, '/api/collections/_superusers/auth-with-password', { method: 'POST', body: { identity: ADMIN.email, password: ADMIN.password } })).token
    const contact = await rest(base, '/api/collections/contacts/records', { method: 'POST', token: adminToken, body: { platform: 'hackernews', handle: 'marie_' + RUN, display_name: 'Marie Dupont' } })
    const now = Date.now()
    // The clock fields are the server's: only a superuser may write them
    // (an import, a correction), so the seed is the superuser's.
    seeded.ticket = await rest(base, '/api/collections/tickets/records', {
      method: 'POST', token: adminToken,
      body: { subject: `Brunch on Sunday? ${RUN}`, status: 'new', priority: 'high', channel: 'hackernews', contact: contact.id, needs_answer: true, first_mention_at: iso(20 * 60e3), last_customer_at: iso(20 * 60e3), mention_count: 1, sentiment_start: 0, sentiment_end: 0 },
    })
    await rest(base, '/api/collections/mentions/records', {
      method: 'POST', token: adminToken,
      body: { channel: 'hackernews', external_id: 'e2e-' + RUN, url: 'https://news.example.invalid/item?id=' + RUN, author: 'marie_' + RUN, author_name: 'Marie Dupont', text: `Does Café Lune still serve brunch on Sundays? ${RUN}`, published_at: iso(20 * 60e3), fetched_at: iso(19 * 60e3), ticket: seeded.ticket.id, contact: contact.id, language: 'en', sentiment: 0, sentiment_label: 'neutral', intent: 'question', triage: 'ticket' },
    })
    seeded.late = await rest(base, '/api/collections/tickets/records', {
      method: 'POST', token: adminToken,
      body: { subject: `Cold coffee again ${RUN}`, status: 'open', priority: 'normal', channel: 'mastodon', needs_answer: true, first_mention_at: iso(3 * 3600e3), last_customer_at: iso(3 * 3600e3), breached: true, sentiment_start: -0.6, sentiment_end: -0.6 },
    })
    seeded.template = await rest(base, '/api/collections/templates/records', {
      method: 'POST', token: ownerToken,
      body: { name: `Brunch hours ${RUN}`, language: 'en', body: 'Hi {{first_name}}, yes! Brunch is served every Sunday from 10 to 14 at {{business}}. — {{agent}}' },
    })
    return `ticket ${seeded.ticket.id}`
  })

  await test('inbox: SLA order, badges and realtime', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click()
    const late = await findRow(seeded.late.id)
    const row = await findRow(seeded.ticket.id)
    assert(/left/.test(await row.innerText()), 'no "time left" badge on a fresh ticket: ' + (await row.innerText()))
    assert(/Late by/.test(await late.innerText()), 'no "late by" badge on a breached ticket')
    const order = await page.locator('a[data-ticket]').evaluateAll((as) => as.map((a) => a.dataset.ticket))
    // The tickets still in time come first; the late ones follow in a
    // section of their own.
    assert(order.indexOf(seeded.ticket.id) < order.indexOf(seeded.late.id), 'a ticket still in time is listed after a late one')
    await visible('Late: still unanswered')
    // Realtime: a ticket created elsewhere shows up without reloading.
    seeded.live = await rest(base, '/api/collections/tickets/records', { method: 'POST', token: ownerToken, body: { subject: `Live ticket ${RUN}`, status: 'new', priority: 'normal', channel: 'email' } }) // opened by hand: the server starts its clock
    await page.waitForTimeout(1500)
    await findRow(seeded.live.id)
    await page.evaluate(() => window.scrollTo(0, 0))
    const waitingCount = Number(await page.locator('.tabbar .count').innerText())
    assert(waitingCount >= 2, 'Inbox tab shows no count of tickets waiting: ' + waitingCount)
    await snap('inbox')
    return `${order.length} tickets listed, ${waitingCount} waiting`
  })

  await test('inbox: filters', async () => {
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.getByRole('button', { name: 'Late' }).click()
    await findRow(seeded.late.id)
    await page.locator(`a[data-ticket="${seeded.ticket.id}"]`).waitFor({ state: 'detached' })
    await page.evaluate(() => window.scrollTo(0, 0))
    await snap('inbox-filter-late')
    await page.getByRole('button', { name: 'Late' }).click()
    await page.getByRole('button', { name: /^Filters/ }).click()
    await page.getByLabel('Channel').selectOption('hackernews')
    await findRow(seeded.ticket.id)
    await page.locator(`a[data-ticket="${seeded.late.id}"]`).waitFor({ state: 'detached' })
    await snap('inbox-filter-channel')
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await findRow(seeded.late.id)
    await page.evaluate(() => window.scrollTo(0, 0))
  })

  await test('inbox: search', async () => {
    await page.getByLabel('Search mentions').fill('brunch ' + RUN)
    await visible(`Does Café Lune still serve brunch on Sundays? ${RUN}`)
    await snap('inbox-search')
    await page.getByLabel('Search mentions').fill('')
    await findRow(seeded.ticket.id)
  })

  await test('ticket: thread, contact and controls', async () => {
    // Marie's first ticket: nothing to ask for her earlier ones, and no
    // filtered list for the replies (an empty one counts toward
    // PocketBase's pause).
    const lists = []
    const onRequest = (r) => { const u = new URL(r.url()); if (u.pathname.endsWith('/records') && u.searchParams.get('filter')?.includes(seeded.ticket.id)) lists.push(u.pathname + '?' + u.searchParams.get('filter')) }
    page.on('request', onRequest)
    await (await findRow(seeded.ticket.id)).click()
    await page.getByRole('heading', { name: `Brunch on Sunday? ${RUN}` }).waitFor()
    await visible(`Does Café Lune still serve brunch on Sundays? ${RUN}`)
    await page.waitForTimeout(300)
    page.off('request', onRequest)
    assert(lists.length === 1 && lists[0].startsWith('/api/collections/mentions/'), 'the ticket screen asked for filtered lists beyond its conversation: ' + JSON.stringify(lists))
    await visible('Marie Dupont')
    await page.getByRole('link', { name: 'Original' }).first().waitFor()
    assert((await page.getByLabel('Status', { exact: true }).inputValue()) === 'new', 'status select does not show "new"')
    await page.getByLabel('Priority').selectOption('urgent')
    await visible('Ticket updated')
    const t = await rest(base, `/api/collections/tickets/records/${seeded.ticket.id}`, { token: ownerToken })
    assert(t.priority === 'urgent', 'priority not saved: ' + t.priority)
    // Notes on the customer, kept on the contact for every later ticket.
    await page.getByRole('button', { name: 'Add a note about this customer' }).click()
    await page.getByLabel('Notes about this customer').fill('Comes every Sunday with her dog')
    await page.locator('.notes-actions').getByRole('button', { name: 'Save' }).click()
    await page.getByText('Comes every Sunday with her dog').waitFor()
    // A draft survives leaving the ticket.
    await page.getByLabel('Your reply').fill('Draft in progress ' + RUN)
    await page.waitForTimeout(600)
    await page.getByRole('button', { name: 'Back' }).click()
    await (await findRow(seeded.ticket.id)).click()
    await page.getByRole('heading', { name: `Brunch on Sunday? ${RUN}` }).waitFor()
    assert((await page.getByLabel('Your reply').inputValue()) === 'Draft in progress ' + RUN, 'draft lost after leaving the ticket')
    await snap('ticket')
  })

  await test('ticket: reply with a template, ticket moves to pending', async () => {
    await page.getByLabel('Template').selectOption({ label: `Brunch hours ${RUN} (en)` })
    const body = page.getByLabel('Your reply')
    // The server fills the template: its text replaces the draft when it
    // comes back.
    await page.waitForFunction(() => !document.querySelector('#reply-body')?.value.startsWith('Draft in progress'), null, { timeout: 5000 }).catch(() => {})
    const filled = await body.inputValue()
    assert(filled.startsWith('Hi Marie, yes! Brunch is served every Sunday') && filled.includes('Café Lune') && filled.includes('Claire'), 'placeholders not filled: ' + filled)
    await visible('This is the template unchanged', { exact: false })
    await snap('ticket-template')
    await body.fill(filled + '\nThe kouign-amann comes out of the oven at 11, come early!')
    await page.getByText('This is the template unchanged', { exact: false }).waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Copy & open post' }).click()
    await visible('Text copied', { exact: false })
    const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''))
    assert(clip.includes('kouign-amann'), 'reply text not on the clipboard: ' + JSON.stringify(clip))
    await visible('The kouign-amann comes out of the oven at 11', { exact: false })
    await page.locator('.reply-sent').first().waitFor()
    // The server records the first response and moves the ticket on.
    await page.waitForFunction(() => document.querySelector('#t-status')?.value === 'pending', null, { timeout: 8000 })
    await page.getByText(/Answered in/).first().waitFor()
    await page.waitForTimeout(500)
    assert(!(await page.evaluate((id) => localStorage.getItem('md.draft.' + id), seeded.ticket.id)), 'draft kept after sending')
    const t = await rest(base, `/api/collections/tickets/records/${seeded.ticket.id}`, { token: ownerToken })
    assert(t.status === 'pending' && t.first_response_at, `ticket not answered: status=${t.status} first_response_at=${t.first_response_at}`)
    const replies = await rest(base, `/api/collections/replies/records?filter=${encodeURIComponent(`ticket="${seeded.ticket.id}"`)}`, { token: ownerToken })
    assert(replies.items.length === 1 && replies.items[0].via === 'manual' && replies.items[0].template === seeded.template.id, 'reply record wrong: ' + JSON.stringify(replies.items))
    await snap('ticket-replied')
  })

  await test('ticket: private note', async () => {
    await page.getByRole('button', { name: 'Note', exact: true }).click()
    await page.getByLabel(/Private note/).fill(`Marie is a regular, offer her a coffee ${RUN}`)
    await page.getByRole('button', { name: 'Save note' }).click()
    await visible(`Marie is a regular, offer her a coffee ${RUN}`)
    await visible('private note', { exact: false })
  })

  await test("ticket: the customer's earlier tickets", async () => {
    const t = await rest(base, `/api/collections/tickets/records/${seeded.ticket.id}`, { token: ownerToken })
    await rest(base, '/api/collections/tickets/records', {
      method: 'POST', token: adminToken,
      body: { subject: `Birthday cake order ${RUN}`, status: 'resolved', priority: 'normal', channel: 'hackernews', contact: t.contact, first_mention_at: iso(90 * 86400e3), last_customer_at: iso(90 * 86400e3) },
    })
    // The desk counts a contact's tickets as it opens them; this one was
    // written by hand, so the count is set as the desk would have.
    await rest(base, `/api/collections/contacts/records/${t.contact}`, { method: 'PATCH', token: adminToken, body: { tickets_count: 2 } })
    await page.reload()
    await page.getByRole('heading', { name: `Brunch on Sunday? ${RUN}` }).waitFor()
    await visible('Earlier tickets')
    await visible(`Birthday cake order ${RUN}`)
  })

  await test('inbox: the answered ticket shows as pending', async () => {
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
    const row = await findRow(seeded.ticket.id)
    await page.waitForFunction((id) => /Pending/.test(document.querySelector(`a[data-ticket="${id}"]`)?.innerText || ''), seeded.ticket.id, { timeout: 8000 })
    assert(/Answered in/.test(await row.innerText()), 'no "answered in" badge: ' + (await row.innerText()))
  })

  await test('ticket: platform limit, collision guard, answered elsewhere', async () => {
    // A second agent is writing on the same ticket: we are told.
    const agentPass = 'agent-pass-' + RUN
    await rest(base, '/api/collections/users/records', { method: 'POST', token: ownerToken, body: { name: 'Inès', email: `ines-${RUN}@cafe-lune.example`, password: agentPass, passwordConfirm: agentPass, role: 'agent', language: 'fr', verified: true } })
    const agent = await rest(base, '/api/collections/users/auth-with-password', { method: 'POST', body: { identity: `ines-${RUN}@cafe-lune.example`, password: agentPass } })
    await (await findRow(seeded.late.id)).click()
    await page.getByRole('heading', { name: `Cold coffee again ${RUN}` }).waitFor()
    await page.waitForTimeout(500) // realtime subscription in place
    // A new message of this ticket appears in its thread as it is filed
    // (the screen subscribes to this ticket's mentions only).
    await rest(base, '/api/collections/mentions/records', {
      method: 'POST', token: adminToken,
      body: { ticket: seeded.late.id, channel: 'mastodon', external_id: `late-${RUN}`, author: '@paul@m.example', text: `Still cold today ${RUN}`, published_at: iso(60e3), triage: 'ticket' },
    })
    await page.getByText(`Still cold today ${RUN}`).waitFor({ timeout: 8000 })
    let seen = false
    for (let i = 0; i < 10 && !seen; i++) {
      await rest(base, `/api/md/tickets/${seeded.late.id}/typing`, { method: 'POST', token: agent.token })
      seen = await page.getByText('Inès is replying to this ticket').isVisible().catch(() => false) ||
        (await page.getByText('Inès is replying to this ticket').waitFor({ timeout: 700 }).then(() => true, () => false))
    }
    assert(seen, 'no "is replying" notice while another agent types')
    // Mastodon: 500 characters at most, counted as people see them.
    const body = page.getByLabel('Your reply')
    await body.fill('é'.repeat(499) + '👍🏽')
    await visible('500 / 500')
    assert(await page.getByRole('button', { name: 'Send on Mastodon' }).isEnabled(), 'send disabled at exactly the limit')
    await body.fill('é'.repeat(501))
    await visible('501 / 500')
    await visible('1 characters too many', { exact: false })
    assert(await page.getByRole('button', { name: 'Send on Mastodon' }).isDisabled(), 'send enabled over the limit')
    await snap('ticket-limit')
    // This ticket has no customer message on Mastodon to answer: the outbox
    // refuses it, the reply shows why, and Retry queues it again.
    await body.fill('Sorry about the cold coffee, Paul: the machine was fixed this morning. Next one is on us!')
    await page.getByRole('button', { name: 'Send on Mastodon' }).click()
    await visible('Reply queued for sending')
    const failed = page.locator('li.msg.ours', { hasText: 'the machine was fixed this morning' })
    await failed.locator('.reply-failed').waitFor({ timeout: 15000 })
    const why = (await failed.locator('.notice.error').innerText()).trim()
    assert(why.length > 5, 'failed reply shows no reason')
    await failed.getByRole('button', { name: 'Retry' }).click()
    await visible('Sending again…')
    await failed.locator('.reply-failed').waitFor({ timeout: 15000 })
    await snap('ticket-reply-failed')
    await page.getByRole('button', { name: /I answered elsewhere/ }).click()
    await visible('Marked as answered')
    await page.locator('.summary').getByText('Answered elsewhere').waitFor()
    const t = await rest(base, `/api/collections/tickets/records/${seeded.late.id}`, { token: ownerToken })
    assert(t.answered_elsewhere && t.first_response_at, 'answered elsewhere not recorded')
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
  })

  await test('dashboard', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click()
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
    await page.getByRole('button', { name: '30 days' }).waitFor()
    await page.waitForSelector('.kpis, .notice', { timeout: 10000 })
    let note
    if (await page.locator('.kpis').count()) {
      await visible('Median first response')
      await visible('Within 1 hour')
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('/api/md/stats') && r.url().includes('group_by=day')),
        page.getByRole('button', { name: '7 days' }).click(),
      ])
      const week = await resp.json()
      await page.getByRole('button', { name: '7 days', pressed: true }).waitFor()
      await page.waitForTimeout(300)
      const kpi = (label) => page.locator('.kpi', { hasText: label }).locator('.v').innerText()
      assert((await kpi('Tickets')) === new Intl.NumberFormat('en-US').format(week.totals.tickets), `Tickets KPI ${await kpi('Tickets')} != API ${week.totals.tickets}`)
      assert((await kpi('Won back')) === String(week.totals.win_backs), 'win-backs KPI differs from the API')
      await page.getByText(`${week.totals.within_1h} of ${week.totals.needing_answer} tickets that needed an answer`).waitFor()
      await page.getByRole('button', { name: '30 days' }).click()
      await visible('Volume per channel')
      // CSV export: the route needs the token, the app fetches then saves.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tickets', exact: true }).click()])
      const csvPath = await download.path()
      const csv = readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, '')
      assert(download.suggestedFilename().startsWith('mentiondesk-tickets-') && csv.startsWith('id,subject,status'), 'ticket export not downloaded: ' + download.suggestedFilename() + ' ' + csv.slice(0, 60))
      assert(csv.includes(`Brunch on Sunday? ${RUN}`), 'our ticket is not in the export')
      note = `statistics shown; export ${csv.split('\r\n').filter(Boolean).length - 1} tickets`
    } else {
      await visible('Statistics are not available on this server yet.')
      note = 'stats route missing on this server'
    }
    await page.waitForTimeout(300)
    await snap('dashboard')
    await page.evaluate(() => document.querySelector('figure.chart')?.scrollIntoView({ block: 'center' }))
    await snap('dashboard-chart')
    return note
  })

  await test('sources: add a feed source, test it, save it', async () => {
    await page.getByRole('link', { name: 'Sources' }).click()
    await page.getByRole('heading', { name: 'Sources' }).waitFor()
    await snap('sources')
    await page.getByRole('link', { name: 'Add a source' }).click()
    await page.getByRole('heading', { name: 'Add a source' }).waitFor()
    await page.getByLabel('Kind').selectOption('feed')
    await page.getByLabel('Name', { exact: true }).fill(`Neighbourhood blog ${RUN}`)
    await page.getByLabel('Feed address').fill(feedUrl)
    await page.getByRole('button', { name: 'Test this source' }).click()
    await page.getByRole('heading', { name: 'What this source finds now' }).waitFor()
    let note = ''
    if (await page.getByText('Le brunch du Café Lune').count()) note = 'preview found the item'
    else note = 'preview said: ' + (await page.locator('.preview').innerText()).replace(/\s+/g, ' ').slice(0, 120)
    await snap('source-form')
    await page.getByRole('button', { name: 'Save' }).click()
    await visible('Saved')
    await page.waitForURL(/\/sources\/[a-z0-9]{15}$/)
    const list = await rest(base, `/api/collections/sources/records?filter=${encodeURIComponent(`name="Neighbourhood blog ${RUN}"`)}`, { token: ownerToken })
    assert(list.items.length === 1 && list.items[0].kind === 'feed' && list.items[0].url === feedUrl, 'source not saved: ' + JSON.stringify(list.items))
    // Check now: the poller fetches our feed at once.
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByRole('heading', { name: 'Sources' }).waitFor()
    const card = page.locator('li.source', { hasText: `Neighbourhood blog ${RUN}` })
    await card.waitFor()
    await card.getByRole('button', { name: 'Check now' }).click()
    await page.getByText(/^Checked: \d+ new mention|^Check failed/).first().waitFor()
    note += '; check now: ' + (await page.locator('.toast span').last().innerText()).trim()
    await card.getByText('Working').waitFor({ timeout: 8000 })
    await snap('sources-after')
    // A webhook source shows its address and secret once saved.
    await page.getByRole('link', { name: 'Add a source' }).click()
    await page.getByLabel('Kind').selectOption('webhook')
    await page.getByLabel('Name', { exact: true }).fill(`Zapier reviews ${RUN}`)
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: 'Webhook address' }).waitFor()
    const url = await page.getByLabel('Address').inputValue()
    const secret = await page.getByLabel('Secret').inputValue()
    assert(/^https?:\/\/.+\/api\/md\/hooks\/[a-z0-9]{15}$/.test(url) && secret.length >= 16, `webhook address/secret missing: ${url} ${secret.length}`)
    await snap('source-webhook')
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByRole('heading', { name: 'Sources' }).waitFor()
    return note
  })

  // The settings screens, in French (e2e-settings.mjs).
  await settingsTests({ test, snap, h, page, base, RUN, ownerToken, seeded, findRow, visible })

  await test('PWA: manifest, service worker, icons', async () => {
    const m = await rest(base, '/manifest.webmanifest')
    assert(m.display === 'standalone' && m.icons.some((i) => i.sizes === '512x512') && m.icons.some((i) => i.sizes === '192x192'), 'manifest misses installability fields')
    const reg = await page.evaluate(async () => {
      const r = await Promise.race([navigator.serviceWorker.ready, new Promise((res) => setTimeout(() => res(null), 8000))])
      return r ? r.active?.scriptURL || 'registered' : null
    })
    assert(reg && reg.endsWith('/sw.js'), 'service worker not active: ' + reg)
    for (const icon of ['/icon-192.png', '/icon-512.png', '/apple-touch-icon.png']) {
      const r = await fetch(base + icon)
      assert(r.ok && r.headers.get('content-type')?.includes('png'), icon + ' not served as PNG')
    }
    const sw = await fetch(base + '/sw.js')
    assert(sw.headers.get('cache-control') === 'no-cache', 'sw.js must not be cached')
    // Offline: the shell still starts from the service worker's cache and
    // says the server cannot be reached instead of showing a dinosaur.
    h.expectHttp.push(/./)
    await page.evaluate(() => { history.pushState({}, '', '/'); dispatchEvent(new PopStateEvent('popstate')) })
    await context.setOffline(true)
    try {
      await page.reload()
      await page.getByRole('heading', { name: 'Boîte de réception' }).waitFor()
      await page.getByText('Impossible de joindre le serveur', { exact: false }).first().waitFor()
      await snap('offline')
    } finally {
      await context.setOffline(false)
    }
    await page.reload()
    await page.locator('a[data-ticket]').first().waitFor()
    return reg
  })

  // A figure for BENCHMARKS.md, not an assertion: reload of the inbox on
  // the phone viewport with the service worker in place (a repeat visit).
  await test('inbox reload timing (figure only)', async () => {
    await page.evaluate(() => { history.pushState({}, '', '/'); dispatchEvent(new PopStateEvent('popstate')) })
    const runs = []
    for (let i = 0; i < 5; i++) {
      await page.reload()
      await page.locator('a[data-ticket]').first().waitFor()
      runs.push(await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0]
        const js = performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/') && r.name.endsWith('.js'))
        return { rows: Math.round(performance.now()), dcl: Math.round(nav.domContentLoadedEventEnd), js: js.length }
      }))
    }
    runs.sort((a, b) => a.rows - b.rows)
    const mid = runs[2]
    return `median of 5: first ticket row at ${mid.rows} ms, DOMContentLoaded ${mid.dcl} ms, ${mid.js} JS files`
  })

  await test('desktop width and dark mode', async () => {
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.evaluate(() => { history.pushState({}, '', '/'); dispatchEvent(new PopStateEvent('popstate')) })
    await page.getByRole('heading', { name: 'Boîte de réception' }).waitFor()
    const nav = await page.getByRole('navigation').boundingBox()
    assert(nav && nav.x === 0 && nav.height > 700 && nav.width < 300, 'navigation is not a sidebar on desktop: ' + JSON.stringify(nav))
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert(bg !== 'rgb(246, 247, 245)', 'dark mode not applied, body background ' + bg)
    await snap('desktop-dark-inbox')
    await (await findRow(seeded.ticket.id)).click()
    await page.getByRole('heading', { name: `Brunch on Sunday? ${RUN}` }).waitFor()
    await snap('desktop-dark-ticket')
    await page.setViewportSize(VIEWPORT)
    await page.emulateMedia({ colorScheme: 'light' })
  })

  await test('account: change password, sign out, sign in again (fr)', async () => {
    await page.evaluate(() => { history.pushState({}, '', '/settings'); dispatchEvent(new PopStateEvent('popstate')) })
    await page.getByRole('heading', { name: 'Réglages', exact: true }).waitFor()
    const next = OWNER.password + '-new'
    await page.getByLabel('Mot de passe actuel').fill(OWNER.password)
    await page.getByLabel('Nouveau mot de passe').fill(next)
    await page.getByLabel('Mot de passe (confirmation)').fill(next)
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click()
    await visible('Mot de passe changé')
    await page.getByRole('button', { name: 'Se déconnecter' }).click()
    await page.getByRole('heading', { name: 'Connexion' }).waitFor()
    await page.getByLabel('E-mail').fill(OWNER.email)
    await page.getByLabel('Mot de passe').fill(next)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    // Signing in keeps the address: the same screen comes back.
    await page.getByRole('heading', { name: 'Réglages', exact: true }).waitFor()
  })

  if (h.tolerated.size) log(`note: routes missing on this server (404, handled by the UI): ${[...h.tolerated].sort().join(', ')}`)
  await cleanup()
  log(h.summary())
  process.exit(h.failures ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  console.log(`${h.passed()} passed, ${h.failures + 1} failed`)
  process.exit(1)
})
