// Activity: what happened to the caller's links (GET /v1/events), newest first in the page:
// downloads, files received (with the sender's name), links used up or revoked; an unread count
// on the tab since Activity was last opened in this browser tab.
import type { ActivityEvent } from '../../src/client'
import { lastSegment } from '../../src/lib/object-key'
import { formatSize } from '../../src/lib/sizes'
import { element } from '../dom'
import { signedIn, when } from './shared'

const SHOWN = 100
const SEEN_STORAGE = 'signet.activitySeen'

const list = element<HTMLOListElement>('activity-list')
const unread = element<HTMLSpanElement>('unread')

/** What happened, in words, and the link it happened to. */
function described(event: ActivityEvent): { what: string; link: string | null } {
  const { data } = event
  const share = typeof data.shareId === 'string' ? `/s/${data.shareId}` : null
  const upload = typeof data.uploadLinkId === 'string' ? `/u/${data.uploadLinkId}` : null
  const file = typeof data.path === 'string' ? data.path : lastSegment(data.key)
  switch (event.type) {
    case 'share.downloaded':
      return { what: `Downloaded ${data.zip ? 'the zip' : file}`, link: share }
    case 'share.exhausted':
      return { what: `Used up: ${file}`, link: share }
    case 'share.revoked':
      return { what: `Revoked: ${file}`, link: share }
    case 'upload_link.exhausted':
      return { what: `Upload link full: ${data.prefix ?? data.key}`, link: upload }
    case 'notification.failed':
      return {
        what: `Mail to ${data.to} failed${data.retrying ? ' (trying again)' : ''}: ${data.error}`,
        link: share ?? upload,
      }
    default: {
      const size = typeof data.size === 'number' ? ` (${formatSize(data.size)})` : ''
      const from = typeof data.sender === 'string' ? ` from ${data.sender}` : ''
      return { what: `Received ${lastSegment(data.key)}${size}${from}`, link: upload }
    }
  }
}

function item(event: ActivityEvent): HTMLLIElement {
  const li = document.createElement('li')
  const { what, link } = described(event)
  if (link) {
    const anchor = document.createElement('a')
    anchor.href = link
    anchor.textContent = what
    li.append(anchor)
  } else {
    li.append(what)
  }
  li.append(' ', when(event.at))
  return li
}

/** Reads the activity; shows it when `show` (and marks it read), else only counts what is new. */
export async function loadActivity(show: boolean): Promise<void> {
  const { client } = signedIn()
  const seen = sessionStorage.getItem(SEEN_STORAGE)
  if (show) {
    const { events, cursor } = await client.events({ limit: SHOWN })
    list.replaceChildren(
      ...(events.length > 0
        ? events.reverse().map(item)
        : [Object.assign(document.createElement('li'), { textContent: 'Nothing yet.' })]),
    )
    sessionStorage.setItem(SEEN_STORAGE, cursor)
    unread.hidden = true
    return
  }
  const fresh =
    seen === null
      ? (await client.events({ limit: 200 })).events.length
      : (await client.events({ after: seen, limit: 200 })).events.length
  unread.textContent = String(fresh)
  unread.setAttribute('aria-label', `${fresh} new`)
  unread.hidden = fresh === 0
}

export function clearActivity(): void {
  list.replaceChildren()
  unread.hidden = true
}
