// What the browser test files share: starting the real server, talking to
// its REST API, and the test()/snap() harness that fails a step on any
// console error, uncaught exception or unlabeled control.
import { spawn } from 'node:child_process'
import { chromium } from 'playwright-core'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { rmSync } from 'node:fs'

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

// requireBin stops a test file that was given no server binary, saying
// how to build one and counting it as one failure for run.mjs.
export function requireBin(bin, command) {
  if (bin) return
  console.error(`MD_BIN is not set: build the server first, e.g.\n  (cd .. && GOTOOLCHAIN=go1.27.3 go build -o /tmp/mentiondesk .) && MD_BIN=/tmp/mentiondesk ${command}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

// startServer runs `serve` of the binary under test on port with args
// after it; the server is killed when the test process exits, whatever
// fails. log() is what it printed, for a failure's report.
export function startServer(bin, port, args, env = process.env) {
  const server = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  const stop = () => server.exitCode === null && server.kill('SIGTERM')
  process.on('exit', stop)
  let out = ''
  server.stdout.on('data', (d) => (out += d))
  server.stderr.on('data', (d) => (out += d))
  return { server, stop, log: () => out }
}

// cleanupAfter is what a suite runs at its end, or when the server does
// not start: the browser context (asked for when it runs: the suite makes
// it later), the server, the fake platforms, then the directories.
export function cleanupAfter({ context, stop, fakes = [], dirs = [] }) {
  return async () => {
    try {
      await context()?.close()
    } catch {}
    stop()
    for (const f of fakes) f.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

export async function waitHealthy(base, proc, ms = 90000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode}`)
    try {
      const r = await fetch(base + '/api/health')
      if (r.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error('server not healthy after ' + ms / 1000 + ' s')
}

export async function rest(base, path, { method = 'GET', body, token } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let data
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = text
  }
  if (!res.ok) {
    const err = new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
    err.status = res.status
    throw err
  }
  return data
}

export const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace('T', ' ')

export function assert(cond, message) {
  if (!cond) throw new Error(message)
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Chromium as every browser test starts it: Debian's binary, headless, the
// phone viewport unless told otherwise.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
export const VIEWPORT = { width: 390, height: 844 }
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * The test harness. watch(page, base) attaches it to the page; then
 * test(name, fn) runs one step and prints "ok"/"FAIL", snap(name) takes a
 * numbered screenshot into shots after checking the screen's controls have
 * accessible names. Extra per-screen checks go in checks (functions
 * returning a list of problems).
 */
// launchPhone opens Debian's Chromium at phone size with its own profile,
// in locale and time zone, and returns the context and its first page.
export async function launchPhone(profile, { locale = 'en-US', timezoneId = 'Europe/Paris' } = {}) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--lang=${locale}`],
    viewport: VIEWPORT, deviceScaleFactor: 1, locale, timezoneId, colorScheme: 'light',
  })
  const page = context.pages()[0] || (await context.newPage())
  page.setDefaultTimeout(10000)
  return { context, page }
}

// stepper runs a journey's steps through h.test: a step names the steps
// it needs, and when one of those failed it fails at once, saying why,
// instead of waiting out its timeouts.
export function stepper(h, prefix = '') {
  const done = new Set()
  return async function step(name, needs, fn) {
    const missing = needs.filter((n) => !done.has(n))
    const ok = await h.test(prefix + name, async () => {
      if (missing.length) throw new Error('not run: needs ' + missing.join(', '))
      return fn()
    })
    if (ok) done.add(name)
  }
}

export function createHarness({ shots, prefix = '', log = console.log, checks = [] }) {
  const h = {
    results: [],
    failures: 0,
    page: null,
    base: '',
    errors: [], // what failed the current step
    expectHttp: [], // failed requests a test provokes on purpose
    tolerated: new Set(),
    shot: 0,
    checks,
  }

  // Any console error or uncaught exception fails the step it happens in.
  // A missing /api/md route (a server older than this UI) is tolerated and
  // reported: the screens handle it and say so to the user.
  h.watch = (page, base) => {
    h.page = page
    h.base = base
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return
      const url = msg.location()?.url || ''
      if (/^Failed to load resource/.test(msg.text()) && h.expectHttp.some((re) => re.test(url))) return
      if (/Failed to load resource: the server responded with a status of 404/.test(msg.text()) && /\/api\/md\//.test(url)) {
        h.tolerated.add(url.replace(base, '').replace(/\?.*/, ''))
        return
      }
      h.errors.push('console: ' + msg.text() + (url ? ' @ ' + url : ''))
    })
    page.on('pageerror', (err) => h.errors.push('pageerror: ' + (err.stack || err.message)))
  }

  // Every screen we photograph is also checked for unlabeled controls:
  // a phone screen reader announces "button" and nothing else otherwise.
  h.unlabeled = async () =>
    h.page.evaluate(() => {
      const name = (el) => {
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return true
        if (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) return true
        if (el.closest('label')) return true
        if (el.tagName === 'BUTTON' || el.tagName === 'A') return el.innerText.trim() !== '' || !!el.querySelector('[aria-label],img[alt]')
        return !!el.getAttribute('title')
      }
      const bad = []
      for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')) {
        const r = el.getBoundingClientRect()
        if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue
        if (!name(el)) bad.push(el.outerHTML.slice(0, 120))
      }
      return bad
    })

  h.snap = async (name) => {
    h.shot++
    await h.page.waitForTimeout(150)
    const bad = await h.unlabeled()
    if (bad.length) h.errors.push(`${name}: controls without an accessible name:\n  ` + bad.join('\n  '))
    for (const check of h.checks) {
      const problems = await check(h.page, name)
      if (problems.length) h.errors.push(`${name}: ` + problems.join('\n  '))
    }
    await h.page.screenshot({ path: join(shots, `${prefix}${String(h.shot).padStart(2, '0')}-${name}.png`), fullPage: false })
  }

  h.test = async (name, fn) => {
    h.errors = []
    h.expectHttp = []
    const t0 = Date.now()
    try {
      const note = await fn()
      await h.page.waitForTimeout(100)
      if (h.errors.length) throw new Error(h.errors.join('\n'))
      h.results.push({ name, ok: true, ms: Date.now() - t0 })
      log(`ok   ${name} (${Date.now() - t0} ms)${note ? ' — ' + note : ''}`)
      return true
    } catch (e) {
      h.failures++
      h.results.push({ name, ok: false, ms: Date.now() - t0 })
      log(`FAIL ${name}\n     ${String(e.message || e).split('\n').join('\n     ')}`)
      try {
        await h.page.screenshot({ path: join(shots, `${prefix}fail-${name.replace(/\W+/g, '-')}.png`) })
      } catch {}
      return false
    }
  }

  h.passed = () => h.results.filter((r) => r.ok).length
  h.summary = () => `${h.passed()} passed, ${h.failures} failed`
  return h
}
