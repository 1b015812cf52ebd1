import { parseDate } from './dates.js'

/** Where a ticket stands against its first-response target.
 *  kind: "answered" | "late" | "risk" | "ok" | "none"; sec: seconds left
 *  (ok/risk), late by (late) or taken (answered). */
export function slaState(ticket, now = Date.now(), targetSec = 3600) {
  if (!ticket) return { kind: 'none' }
  const first = parseDate(ticket.first_mention_at)
  const answered = parseDate(ticket.first_response_at)
  if (answered) {
    const sec = ticket.first_response_sec || (first ? (answered - first) / 1000 : null)
    return { kind: 'answered', sec }
  }
  if (ticket.status === 'resolved' || ticket.status === 'ignored' || !ticket.needs_answer && !ticket.sla_due_at) {
    return { kind: 'none' }
  }
  const due = parseDate(ticket.sla_due_at) || (first ? new Date(first.getTime() + targetSec * 1000) : null)
  if (!due) return { kind: 'none' }
  const left = (due - now) / 1000
  if (left < 0 || ticket.breached) return { kind: 'late', sec: Math.max(0, -left) }
  // At risk once 80 % of the target is used, like the server's notifications.
  if (ticket.sla_at_risk || left < targetSec * 0.2) return { kind: 'risk', sec: left }
  return { kind: 'ok', sec: left }
}

export function sentimentLabel(score) {
  if (score == null || score === '') return null
  if (score < -0.2) return 'negative'
  if (score > 0.2) return 'positive'
  return 'neutral'
}
