import { pb } from './pb.js'
import { parseDate } from './dates.js'
import { MESSAGES, UI_LANGUAGES } from './model.gen.js'

// Each dictionary is its own chunk: only the language in use is downloaded.
const loaders = { en: () => import('./i18n/en.js'), fr: () => import('./i18n/fr.js') }
const dicts = {}
export const LANGS = UI_LANGUAGES
/** Each language by its own name, as a person picking it looks for it. */
export const LANG_NAMES = { fr: 'Français', en: 'English' }
const KEY = 'md.lang'

function initial() {
  try {
    const saved = localStorage.getItem(KEY)
    if (saved && loaders[saved]) return saved
  } catch {}
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).slice(0, 2).toLowerCase()
    if (loaders[base]) return base
  }
  return 'en'
}

export const i18n = $state({ lang: initial() })
document.documentElement.lang = i18n.lang
pb.lang = i18n.lang

/** Downloads a dictionary once; main.js awaits the first one before mounting. */
export async function loadDict(lang) {
  if (!dicts[lang]) dicts[lang] = (await loaders[lang]()).default
  return dicts[lang]
}

export async function setLang(lang, persist = true) {
  if (!loaders[lang]) return
  await loadDict(lang)
  i18n.lang = lang
  pb.lang = lang // Accept-Language of API calls
  document.documentElement.lang = lang
  if (persist) {
    try {
      localStorage.setItem(KEY, lang)
    } catch {}
  }
}

const plural = {}
/** t(key, {n: 3}) — {name} placeholders; keys with _one/_other variants
 *  are chosen by Intl.PluralRules on params.count. */
export function t(key, params) {
  const d = dicts[i18n.lang] || {}
  let s
  if (params && typeof params.count === 'number') {
    const pr = (plural[i18n.lang] ??= new Intl.PluralRules(i18n.lang))
    s = d[key + '_' + pr.select(params.count)] ?? d[key + '_other']
  }
  s ??= d[key] ?? key
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m))
  return s
}

// ---- dates and durations -------------------------------------------------

const cache = new Map()
function fmt(kind, opts) {
  const k = i18n.lang + kind + JSON.stringify(opts)
  let f = cache.get(k)
  if (!f) {
    f = kind === 'rel' ? new Intl.RelativeTimeFormat(i18n.lang, opts) : kind === 'num' ? new Intl.NumberFormat(i18n.lang, opts) : new Intl.DateTimeFormat(i18n.lang, opts)
    cache.set(k, f)
  }
  return f
}

export { parseDate }

export function formatDate(v, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
  const d = parseDate(v)
  return d ? fmt('date', opts).format(d) : ''
}

export function formatDay(v) {
  const d = v instanceof Date ? v : parseDate(v)
  return d ? fmt('date', { day: 'numeric', month: 'short' }).format(d) : ''
}

export function relTime(v, now = Date.now()) {
  const d = parseDate(v)
  if (!d) return ''
  const sec = Math.round((d.getTime() - now) / 1000)
  const abs = Math.abs(sec)
  const rtf = fmt('rel', { numeric: 'auto', style: 'short' })
  if (abs < 45) return rtf.format(0, 'second')
  if (abs < 3600) return rtf.format(Math.round(sec / 60), 'minute')
  if (abs < 86400) return rtf.format(Math.round(sec / 3600), 'hour')
  if (abs < 86400 * 30) return rtf.format(Math.round(sec / 86400), 'day')
  return formatDate(v, { dateStyle: 'medium' })
}

function unit(n, u) {
  return fmt('num', { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n)
}

/** 45 → "<1 min"-ish, 3900 → "1h 5m" (locale-aware units). */
export function duration(sec) {
  if (sec == null || !isFinite(sec)) return '—'
  sec = Math.max(0, Math.round(sec))
  if (sec < 60) return unit(sec, 'second')
  const m = Math.floor(sec / 60)
  if (m < 60) return unit(m, 'minute')
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 ? unit(h, 'hour') + ' ' + unit(m % 60, 'minute') : unit(h, 'hour')
  const d = Math.floor(h / 24)
  return h % 24 ? unit(d, 'day') + ' ' + unit(h % 24, 'hour') : unit(d, 'day')
}

export function number(n, opts) {
  return n == null ? '—' : fmt('num', opts || {}).format(n)
}

export function percent(x) {
  return x == null || !isFinite(x) ? '—' : fmt('num', { style: 'percent', maximumFractionDigits: 0 }).format(x)
}

// ---- errors ----------------------------------------------------------------

/** The message to show for a failed call: the server's own message when it
 *  gave one, else a translated sentence for the HTTP status. */
/** One of the server's messages (model/errors.go) in the app's language,
 *  by its stable code; '' for a code this app does not know. */
export function serverMessage(code, params = {}) {
  const m = MESSAGES[code]
  if (!m) return ''
  return (m[i18n.lang] || m.en).replace(/\{(\w+)\}/g, (all, k) => (params[k] != null ? String(params[k]) : all))
}

/** A source's failure ({code, params}, as the server stores it). */
export function describeFailure(info, fallback = '') {
  return (info && serverMessage(info.code, info.params)) || fallback
}

export function describeError(err) {
  if (!err) return t('error.unknown')
  const status = err.status ?? 0
  // A message with values ("at most 10 words, you typed 14") is the
  // server's own rendering, already in the user's language; a plain one is
  // translated here, so it follows the app's language switch.
  const coded = serverMessage(err.response?.code || err.data?.code)
  if (coded && !/\{\w+\}/.test(coded)) return coded
  const message = err.response?.message || err.data?.message
  if (status === 0 && !message) return err.isAbort ? t('error.aborted') : t('error.network')
  if (message && !/^something went wrong/i.test(message)) return message
  const key = 'error.' + status
  return t(key) !== key ? t(key) : t('error.unknown')
}

const codes = {
  validation_required: 'field.required',
  validation_is_email: 'field.email',
  validation_invalid_email: 'field.email',
  validation_values_mismatch: 'field.mismatch',
  validation_not_unique: 'field.unique',
  validation_invalid_url: 'field.url',
  validation_is_url: 'field.url',
}

/** Field errors of a PocketBase 400, keyed by field name, translated when
 *  we know the code. */
export function fieldErrors(err) {
  const data = err?.response?.data || {}
  const out = {}
  for (const [field, v] of Object.entries(data)) {
    if (!v || typeof v !== 'object') continue
    const code = v.code
    out[field] = codes[code] ? t(codes[code]) : v.message || t('field.invalid')
  }
  return out
}
