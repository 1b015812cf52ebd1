// One ticking clock for every SLA badge, instead of a timer per row.
export const clock = $state({ now: Date.now() })
setInterval(() => (clock.now = Date.now()), 30000)
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) clock.now = Date.now()
})
