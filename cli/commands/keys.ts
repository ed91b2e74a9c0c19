// signet keys: the admin creates, lists and revokes API keys.
import { formatInstant } from '../../src/lib/sizes'
import {
  clientFrom,
  command,
  duration,
  list,
  print,
  step,
  UsageError,
  wholeNumber,
} from '../command'

/** The longest life a key may be given: ten years (the server's limit). */
const KEY_MAX_SECONDS = 10 * 365 * 86_400

export const keys = command({
  name: 'keys',
  arity: [1, 2],
  usage: [
    'create --name NAME --bucket BUCKET [--prefix PREFIX] [--op get,put,...] [--expires-in 90d]',
    'list',
    'revoke <key id> [--keep-links]',
  ],
  summary: 'Manage API keys (with the admin token). A key is shown once, when it is created.',
  options: {
    name: { type: 'string', value: 'NAME', help: 'create: what the key is for' },
    bucket: {
      type: 'string',
      multiple: true,
      value: 'BUCKET',
      help: 'create: a bucket it may use',
    },
    prefix: {
      type: 'string',
      multiple: true,
      value: 'PREFIX',
      help: 'create: a key prefix it may use',
    },
    op: {
      type: 'string',
      multiple: true,
      value: 'OPS',
      help: 'create: operations (default get,head)',
    },
    'max-expires-in': { type: 'string', value: 'SECONDS', help: 'create: the longest expiry' },
    'expires-in': {
      type: 'string',
      value: '90d',
      help: 'create: the key stops working after this (default: when revoked)',
    },
    'keep-links': { type: 'boolean', help: 'revoke: keep the share links the key made' },
  },
  async run({ positionals, options, io }) {
    const client = clientFrom(options)
    const action = positionals[0]
    if (action === 'create') {
      const name = options.name
      const buckets = list(options.bucket)
      if (!name || buckets.length === 0)
        throw new UsageError('keys create needs --name and --bucket')
      const operations = list(options.op)
      const prefixes = list(options.prefix)
      const maxExpiresIn = wholeNumber(options['max-expires-in'], 'max-expires-in')
      const lives = duration(options['expires-in'], 'expires-in', KEY_MAX_SECONDS)
      const answer = await step(
        'create the key',
        client.keys.create(
          name,
          {
            buckets,
            operations: (operations.length ? operations : ['get', 'head']) as ['get'],
            ...(prefixes.length ? { prefixes } : {}),
            ...(maxExpiresIn === undefined ? {} : { maxExpiresIn }),
          },
          lives === undefined ? {} : { expiresIn: lives },
        ),
      )
      print(io, options, answer, answer.key)
      return
    }
    if (action === 'list') {
      const answer = await step('list the keys', client.keys.list({ limit: 1000 }))
      const now = Date.now()
      const lines = answer.keys.map((key) =>
        [
          key.id,
          key.revokedAt
            ? 'revoked'
            : key.expiresAt && Date.parse(key.expiresAt) <= now
              ? 'expired'
              : 'active ',
          key.name,
          key.expiresAt ? `until ${formatInstant(Date.parse(key.expiresAt))}` : 'no expiry',
          key.scope.buckets.join(','),
          key.scope.operations.join(','),
        ].join('  '),
      )
      print(io, options, answer.keys, lines.join('\n') || '(no keys)')
      return
    }
    if (action === 'revoke') {
      const id = positionals[1]
      if (!id) throw new UsageError('keys revoke needs a key id')
      await step(
        'revoke the key',
        client.keys.revoke(id, { keepLinks: options['keep-links'] === true }),
      )
      print(io, options, { revoked: id }, `revoked ${id}`)
      return
    }
    throw new UsageError('keys needs create, list or revoke')
  },
})
