// A small history-API router: the server answers every client path with
// index.html, so deep links (from push notifications too) just work.
export const route = $state({ path: location.pathname, search: location.search })

function sync() {
  route.path = location.pathname
  route.search = location.search
}

let inApp = false

export function go(href, { replace = false } = {}) {
  inApp = true
  const url = new URL(href, location.origin)
  if (url.pathname + url.search === location.pathname + location.search) return
  if (window.__mdUpdated) {
    location.assign(url.pathname + url.search)
    return
  }
  history[replace ? 'replaceState' : 'pushState']({}, '', url.pathname + url.search)
  sync()
  window.scrollTo(0, 0)
}

export function back(fallback = '/') {
  // A deep link (push notification, shared URL) has no in-app history.
  if (inApp) history.back()
  else go(fallback, { replace: true })
}

window.addEventListener('popstate', sync)

// Internal links stay inside the app; modified clicks and target=_blank
// keep the browser's behaviour.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = e.target.closest?.('a[href]')
  if (!a || a.target || a.hasAttribute('download')) return
  const url = new URL(a.href, location.origin)
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return
  e.preventDefault()
  go(url.pathname + url.search)
})

/** Matches "/t/:id" style patterns; returns params or null. */
export function match(pattern, path = route.path) {
  const p = pattern.split('/').filter(Boolean)
  const s = path.split('/').filter(Boolean)
  if (p.length !== s.length) return null
  const params = {}
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i])
    else if (p[i] !== s[i]) return null
  }
  return params
}
