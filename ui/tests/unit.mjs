// Checks of the app's pure logic (no browser, no server). tests/e2e.mjs
// runs them first so one command covers everything.
import { graphemes, replyVia, rankTemplates, replyWarnings, LIMITS } from '../src/lib/compose.js'
import { slaState, sentimentLabel } from '../src/lib/sla.js'

function eq(a, b, what) {
  const ja = JSON.stringify(a), jb = JSON.stringify(b)
  if (ja !== jb) throw new Error(`${what}: got ${ja}, want ${jb}`)
}

export const unitTests = [
  ['compose: graphemes count what people see', () => {
    eq(graphemes('👍🏽'), 1, 'emoji with skin tone')
    eq(graphemes('e\u0301'), 1, 'decomposed é')
    eq(graphemes('👨‍👩‍👧'), 1, 'family ZWJ sequence')
    eq(graphemes('🇫🇷 café'), 6, 'flag + text')
    eq(graphemes(''), 0, 'empty')
    eq([LIMITS.mastodon, LIMITS.bluesky], [500, 300], 'limits')
  }],
  ['compose: reply route per platform', () => {
    eq(['mastodon', 'bluesky', 'email', 'feed', 'hackernews', 'reddit', 'webhook', ''].map(replyVia),
      ['platform', 'platform', 'email', 'manual', 'manual', 'manual', 'manual', 'manual'], 'via')
    eq(['google_reviews', 'youtube', 'facebook', 'instagram', 'x'].map(replyVia),
      ['platform', 'platform', 'platform', 'platform', 'platform'], 'via, connected channels')
  }],
  ['compose: templates of the mention\'s language and intent first', () => {
    const tpls = [
      { id: 'a', name: 'Hours', language: 'en', tags: ['question'], usage_count: 9 },
      { id: 'b', name: 'Désolés', language: 'fr', tags: ['complaint'], usage_count: 1 },
      { id: 'c', name: 'Horaires', language: 'fr', tags: ['question'], usage_count: 5 },
      { id: 'd', name: 'Merci', language: 'fr', tags: [], usage_count: 7 },
    ]
    eq(rankTemplates(tpls, { language: 'fr', intent: 'complaint' }).map((x) => x.id), ['b', 'd', 'c', 'a'], 'fr complaint')
    eq(rankTemplates(tpls, { language: 'fr', intent: 'question' }).map((x) => x.id), ['c', 'd', 'b', 'a'], 'fr question')
    eq(rankTemplates(tpls, { language: 'en' }).map((x) => x.id), ['a', 'd', 'c', 'b'], 'en, no intent')
  }],
  ['compose: warnings against canned replies', () => {
    const tpl = 'Hi Marie, thanks for reaching out! We are looking into it.'
    eq(replyWarnings(tpl, { templateFilled: tpl, name: 'Marie' }), ['compose.warnUnchanged'], 'unchanged template')
    eq(replyWarnings('Hello {{first_name}}, sorry!', {}), ['compose.warnPlaceholder', 'compose.warnGeneric'], 'placeholder left and too short')
    eq(replyWarnings('Merci pour votre message, nous regardons cela.', { name: 'Paul' }), ['compose.warnGeneric'], 'generic French')
    eq(replyWarnings('Paul, your parcel left our shop on Monday: here is the tracking number, I will call the carrier tomorrow morning.', { name: 'Paul' }), [], 'personal answer')
    eq(replyWarnings('', {}), [], 'empty')
    eq(replyWarnings('Thanks for your message!', { name: 'Paul' }), ['compose.warnGeneric'], 'generic English')
    eq(replyWarnings('Thank you for contacting us, we’re looking into it.', {}), ['compose.warnGeneric'], 'curly apostrophe')
  }],
  ['sla: badge states', () => {
    const now = Date.parse('2026-11-23T12:00:00Z')
    const base = { status: 'new', needs_answer: true, first_mention_at: '2026-11-23 11:30:00.000Z' }
    eq(slaState({ ...base, sla_due_at: '2026-11-23 12:30:00.000Z' }, now), { kind: 'ok', sec: 1800 }, 'in time')
    eq(slaState({ ...base, sla_due_at: '2026-11-23 12:10:00.000Z' }, now), { kind: 'risk', sec: 600 }, 'last 20 % of the hour')
    eq(slaState({ ...base, sla_due_at: '2026-11-23 11:45:00.000Z' }, now), { kind: 'late', sec: 900 }, 'late by 15 min')
    eq(slaState({ ...base, sla_due_at: '2026-11-23 13:00:00.000Z', breached: true }, now).kind, 'late', 'breached flag wins')
    eq(slaState({ ...base, first_response_at: '2026-11-23 11:50:00.000Z', first_response_sec: 1200 }, now), { kind: 'answered', sec: 1200 }, 'answered')
    eq(slaState({ ...base, status: 'resolved' }, now).kind, 'none', 'resolved without answer')
    eq(slaState({ status: 'open', needs_answer: true, first_mention_at: '2026-11-23 11:30:00.000Z' }, now, 3600), { kind: 'ok', sec: 1800 }, 'no due date: target from the first mention')
    eq([-0.5, -0.2, 0, 0.2, 0.7, null].map(sentimentLabel), ['negative', 'neutral', 'neutral', 'neutral', 'positive', null], 'sentiment thresholds')
  }],
]
