import { pb, SETTINGS_ID } from './pb.js'

// The single settings row, shared by the screens that need the business
// name (template placeholders) and the SLA target (badges).
export const settings = $state({ record: null })

export async function loadSettings() {
  try {
    settings.record = await pb.collection('settings').getOne(SETTINGS_ID)
  } catch {
    settings.record = null
  }
  return settings.record
}

export function targetSec() {
  return (settings.record?.first_response_target_min || 60) * 60
}
