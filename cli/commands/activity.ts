// signet activity: what happened to your links (GET /v1/events), oldest first; with --follow it
// goes on printing what happens, as `tail -f` does, until Ctrl-C.
import type { ActivityEvent } from '../../src/client'
import { lastSegment } from '../../src/lib/object-key'
import { formatInstant, formatSize } from '../../src/lib/sizes'
import { clientFrom, command, count, type Io, step, UsageError } from '../command'

/** One event in words: when, what, the file or link. */
export function activityLine(event: ActivityEvent): string {
  const { data } = event
  const key = typeof data.key === 'string' ? data.key : ''
  let what: string
  switch (event.type) {
    case 'object.created': {
      const size = typeof data.size === 'number' ? ` (${formatSize(data.size)})` : ''
      const from = typeof data.sender === 'string' ? ` from ${data.sender}` : ''
      what = `received ${key}${size}${from}`
      break
    }
    case 'share.downloaded':
      what = `downloaded ${data.zip ? `${key} as a zip` : key}${typeof data.country === 'string' ? ` from ${data.country}` : ''}`
      break
    case 'share.exhausted':
      what = `used up: ${lastSegment(key)}`
      break
    case 'share.revoked':
      what = `revoked: ${key}`
      break
    case 'upload_link.exhausted':
      what = `upload link full: ${key}`
      break
    default:
      what = `${event.type}: ${key}`
  }
  const link = data.shareId ?? data.uploadLinkId
  return `${formatInstant(Date.parse(event.at))}  ${what}${typeof link === 'string' ? `  (${link})` : ''}`
}

function show(io: Io, json: boolean | undefined, events: readonly ActivityEvent[]): void {
  for (const event of events) {
    io.out(json ? `${JSON.stringify(event)}\n` : `${activityLine(event)}\n`)
  }
}

export const activity = command({
  name: 'activity',
  arity: [0, 0],
  usage: ['[--follow] [--limit N]'],
  summary:
    'What happened to your links (the admin: every link), oldest first: files received, downloads, links used up or revoked. --follow waits for more; --json prints one event per line.',
  options: {
    follow: { type: 'boolean', short: 'f', help: 'keep printing new events until Ctrl-C' },
    limit: {
      type: 'string',
      value: 'N',
      help: 'the newest N events first (default 50, at most 200)',
    },
    interval: { type: 'string', value: 'SECONDS', help: '--follow: how often to ask (default 2)' },
  },
  async run({ options, io }) {
    const limit = count(options.limit, 'limit') ?? 50
    const interval = count(options.interval, 'interval') ?? 2
    if (limit > 200) throw new UsageError('--limit is at most 200')
    const client = clientFrom(options)
    let page = await step('read the activity', client.events({ limit }))
    show(io, options.json, page.events)
    if (!page.events.length && !options.follow && !options.json && !options.quiet) {
      io.out('(no activity)\n')
    }
    while (options.follow) {
      await new Promise((resolve) => setTimeout(resolve, interval * 1000))
      page = await step('read the activity', client.events({ after: page.cursor, limit: 200 }))
      show(io, options.json, page.events)
    }
  },
})
