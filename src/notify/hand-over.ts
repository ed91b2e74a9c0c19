// The events queue's consumer hands each link's events to the link's NotifyObject when the link
// has someone to mail (its `notify`, from the D1 index the consumer read anyway): one call per
// such link per batch, none for the rest. A failed call brings the batch back; the object keeps
// each event once.
import type { FeedEvent, LinkFacts } from '../webhooks/activity'
import { linkIdOf } from '../webhooks/activity'
import type { MailEvent } from './mail'
import type { LinkMail } from './object'
import type { Recipients } from './recipients'

export async function handOver(
  namespace: Env['NOTIFY'],
  events: readonly FeedEvent[],
  links: ReadonlyMap<string, LinkFacts>,
): Promise<void> {
  const byLink = new Map<string, { link: LinkMail; events: MailEvent[] }>()
  for (const event of events) {
    const id = linkIdOf(event)
    const facts = id === null ? undefined : links.get(id)
    if (id === null || !facts?.notify) continue
    let entry = byLink.get(id)
    if (!entry) {
      const recipients = JSON.parse(facts.notify) as Recipients
      if (recipients.to.length === 0) continue
      const link = { kind: facts.kind, id, path: facts.path, message: facts.message, recipients }
      entry = { link, events: [] }
      byLink.set(id, entry)
    }
    entry.events.push({
      id: event.id,
      type: event.type,
      at: Date.parse(event.timestamp),
      data: event.data,
    })
  }
  await Promise.all(
    [...byLink.entries()].map(([id, { link, events: theirs }]) =>
      namespace.get(namespace.idFromName(id)).add(link, theirs),
    ),
  )
}
