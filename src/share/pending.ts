// What one call to a share's object changes, gathered as its uses are applied in order and
// written once at the end (share/object.ts): the counter, the audit rows, the day's stats, the
// leases spent from and the events to announce. Pure: nothing here touches storage.
import { isoOf } from '../lib/duration'
import { newEvent, type SignetEvent } from '../webhooks/events'
import type { AuditEntry, StatSums } from './protocol'
import { eventSubject, OUTCOMES, type ShareRecord, type UseItem, type UseOutcome } from './record'

/** What a call's uses change, written once at its end. */
export type Pending = {
  /** Events the uses make (a download, a link used up), sent to the events queue at the end. */
  events: SignetEvent[]
  state: boolean
  stats: Map<string, StatSums>
  /** Lease id → downloads spent from it. */
  leases: Map<string, number>
  /** The audit rows of the uses, in their order. */
  audit: AuditEntry[]
}

export function newPending(): Pending {
  return { events: [], state: false, stats: new Map(), leases: new Map(), audit: [] }
}

/**
 * One allowed use, as OUTCOMES says: the counter and last use (the share as it is after it), the
 * audit row, the stats and the events, gathered into `pending`.
 */
export function applyUse(
  share: ShareRecord,
  use: {
    at: number
    clientIp: string | null
    outcome: UseOutcome
    country?: string | null | undefined
    item?: UseItem | undefined
  },
  pending: Pending,
): ShareRecord {
  const facts = OUTCOMES[use.outcome]
  let recorded = share
  if (facts.use !== 'none') {
    const downloads = share.downloads + (facts.use === 'download' ? 1 : 0)
    recorded = { ...share, downloads, lastUsedAt: Math.max(use.at, share.lastUsedAt ?? 0) }
    pending.state = true
    if (facts.use === 'download') {
      const about = eventSubject(share, use.item)
      const at = new Date(use.at)
      pending.events.push(
        newEvent(
          'share.downloaded',
          {
            ...about,
            downloads,
            maxDownloads: share.maxDownloads,
            clientIp: use.clientIp,
            country: use.country ?? null,
          },
          at,
        ),
      )
      if (share.maxDownloads !== null && downloads === share.maxDownloads) {
        pending.events.push(newEvent('share.exhausted', { ...about, downloads }, at))
      }
    }
  }
  pending.audit.push({
    at: isoOf(use.at),
    clientIp: use.clientIp,
    outcome: use.outcome,
    item: use.item,
  })
  if (facts.stat) {
    const day = new Date(use.at).toISOString().slice(0, 10)
    const country = use.country ?? ''
    const key = `${day} ${country}`
    const sums = pending.stats.get(key) ?? { day, country, views: 0, previews: 0, downloads: 0 }
    sums[facts.stat]++
    pending.stats.set(key, sums)
  }
  return recorded
}
