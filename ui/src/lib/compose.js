// Reply composer logic kept free of Svelte so it is easy to reason about.

/** Per-platform limits in graphemes (what people see as characters). */
export const LIMITS = { mastodon: 500, bluesky: 300 }

let segmenter
export function graphemes(s) {
  if (!s) return 0
  if (typeof Intl !== 'undefined' && Intl.Segmenter) {
    segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
    let n = 0
    for (const _ of segmenter.segment(s)) n++
    return n
  }
  return Array.from(s).length
}

/** How a reply leaves: on the platform, by e-mail, or by hand where the
 *  platform has no reply API. */
export function replyVia(channel) {
  if (channel === 'mastodon' || channel === 'bluesky') return 'platform'
  if (channel === 'email') return 'email'
  return 'manual'
}

export function fillTemplate(body, vars) {
  return String(body || '').replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k) => (vars[k] != null && vars[k] !== '' ? vars[k] : m))
}

export function firstName(name) {
  const n = String(name || '').trim()
  if (!n || n.startsWith('@') || n.includes('@')) return ''
  return n.split(/\s+/)[0]
}

const GENERIC = [
  'thanks for reaching out',
  'thank you for reaching out',
  'thank you for your feedback',
  'thanks for your feedback',
  'we apologize for any inconvenience',
  'sorry for the inconvenience',
  'we are looking into it',
  "we're looking into it",
  'please dm us',
  'merci pour votre message',
  'merci pour votre retour',
  'merci de nous avoir contactés',
  'désolé pour la gêne occasionnée',
  'nous sommes désolés pour la gêne',
  'nous regardons cela',
  'envoyez-nous un message privé',
]

/** Warnings the composer shows (keys of the i18n dictionary). A canned
 *  reply sent unchanged is what customers resent most. */
export function replyWarnings(body, { templateFilled, name } = {}) {
  const text = String(body || '').trim()
  const out = []
  if (!text) return out
  if (templateFilled && text === templateFilled.trim()) out.push('compose.warnUnchanged')
  if (/\{\{\s*\w+\s*\}\}/.test(text)) out.push('compose.warnPlaceholder')
  const lower = text.toLowerCase()
  const generic = GENERIC.some((g) => lower.includes(g))
  const words = text.split(/\s+/).filter(Boolean).length
  const named = name && lower.includes(String(name).toLowerCase())
  if (!out.includes('compose.warnUnchanged') && ((generic && words < 30) || words < 4) && !named) out.push('compose.warnGeneric')
  return out
}
