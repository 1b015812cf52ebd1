// Draws the PNG icons of public/ from the same geometry as public/icon.svg
// (a speech bubble holding a clock). Pure Node, no image library: shapes are
// signed-distance tests, supersampled 4x4 for smooth edges. Run it again
// only when the design changes: `node scripts/icons.mjs`; the PNGs are committed.
import { deflateSync } from 'node:zlib'
import { writeFileSync } from 'node:fs'

const GREEN = [0x0b, 0x6e, 0x4f]
const WHITE = [0xff, 0xff, 0xff]

function crc32(buf) {
  let c, crc = 0xffffffff
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crc = (crc >>> 8) ^ c
  }
  return (crc ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(size, rgba) {
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ])
}

// Geometry in the 512 unit box of icon.svg.
const roundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.max(x0 + r, Math.min(x, x1 - r)), cy = Math.max(y0 + r, Math.min(y, y1 - r))
  const inCore = x >= x0 && x <= x1 && y >= y0 && y <= y1
  if (!inCore) return false
  if ((x < x0 + r || x > x1 - r) && (y < y0 + r || y > y1 - r)) return Math.hypot(x - cx, y - cy) <= r
  return true
}
const inTail = (x, y) => {
  // triangle (236,348) (160,410) (160,348)
  if (y < 346 || y > 410 || x < 160) return false
  const xmax = 236 - ((y - 348) * 76) / 62
  return x <= xmax
}
const segDist = (x, y, ax, ay, bx, by) => {
  const dx = bx - ax, dy = by - ay
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy))
}
function colour(x, y, { background, mono }) {
  // returns [r,g,b,a] at a point in the 512 box
  const bubble = roundRect(x, y, 88, 140, 424, 348, 32) || inTail(x, y)
  const ring = Math.abs(Math.hypot(x - 256, y - 244) - 52) <= 11
  const hands = segDist(x, y, 256, 208, 256, 244) <= 10 || segDist(x, y, 256, 244, 280, 260) <= 10
  if (mono) return bubble && !ring && !hands ? [255, 255, 255, 255] : [0, 0, 0, 0]
  if (bubble) return ring || hands ? [...GREEN, 255] : [...WHITE, 255]
  if (background === 'full' || roundRect(x, y, 0, 0, 512, 512, 112)) return [...GREEN, 255]
  return [0, 0, 0, 0]
}
function render(size, opts) {
  const out = Buffer.alloc(size * size * 4)
  const S = 4, scale = opts.scale || 1
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
        let x = ((px + (sx + 0.5) / S) / size) * 512, y = ((py + (sy + 0.5) / S) / size) * 512
        x = 256 + (x - 256) / scale; y = 256 + (y - 256) / scale
        const c = opts.background === 'full' && (x < 0 || y < 0 || x > 512 || y > 512) ? [...GREEN, 255] : colour(x, y, opts)
        r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3]
      }
      const i = (py * size + px) * 4
      out[i] = a ? Math.round(r / a) : 0; out[i + 1] = a ? Math.round(g / a) : 0
      out[i + 2] = a ? Math.round(b / a) : 0; out[i + 3] = Math.round(a / (S * S))
    }
  }
  return png(size, out)
}
const dir = new URL('../public/', import.meta.url)
writeFileSync(new URL('icon-192.png', dir), render(192, {}))
writeFileSync(new URL('icon-512.png', dir), render(512, {}))
// Maskable: full-bleed background, drawing inside the 80 % safe circle.
writeFileSync(new URL('icon-maskable-512.png', dir), render(512, { background: 'full', scale: 0.78 }))
// iOS ignores transparency and rounds corners itself.
writeFileSync(new URL('apple-touch-icon.png', dir), render(180, { background: 'full', scale: 0.9 }))
writeFileSync(new URL('badge-72.png', dir), render(72, { mono: true, scale: 1.25 }))
console.log('icons written')
