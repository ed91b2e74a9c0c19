// signet webhooks: list yours, add one (its secret is shown once), remove one, and read a
// webhook's recent deliveries.
import type { WebhookRequest } from '../../src/client'
import { formatInstant } from '../../src/lib/sizes'
import { clientFrom, command, list, print, step, UsageError } from '../command'

const EVENTS = [
  'object.created',
  'share.downloaded',
  'share.exhausted',
  'share.revoked',
  'upload_link.exhausted',
]

export const webhooks = command({
  name: 'webhooks',
  arity: [1, 2],
  usage: [
    'list',
    'add <url> --events object.created,share.downloaded,…',
    'rm <id>',
    'deliveries <id>',
  ],
  summary:
    'Manage webhooks: signed deliveries of your links’ events (docs/WEBHOOKS.md). add prints the id and, once, the secret.',
  options: {
    events: {
      type: 'string',
      multiple: true,
      value: 'TYPES',
      help: `add: the events it receives (${EVENTS.join(', ')})`,
    },
  },
  async run({ positionals, options, io }) {
    const [action, argument] = positionals
    const client = clientFrom(options)
    const needs = (what: string) => {
      if (!argument) throw new UsageError(`webhooks ${action} needs ${what}`)
      return argument
    }
    if (action !== 'add' && options.events !== undefined) {
      throw new UsageError('--events is for webhooks add')
    }
    if (action === 'list') {
      if (argument) throw new UsageError(`unexpected argument "${argument}"`)
      const { webhooks: all } = await step('list the webhooks', client.webhooks.list())
      const lines = all.map((hook) => `${hook.id}  ${hook.url}  ${hook.events.join(',')}`)
      print(io, options, all, lines.join('\n') || '(no webhooks)')
      return
    }
    if (action === 'add') {
      const url = needs('a URL')
      const events = list(options.events)
      if (events.length === 0)
        throw new UsageError(`webhooks add needs --events (${EVENTS.join(', ')})`)
      const unknown = events.filter((event) => !EVENTS.includes(event))
      if (unknown.length > 0) {
        throw new UsageError(
          `--events: no event ${unknown.join(', ')} (there are ${EVENTS.join(', ')})`,
        )
      }
      const made = await step(
        'add the webhook',
        client.webhooks.create({ url, events } as WebhookRequest),
      )
      print(io, options, made, `${made.id}\nsecret (shown once): ${made.secret}`)
      return
    }
    if (action === 'rm') {
      const id = needs('a webhook id')
      await step('remove the webhook', client.webhooks.delete(id))
      print(io, options, { deleted: id }, `removed ${id}`)
      return
    }
    if (action === 'deliveries') {
      const id = needs('a webhook id')
      const { deliveries } = await step('read the deliveries', client.webhooks.deliveries(id))
      const lines = deliveries.map((delivery) =>
        [
          formatInstant(Date.parse(delivery.at)),
          delivery.outcome.padEnd(9),
          String(delivery.status ?? '-').padEnd(4),
          `#${delivery.attempt}`,
          delivery.type,
          delivery.eventId,
        ].join('  '),
      )
      print(io, options, deliveries, lines.join('\n') || '(no deliveries)')
      return
    }
    throw new UsageError('webhooks needs list, add, rm or deliveries')
  },
})
