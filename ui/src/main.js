import './app.css'
import { mount } from 'svelte'
import App from './App.svelte'
import { i18n, loadDict } from './lib/i18n.svelte.js'

try {
  await loadDict(i18n.lang)
} catch {
  // Offline before the dictionary was cached: keys show instead of text,
  // which still beats a blank page.
}
mount(App, { target: document.getElementById('app') })

if ('serviceWorker' in navigator && location.protocol !== 'file:' && !import.meta.env.DEV) {
  // A deploy installs a new worker that takes over this page; the code
  // running here is then the old one. The next move to another screen
  // becomes a full page load, so nobody loses a half-written reply.
  let controlled = !!navigator.serviceWorker.controller
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (controlled) window.__mdUpdated = true
    controlled = true
  })
  // main.js awaits its dictionary first, so "load" may already be past.
  const register = () => navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {})
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register)
}
