// `npm run e2e`: the browser tests (e2e.mjs), the owner's journey
// (journey.mjs), then connecting a Google reviews source and answering a
// review (connect-journey.mjs), one after the other with the same MD_BIN.
// Each prints its own lines; the last line is the sum, "N passed, M
// failed", and the exit code is 1 when anything failed.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const SUMMARY = /^(\d+) passed, (\d+) failed$/

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, file)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let last = null
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line)
      const m = SUMMARY.exec(line.trim())
      if (m) last = { passed: Number(m[1]), failed: Number(m[2]) }
    })
    child.on('close', (code) => {
      // A file that died before its summary counts as one failure.
      const r = last || { passed: 0, failed: 1 }
      if (code !== 0 && !r.failed) r.failed = 1
      resolve(r)
    })
  })
}

let passed = 0
let failed = 0
for (const file of ['e2e.mjs', 'journey.mjs', 'connect-journey.mjs']) {
  const r = await run(file)
  passed += r.passed
  failed += r.failed
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
