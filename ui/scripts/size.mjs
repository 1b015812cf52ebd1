// Prints the size of every built file, raw and gzipped, and the initial
// JavaScript (what index.html loads before the first screen shows), which
// must stay under the budget. Run after `npm run build`.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const BUDGET = 60 * 1024
const dist = new URL('../dist/', import.meta.url).pathname

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : [p]
  })
}
const gz = (buf) => gzipSync(buf, { level: 9 }).length
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB'

const files = walk(dist).sort()
const rows = files.map((p) => {
  const buf = readFileSync(p)
  return { name: p.slice(dist.length), raw: buf.length, gz: gz(buf) }
})
console.log('file'.padEnd(44), 'raw'.padStart(10), 'gzip'.padStart(10))
for (const r of rows) console.log(r.name.padEnd(44), kb(r.raw), kb(r.gz))

// Initial JS: the entry script and the chunks it imports statically
// (modulepreload links), not the screens loaded with import().
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1])
const initialCss = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="\/([^"]+\.css)"/g)].map((m) => m[1])
const sum = (list) => list.reduce((n, f) => n + (rows.find((r) => r.name === f)?.gz || 0), 0)
// The dictionary of the user's language loads before the first screen too.
const dict = Math.max(0, ...rows.filter((r) => /^assets\/(en|fr)-[\w-]+\.js$/.test(r.name)).map((r) => r.gz))
const js = sum(initial) + dict
const lazy = rows.filter((r) => r.name.endsWith('.js') && r.name.startsWith('assets/') && !initial.includes(r.name))
console.log('')
console.log(`initial JS (gzip): ${kb(js).trim()} = ${kb(js - dict).trim()} app [${initial.length} files] + ${kb(dict).trim()} largest dictionary; budget ${kb(BUDGET).trim()}`)
console.log(`initial CSS (gzip): ${kb(sum(initialCss)).trim()}`)
console.log(`lazy chunks (gzip): ${lazy.map((r) => `${r.name.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, '')} ${kb(r.gz).trim()}`).join(', ')}`)
if (js > BUDGET) {
  console.error(`initial JS is over budget by ${kb(js - BUDGET).trim()}`)
  process.exit(1)
}
