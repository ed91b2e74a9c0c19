// signet requests: your upload links (URL, files received of the most it takes, expiry), or one
// of them with every file it received.
import { type UploadLink, uploadLinkState } from '../../src/client'
import { formatInstant, formatSize } from '../../src/lib/sizes'
import { clientFrom, command, print, step, UsageError } from '../command'
import { linkRef } from '../link-target'

function summary(link: UploadLink, now: number): string {
  return [
    link.id,
    uploadLinkState(link, now).padEnd(7),
    `${link.fileCount}/${link.maxFiles ?? '∞'} files`.padEnd(11),
    formatInstant(Date.parse(link.expiresAt)),
    `s3://${link.bucket}/${link.prefix}`,
    link.url,
  ].join('  ')
}

export const requests = command({
  name: 'requests',
  arity: [0, 1],
  usage: ['', '<upload link or id>'],
  summary:
    'List your upload links (id, state, files received/max, expiry, folder, URL), or show one with every file it received.',
  options: {},
  async run({ positionals, options, io }) {
    const client = clientFrom(options)
    const now = Date.now()
    if (positionals[0] !== undefined) {
      const ref = linkRef(positionals[0])
      if (ref.kind === 'share') throw new UsageError('that is a share link: signet uses shows it')
      const link = await step('read the upload link', client.uploadLinks.get(ref.id))
      const files = (link.files ?? []).map((file) =>
        [
          formatInstant(Date.parse(file.uploadedAt)),
          formatSize(file.size).padStart(10),
          file.key,
          file.sender ? `from ${file.sender}` : '',
        ]
          .join('  ')
          .trimEnd(),
      )
      print(io, options, link, [summary(link, now), ...files].join('\n'))
      return
    }
    const all: UploadLink[] = []
    let cursor: string | null = null
    do {
      const page: { uploadLinks: UploadLink[]; cursor: string | null } = await step(
        'list your upload links',
        client.uploadLinks.list({ limit: 1000, ...(cursor ? { cursor } : {}) }),
      )
      all.push(...page.uploadLinks)
      cursor = page.cursor
    } while (cursor)
    print(io, options, all, all.map((link) => summary(link, now)).join('\n') || '(no upload links)')
  },
})
