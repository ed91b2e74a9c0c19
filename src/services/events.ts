// The activity feed: the events of the caller's own links (every event for the admin), newest
// last, from what the events queue recorded (webhooks/activity.ts).
import { actingOwner } from '../auth/caller'
import type { Principal } from '../env'
import { readActivity } from '../webhooks/activity'

export function listOwnEvents(
  principal: Principal,
  db: D1Database,
  page: { after?: number | undefined; limit: number },
) {
  return readActivity(db, actingOwner(principal), page)
}
