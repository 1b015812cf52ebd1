/** PocketBase dates are "2026-11-23 10:00:00.000Z". */
export function parseDate(v) {
  if (!v) return null
  if (v instanceof Date) return isNaN(v) ? null : v
  const d = new Date(String(v).replace(' ', 'T'))
  return isNaN(d) ? null : d
}
