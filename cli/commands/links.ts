// signet revoke and signet shares: revoke a share link, list yours with their state.
import { type Share, type ShareStats, shareState } from '../../src/client'
import { formatInstant } from '../../src/lib/sizes'
import { clientFrom, command, print, step, UsageError } from '../command'

export const revoke = command({
  name: 'revoke',
  arity: [1, 1],
  usage: ['<share id or link>'],
  summary: 'Revoke a share link: its next use answers 410.',
  options: {},
  async run({ positionals, options, io }) {
    const target = positionals[0]
    if (!target) throw new UsageError('revoke needs a share id or link')
    const id = target.includes('/')
      ? (target.replace(/\/+$/, '').split('/').pop() ?? target)
      : target
    await step('revoke the share link', clientFrom(options).revokeShare(id))
    print(io, options, { revoked: id }, `revoked ${id}`)
  },
})

export const shares = command({
  name: 'shares',
  arity: [0, 0],
  usage: [''],
  summary: 'List your share links: id, state, views, downloads/max, expiry, object.',
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
