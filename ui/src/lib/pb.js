import PocketBase from 'pocketbase'

// Same origin: the Go binary serves both the app and the API.
export const pb = new PocketBase(typeof location !== 'undefined' ? location.origin : 'http://127.0.0.1:8090')
// Two screens may load the same list at once (inbox + realtime refresh);
// PocketBase's default auto-cancel would abort one of them.
pb.autoCancellation(false)

// A token that expired or was revoked (user deleted, password changed
// elsewhere) sends the person back to the sign-in screen instead of
// leaving every screen failing.
pb.afterSend = function (response, data) {
  if (response.status === 401 && pb.authStore.token && !response.url.includes('/auth-with-password')) pb.authStore.clear()
  return data
}

export const SETTINGS_ID = 'mdsettings00001'

// The vocabulary is the server's (model/model.go), generated.
export { SOURCE_KINDS as CHANNELS, TICKET_STATUSES as STATUSES, PRIORITIES, SENTIMENTS } from './model.gen.js'

/** Calls one of our /api/md routes; errors are PocketBase ClientResponseErrors. */
export function api(path, { method = 'GET', body, query } = {}) {
  return pb.send('/api/md' + path, { method, body, query })
}

/** PocketBase filter values must be quoted and escaped. */
export function q(value) {
  return pb.filter('{:v}', { v: value })
}

/** Downloads a CSV export: the route needs the token in a header, so an
 *  <a href> cannot do it. */
export async function download(path, filename) {
  const res = await fetch('/api/md' + path, { headers: { Authorization: pb.authStore.token } })
  if (!res.ok) {
    let message = ''
    try {
      message = (await res.json()).message
    } catch {}
    const err = new Error(message || res.statusText)
    err.status = res.status
    err.response = { message }
    throw err
  }
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
