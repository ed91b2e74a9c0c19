// signet revoke, shares, stats, uses and edit: a link's life after it was made. A link is named
// by its URL or its id (a share's or an upload link's).
import { type Share, type ShareStats, shareState } from '../../src/client'
import { formatInstant } from '../../src/lib/sizes'
import { clientFrom, command, print, step } from '../command'
import { linkRef, onLink } from '../link-target'

export const revoke = command({
  name: 'revoke',
  arity: [1, 1],
  usage: ['<link or id>'],
  summary: 'Revoke a share link or an upload link: its next use answers 410.',
  options: {},
  async run({ positionals, options, io }) {
    const ref = linkRef(positionals[0])
    const client = clientFrom(options)
    await step(
      'revoke the link',
      onLink(
        ref,
        (id) => client.revokeShare(id),
        (id) => client.uploadLinks.revoke(id),
      ),
    )
    print(io, options, { revoked: ref.id }, `revoked ${ref.id}`)
  },
})

export const shares = command({
  name: 'shares',
  arity: [0, 0],
  usage: [''],
  summary: 'List your share links: id, state, views, downloads/max, expiry, object, URL.',
  options: {},
  async run({ options, io }) {
    const client = clientFrom(options)
    const all: Share[] = []
    let cursor: string | null = null
    do {
      const page: { shares: Share[]; cursor: string | null } = await step(
        'list your share links',
        client.listShares({ limit: 1000, ...(cursor ? { cursor } : {}) }),
      )
      all.push(...page.shares)
      cursor = page.cursor
    } while (cursor)
    // Views and downloads come from each share's stats (its object's own count, never late).
    const stats = await step('read the links’ stats', statsOf(client, all))
    const now = Date.now()
    const lines = all.map((share, i) => {
      const counted = stats[i]
      return [
        share.id,
        shareState(share, now).padEnd(7),
        plural(counted?.views ?? 0, 'view').padEnd(9),
        `${counted?.downloads ?? share.downloads}/${share.maxDownloads ?? '∞'} downloads`.padEnd(
          15,
        ),
        formatInstant(Date.parse(share.expiresAt)),
        `s3://${share.bucket}/${share.key ?? share.prefix}`,
        share.url,
      ].join('  ')
    })
    const listed = all.map((share, i) => ({
      ...share,
      views: stats[i]?.views ?? 0,
      downloads: stats[i]?.downloads ?? share.downloads,
    }))
    print(io, options, listed, lines.join('\n') || '(no shares)')
  },
})

export const stats = command({
  name: 'stats',
  arity: [1, 1],
  usage: ['<share link or id>'],
  summary: "A share link's views, previews and downloads, per day and per country.",
  options: {},
  async run({ positionals, options, io }) {
    const { id } = linkRef(positionals[0])
    const answer = await step('read the stats', clientFrom(options).shareStats(id))
    const lines = [
      `${plural(answer.views, 'view')}, ${plural(answer.previews, 'preview')}, ${plural(answer.downloads, 'download')}`,
      ...answer.byDay.map(
        (day) =>
          `${day.day}  ${day.views} views  ${day.previews} previews  ${day.downloads} downloads`,
      ),
      ...answer.byCountry.map((row) => `${row.country ?? '??'}  ${row.downloads} downloads`),
    ]
    print(io, options, answer, lines.join('\n'))
  },
})

export const uses = command({
  name: 'uses',
  arity: [1, 1],
  usage: ['<share link or id>'],
  summary:
    "A share link's audit trail: each use (when, from where, what came of it), oldest first, and the refusals summed.",
  options: {},
  async run({ positionals, options, io }) {
    const { id } = linkRef(positionals[0])
    const answer = await step('read the audit', clientFrom(options).shareUses(id, { limit: 1000 }))
    const lines = [
      ...answer.uses.map((use) =>
        [
          formatInstant(Date.parse(use.at)),
          use.outcome.padEnd(10),
          (use.clientIp ?? '-').padEnd(15),
          use.fields ? use.fields.join(',') : (use.path ?? (use.zip ? '(zip)' : '')),
        ]
          .join('  ')
          .trimEnd(),
      ),
      ...answer.refusals.map(
        (refusal) =>
          `refused ${refusal.outcome} ×${refusal.count} from ${refusal.clientIp ?? '-'} (last ${formatInstant(Date.parse(refusal.lastAt))})`,
      ),
    ]
    print(io, options, answer, lines.join('\n') || '(no uses)')
  },
})

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Each share's stats, asked a few at a time. */
async function statsOf(
  client: ReturnType<typeof clientFrom>,
  all: readonly Share[],
): Promise<ShareStats[]> {
  const out: ShareStats[] = new Array(all.length)
  let next = 0
  const worker = async () => {
    while (next < all.length) {
      const i = next++
      const share = all[i]
      if (share) out[i] = await client.shareStats(share.id)
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, all.length) }, worker))
  return out
}
