// Inbox filters live outside the screen so they survive opening a ticket
// and coming back, and are remembered on the phone between visits.
const KEY = 'md.inbox.filters'
const defaults = { mine: false, status: 'active', channel: '', sentiment: '', priority: '', breached: false }

function restore() {
  try {
    return { ...defaults, ...JSON.parse(localStorage.getItem(KEY) || '{}') }
  } catch {
    return { ...defaults }
  }
}

export const filters = $state(restore())

export function saveFilters() {
  try {
    localStorage.setItem(KEY, JSON.stringify(filters))
  } catch {}
}

export function resetFilters() {
  Object.assign(filters, defaults)
  saveFilters()
}

export function activeFilterCount() {
  let n = 0
  for (const k of Object.keys(defaults)) if (filters[k] !== defaults[k]) n++
  return n
}
