// signet edit: change a share link or an upload link after it was made (PATCH): its expiry, caps,
// password, message and who is mailed. What is not given stays as it is; `none` removes a cap.
import type { ShareEdit, UploadLinkEdit } from '../../src/client'
import { MAX_SHARE_LIFETIME, MAX_UPLOAD_LINK_LIFETIME } from '../../src/lib/limits'
import {
  clientFrom,
  command,
  count,
  duration,
  list,
  NOTIFY_OPTION,
  notifyList,
  print,
  size,
  step,
  UsageError,
  type Values,
} from '../command'
import { linkRef, resolveLink } from '../link-target'
import { passwordFromStdin } from './share'

const OPTIONS = {
  'expires-in': {
    type: 'string',
    value: '7d',
    help: 'a new expiry, from now (shares: at most 365d; upload links: 90d)',
  },
  'max-downloads': { type: 'string', value: 'N|none', help: 'a share: its download cap' },
  'max-files': { type: 'string', value: 'N|none', help: 'an upload link: the files it takes' },
  'max-size': { type: 'string', value: 'SIZE|none', help: 'an upload link: the largest file' },
  'allow-ip': { type: 'string', multiple: true, value: 'CIDR', help: 'a share: who may use it' },
  'password-stdin': { type: 'boolean', help: 'a share: a new password, read from stdin' },
  'no-password': { type: 'boolean', help: 'a share: no password any more' },
  message: { type: 'string', value: 'TEXT', help: "shown on the link's page ('' removes it)" },
  'no-notify': { type: 'boolean', help: 'mail nobody about it any more' },
  ...NOTIFY_OPTION,
} as const

type Options = Values<typeof OPTIONS>

/** A cap, or `none` for no cap (null). */
function cap(text: string | undefined, name: string): number | null | undefined {
  return text === 'none' ? null : count(text, name)
}

/** What the options change, common to both kinds of link. */
function common(options: Options, maxSeconds: number) {
  const changes: { expiresIn?: number; message?: string | null; notify?: string[] } = {}
  const expiresIn = duration(options['expires-in'], 'expires-in', maxSeconds)
  if (expiresIn !== undefined) changes.expiresIn = expiresIn
  if (options.message !== undefined) {
    if (options.message.length > 1000) throw new UsageError('--message: at most 1,000 characters')
    changes.message = options.message === '' ? null : options.message
  }
  const notify = notifyList(options.notify)
  if (options['no-notify'] && notify.length > 0) {
    throw new UsageError('give --notify or --no-notify, not both')
  }
  if (notify.length > 0) changes.notify = notify
  if (options['no-notify']) changes.notify = []
  return changes
}

async function shareChanges(options: Options): Promise<ShareEdit> {
  for (const name of ['max-files', 'max-size'] as const) {
    if (options[name] !== undefined) throw new UsageError(`--${name} is for upload links`)
  }
  if (options['password-stdin'] && options['no-password']) {
    throw new UsageError('give --password-stdin or --no-password, not both')
  }
  const changes: ShareEdit = common(options, MAX_SHARE_LIFETIME)
  const downloads = cap(options['max-downloads'], 'max-downloads')
  if (downloads !== undefined) changes.maxDownloads = downloads
  const allowIps = list(options['allow-ip'])
  if (allowIps.length > 0) changes.allowIps = allowIps
  if (options['no-password']) changes.password = null
  if (options['password-stdin']) changes.password = await passwordFromStdin()
  return changes
}

function uploadLinkChanges(options: Options): UploadLinkEdit {
  for (const name of ['max-downloads', 'allow-ip', 'password-stdin', 'no-password'] as const) {
    if (options[name] !== undefined) throw new UsageError(`--${name} is for share links`)
  }
  const changes: UploadLinkEdit = common(options, MAX_UPLOAD_LINK_LIFETIME)
  const files = cap(options['max-files'], 'max-files')
  if (files !== undefined) changes.maxFiles = files
  if (options['max-size'] !== undefined) {
    changes.maxFileSize =
      options['max-size'] === 'none' ? null : size(options['max-size'], 'max-size', 0)
  }
  return changes
}

export const edit = command({
  name: 'edit',
  arity: [1, 1],
  usage: [
    '<share link or id> [--expires-in D] [--max-downloads N|none] [--password-stdin | --no-password] [--message M] [--notify EMAIL]...',
    '<upload link or id> [--expires-in D] [--max-files N|none] [--max-size SIZE|none] [--message M] [--notify EMAIL]...',
  ],
  summary:
    'Change a link after it was made; what is not given stays as it is. Prints the link as it is now.',
  options: OPTIONS,
  async run({ positionals, options, io }) {
    const client = clientFrom(options)
    const ref = await step('find the link', resolveLink(client, linkRef(positionals[0])))
    if (ref.kind === 'share') {
      const changes = await shareChanges(options)
      if (Object.keys(changes).length === 0) throw new UsageError('edit needs something to change')
      const share = await step('edit the share link', client.editShare(ref.id, changes))
      print(io, options, share, share.url)
      return
    }
    const changes = uploadLinkChanges(options)
    if (Object.keys(changes).length === 0) throw new UsageError('edit needs something to change')
    const link = await step('edit the upload link', client.uploadLinks.edit(ref.id, changes))
    print(io, options, link, link.url)
  },
})
