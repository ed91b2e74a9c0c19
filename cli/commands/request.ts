// signet request: an upload link, so someone without a key can send files into a prefix (the
// page for a browser, or `curl -T file <link>/`). Prints the link.

import type { UploadLinkRequest } from '../../src/client'
import { MAX_UPLOAD_LINK_LIFETIME } from '../../src/lib/limits'
import { asFolder } from '../../src/lib/object-key'
import {
  clientFrom,
  command,
  count,
  duration,
  list,
  NOTIFY_OPTION,
  notifyList,
  parseS3Url,
  print,
  size,
  step,
  UsageError,
} from '../command'
import { passwordFromStdin } from './share'

export const request = command({
  name: 'request',
  arity: [1, 1],
  usage: ['s3://bucket/prefix/'],
  summary: 'Print an upload link: anyone with it can send files into the prefix, no key needed.',
  options: {
    'max-files': { type: 'string', value: 'N', help: 'files the link takes in all' },
    'max-size': { type: 'string', value: '50MiB', help: 'the largest file it takes' },
    'expires-in': {
      type: 'string',
      value: '7d',
      help: 'how long the link lives (at most 90d)',
      aliases: ['expire'],
    },
    type: {
      type: 'string',
      multiple: true,
      value: 'TYPE',
      help: 'media types it takes (image/*, application/pdf)',
    },
    message: { type: 'string', value: 'TEXT', help: "shown on the link's page" },
    ...NOTIFY_OPTION,
    'password-stdin': {
      type: 'boolean',
      help: 'ask senders for a password, read from stdin (8-256 characters)',
    },
  },
  async run({ positionals, options, io }) {
    const where = positionals[0]
    if (!where?.startsWith('s3://')) throw new UsageError('request needs s3://bucket/prefix/')
    const target = parseS3Url(where)
    const prefix = asFolder(target.key)
    const made: UploadLinkRequest = { bucket: target.bucket, prefix }
    const maxFiles = count(options['max-files'], 'max-files')
    if (maxFiles !== undefined) made.maxFiles = maxFiles
    if (options['max-size'] !== undefined)
      made.maxFileSize = size(options['max-size'], 'max-size', 0)
    const expire = duration(options['expires-in'], 'expires-in', MAX_UPLOAD_LINK_LIFETIME)
    if (expire !== undefined) made.expiresIn = expire
    const types = list(options.type)
    if (types.length > 0) made.contentTypes = types
    if (options.message !== undefined) made.message = options.message
    const notify = notifyList(options.notify)
    if (notify.length > 0) made.notify = notify
    if (options['password-stdin']) made.password = await passwordFromStdin()
    const link = await step('create the upload link', clientFrom(options).uploadLinks.create(made))
    print(io, options, link, link.url)
  },
})
