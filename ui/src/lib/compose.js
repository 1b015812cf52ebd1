// Reply composer logic kept free of Svelte so it is easy to reason about.

/** Per-platform reply limits: the server's (model/model.go), generated. */
export { REPLY_LIMITS as LIMITS } from './model.gen.js'

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

// The channels whose connector posts replies itself (connectors.Replier).
const PLATFORM_REPLIES = ['mastodon', 'bluesky', 'google_reviews', 'youtube', 'facebook', 'instagram', 'x']

/** How a reply leaves: on the platform, by e-mail, or by hand where the
 *  platform has no reply API. */
export function replyVia(channel) {
  if (PLATFORM_REPLIES.includes(channel)) return 'platform'
  if (channel === 'email') return 'email'
  return 'manual'
}

/** Templates in the order the picker offers them: the mention's language
 *  first, then those tagged with its intent (complaint, question...), then
 *  the most used. */
export function rankTemplates(templates, { language, intent } = {}) {
  const tagged = (tpl) => Array.isArray(tpl.tags) && tpl.tags.includes(intent)
  return [...(templates || [])].sort(
    (a, b) =>
      (b.language === language) - (a.language === language) ||
      (intent ? tagged(b) - tagged(a) : 0) ||
      (b.usage_count || 0) - (a.usage_count || 0) ||
      a.name.localeCompare(b.name),
  )
}

const GENERIC = [
  'thanks for reaching out',
  'thank you for reaching out',
  'thank you for your feedback',
  'thanks for your message',
  'thank you for your message',
  'thanks for contacting us',
  'thank you for contacting us',
  'thanks for getting in touch',
  'we appreciate your feedback',
  'we value your feedback',
  'thanks for your feedback',
  'we apologize for any inconvenience',
  'sorry for the inconvenience',
  'we are looking into it',
  "we're looking into it",
  'please dm us',
  'merci pour votre message',
  'merci pour votre retour',
  'merci pour votre commentaire',
  'merci de votre message',
  'merci de nous avoir écrit',
  'nous prenons note',
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
  const lower = text.toLowerCase().replace(/[’‘]/g, "'")
  const generic = GENERIC.some((g) => lower.includes(g))
  const words = text.split(/\s+/).filter(Boolean).length
  const named = name && lower.includes(String(name).toLowerCase())
  if (!out.includes('compose.warnUnchanged') && ((generic && words < 30) || words < 4) && !named) out.push('compose.warnGeneric')
  return out
}
