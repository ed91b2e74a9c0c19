// signet revoke and signet shares: revoke a share link, list yours with their state.
import { type Share, shareState } from '../../src/client'
import { clientFrom, command, print, step, UsageError } from '../command'

export const revoke = command({
  name: 'revoke',
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
  usage: [''],
  summary: 'List your share links: id, state, downloads/max, expiry, object.',
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
    const now = Date.now()
    const lines = all.map((share) =>
      [
        share.id,
        shareState(share, now).padEnd(7),
        `${share.downloads}/${share.maxDownloads ?? '∞'}`.padEnd(9),
        share.expiresAt,
        `s3://${share.bucket}/${share.key}`,
      ].join('  '),
    )
    print(io, options, all, lines.join('\n') || '(no shares)')
  },
})
