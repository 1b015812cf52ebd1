import { pb } from './pb.js'

// How many tickets wait for an answer: shown on the Inbox tab and, once the
// app is installed, on its home-screen icon (Badging API where supported).
export const waiting = $state({ count: 0 })

let unsub = null
let timer = null

async function refresh() {
  try {
    const r = await pb.collection('tickets').getList(1, 1, { filter: '(status = "new" || status = "open") && needs_answer = true', fields: 'id' })
    waiting.count = r.totalItems
    if (navigator.setAppBadge) {
      if (r.totalItems) navigator.setAppBadge(r.totalItems).catch(() => {})
      else navigator.clearAppBadge?.().catch(() => {})
    }
  } catch {}
}

function soon() {
  clearTimeout(timer)
  timer = setTimeout(refresh, 800)
}

export function startWaiting() {
  if (unsub) return
  unsub = 'pending'
  refresh()
  pb.collection('tickets')
    .subscribe('*', soon)
    .then((u) => (unsub = u))
    .catch(() => (unsub = null))
  document.addEventListener('visibilitychange', soon)
}

export function stopWaiting() {
  if (typeof unsub === 'function') unsub()
  unsub = null
  clearTimeout(timer)
  document.removeEventListener('visibilitychange', soon)
  waiting.count = 0
  navigator.clearAppBadge?.().catch(() => {})
}
