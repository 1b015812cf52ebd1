import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'

// Files of public/ the service worker keeps for the offline shell.
const publicFiles = readdirSync(new URL('./public', import.meta.url))
  .filter((f) => f !== 'sw.js')
  .sort()
  .map((f) => '/' + f)

// The service worker is written after bundling so it knows the hashed file
// names to precache. Its version is a hash of that list and of its own
// source, so the same sources always give byte-identical output (CI rebuilds
// ui/dist and compares) and any change to the app installs a new worker.
function serviceWorker() {
  return {
    name: 'mentiondesk-sw',
    apply: 'build',
    generateBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((f) => f.startsWith('assets/'))
        .sort()
        .map((f) => '/' + f)
      const template = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8')
      const precache = ['/', ...publicFiles, ...assets]
      const version = createHash('sha256')
        .update(template)
        .update(precache.join('\n'))
        .digest('hex')
        .slice(0, 16)
      const source = template
        .replace('self.__PRECACHE__', JSON.stringify(precache))
        .replace('__VERSION__', version)
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}

export default defineConfig({
  plugins: [svelte(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8090', ws: false } },
  },
})
