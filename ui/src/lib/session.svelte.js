import { pb } from './pb.js'

// The signed-in user, kept in step with PocketBase's auth store (which the
// SDK persists in localStorage and refreshes on every auth response).
export const session = $state({ user: pb.authStore.isValid ? pb.authStore.record : null })

pb.authStore.onChange((_token, record) => {
  session.user = pb.authStore.isValid ? record : null
})

export const isOwner = () => session.user?.role === 'owner'

export function logout() {
  pb.realtime.unsubscribe().catch(() => {})
  pb.authStore.clear()
}
