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
  // main.js awaits its dictionary first, so "load" may already be past.
  const register = () => navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {})
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register)
}
