import { describeError } from './i18n.svelte.js'

export const toasts = $state([])
let seq = 0

export function toast(message, kind = 'info', ms = 3500) {
  const id = ++seq
  const same = toasts.findIndex((t) => t.message === message)
  if (same >= 0) toasts.splice(same, 1)
  // Two at most: a stack of old news hides the screen.
  if (toasts.length >= 2) toasts.splice(0, toasts.length - 1)
  toasts.push({ id, message, kind })
  setTimeout(() => dismiss(id), kind === 'error' ? ms * 2 : ms)
  return id
}

export function dismiss(id) {
  const i = toasts.findIndex((t) => t.id === id)
  if (i >= 0) toasts.splice(i, 1)
}

export function toastError(err) {
  return toast(describeError(err), 'error')
}
