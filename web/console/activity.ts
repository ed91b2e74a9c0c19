// Activity: what happened to the caller's links, newest first: downloads (from the audits of the
// links used lately) and files received (from the upload links that have any), with an unread
// count on the tab since it was last opened in this browser tab.
import { formatSize } from '../../src/lib/sizes'
import { element } from '../dom'
import { sharedName } from './links'
import { signedIn, when } from './shared'

/** The links read for activity: the ones used or filled most lately. */
const LINKS_READ = 10
const SHOWN = 50
const SEEN_STORAGE = 'signet.activitySeen'

const list = element<HTMLOListElement>('activity-list')
const unread = element<HTMLSpanElement>('unread')

type Happening = { at: string; what: string; link: string }

async function happenings(): Promise<Happening[]> {
  const { client } = signedIn()
  const [{ shares }, { uploadLinks }] = await Promise.all([
    client.listShares({ limit: 100 }),
    client.uploadLinks.list({ limit: 100 }),
  ])
  const used = shares
    .filter((share) => share.lastUsedAt !== null)
    .sort((a, b) => ((a.lastUsedAt ?? '') < (b.lastUsedAt ?? '') ? 1 : -1))
    .slice(0, LINKS_READ)
  const filled = uploadLinks.filter((link) => link.fileCount > 0).slice(-LINKS_READ)
  const [audits, received] = await Promise.all([
    Promise.all(used.map((share) => client.shareUses(share.id, { limit: 100 }))),
    Promise.all(filled.map((link) => client.uploadLinks.get(link.id))),
  ])
  const found: Happening[] = []
  audits.forEach(({ uses }, index) => {
    const share = used[index]
    if (!share) return
    for (const use of uses) {
      if (use.outcome !== 'downloaded') continue
      const file = use.path ?? (use.zip ? 'the zip' : sharedName(share))
      found.push({ at: use.at, what: `Downloaded ${file}`, link: share.url })
    }
  })
  for (const link of received) {
    for (const file of link.files ?? []) {
      const name = file.key.slice(link.prefix.length)
      found.push({
        at: file.uploadedAt,
        what: `Received ${name} (${formatSize(file.size)})${file.sender ? ` from ${file.sender}` : ''}`,
        link: link.url,
      })
    }
  }
  return found.sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, SHOWN)
}

function item(happening: Happening): HTMLLIElement {
  const li = document.createElement('li')
  const what = document.createElement('a')
  what.href = happening.link
  what.textContent = happening.what
  li.append(what, ' ', when(happening.at))
  return li
}

/** Reads the activity; shows it when `show`, else only counts what is new since last seen. */
export async function loadActivity(show: boolean): Promise<void> {
  const found = await happenings()
  const seen = sessionStorage.getItem(SEEN_STORAGE) ?? ''
  const fresh = found.filter((happening) => happening.at > seen).length
  if (show) {
    list.replaceChildren(
      ...(found.length > 0
        ? found.map(item)
        : [Object.assign(document.createElement('li'), { textContent: 'Nothing yet.' })]),
    )
    if (found[0]) sessionStorage.setItem(SEEN_STORAGE, found[0].at)
    unread.hidden = true
    return
  }
  unread.textContent = String(fresh)
  unread.setAttribute('aria-label', `${fresh} new`)
  unread.hidden = fresh === 0
}

export function clearActivity(): void {
  list.replaceChildren()
  unread.hidden = true
}
