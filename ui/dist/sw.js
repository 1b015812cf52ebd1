/* Mentiondesk service worker (version e39c703a0981374e).
 * Keeps the app shell for offline starts, shows web pushes and opens the
 * ticket a notification is about. API calls are never cached: a helpdesk
 * that shows stale tickets as if they were live is worse than one that says
 * it is offline. */
const CACHE = 'md-shell-__VERSION__'
const PRECACHE = ["/","/apple-touch-icon.png","/badge-72.png","/icon-192.png","/icon-512.png","/icon-maskable-512.png","/icon.svg","/manifest.webmanifest","/assets/Dashboard-BYgObFbP.css","/assets/Dashboard-BsdFSdMC.js","/assets/Field-DnhQwcqK.js","/assets/Icon-DNvHNZol.js","/assets/LangSwitch-CkQ0c3bf.js","/assets/Settings-D6TwFrFX.css","/assets/Settings-DGyIYV5F.js","/assets/SlaBadge-gyyTYWRM.js","/assets/Sources-Bd89ST_P.css","/assets/Sources-D_-Wxrbp.js","/assets/Ticket-DXSQb9Fr.css","/assets/Ticket-nmEa_Q80.js","/assets/clock.svelte-DqK7djaY.js","/assets/en-BrmYAk-o.js","/assets/fr-Bp7e8zrq.js","/assets/index-0T2NKLy3.js","/assets/index-DyEFBkpn.css","/assets/router.svelte-DTG7sxRc.js","/assets/settings.svelte-AV-Nhg0S.js"]

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('md-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return

  if (req.mode === 'navigate') {
    // Network first so a deploy shows at once; the cached shell when offline.
    event.respondWith(
      fetch(req).catch(() => caches.match('/', { cacheName: CACHE }).then((r) => r || Response.error())),
    )
    return
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change content: cache first.
    event.respondWith(
      caches.match(req, { cacheName: CACHE }).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone()
              caches.open(CACHE).then((c) => c.put(req, copy))
            }
            return res
          }),
      ),
    )
    return
  }
  event.respondWith(fetch(req).catch(() => caches.match(req, { cacheName: CACHE }).then((r) => r || Response.error())))
})

self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = { body: event.data ? event.data.text() : '' }
  }
  const title = data.title || 'Mentiondesk'
  const options = {
    body: data.body || '',
    icon: data.icon || '/icon-192.png',
    badge: '/badge-72.png',
    tag: data.tag || data.url || undefined,
    renotify: Boolean(data.tag),
    data: { url: data.url || '/' },
  }
  event.waitUntil(self.registration.showNotification(title, options))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const target = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin)
  // Only ever open our own pages, whatever the push said.
  const href = target.origin === self.location.origin ? target.href : self.location.origin + '/'
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) => {
      for (const w of wins) {
        if (new URL(w.url).origin === self.location.origin && 'focus' in w) {
          // The app routes client-side: no reload, no lost draft.
          w.postMessage({ type: 'open', url: href })
          return w.focus()
        }
      }
      return self.clients.openWindow(href)
    }),
  )
})
