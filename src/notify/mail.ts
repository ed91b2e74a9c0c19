// What a link's mail says: one mail for the events gathered since the last (files received, or
// downloads), in text and HTML with the brand, linking to the console (never to the file) and
// carrying the stop link for this link and this address (List-Unsubscribe with RFC 8058's
// one-click POST). A download names the country it came from, never the client's address. Pure.
import type { Brand } from '../config/brand'
import { lastSegment } from '../lib/object-key'
import { formatInstant, formatSize } from '../lib/sizes'
import { type MailLine, mailHtml } from './mail-html'

/** The link a mail is about, as the events' consumer found it. */
export type MailLink = {
  kind: 'share' | 'upload_link'
  id: string
  /** The share's key or prefix, the upload link's prefix. */
  path: string
  message: string | null
}

/** An event waiting for the link's next mail. */
export type MailEvent = { id: string; type: string; at: number; data: Record<string, unknown> }

/** A mail for one address, everything but the sender. */
export type Mail = {
  to: string
  subject: string
  text: string
  html: string
  headers: Record<string, string>
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null

function countryName(code: string): string {
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'region' }).of(code)
    return name && name !== code ? `${name} (${code})` : code
  } catch {
    return code
  }
}

/** The file an event names, as the link's owner knows it (its path under the link's folder). */
function fileOf(link: MailLink, data: Record<string, unknown>): string {
  const key = text(data.key) ?? ''
  if (link.kind === 'share' && !link.path.endsWith('/')) return lastSegment(key)
  return key.startsWith(link.path) && key.length > link.path.length
    ? key.slice(link.path.length)
    : lastSegment(key)
}

export function lineOf(link: MailLink, event: MailEvent): MailLine | null {
  const { data } = event
  const file = fileOf(link, data)
  switch (event.type) {
    case 'object.created': {
      const size = typeof data.size === 'number' ? formatSize(data.size) : 'size unknown'
      const sender = text(data.sender)
      return {
        what: `Received ${file}`,
        detail: sender ? `${size}, from ${sender}` : size,
        note: text(data.note),
        at: event.at,
      }
    }
    case 'share.downloaded': {
      const count =
        typeof data.maxDownloads === 'number'
          ? `download ${data.downloads} of ${data.maxDownloads}`
          : `download ${data.downloads}`
      const country = text(data.country)
      return {
        what: data.zip ? 'Downloaded the folder as a zip' : `Downloaded ${file}`,
        detail: country ? `${count}, from ${countryName(country)}` : count,
        note: null,
        at: event.at,
      }
    }
    case 'share.exhausted':
      return {
        what: 'The link is used up',
        detail: 'it allows no more downloads',
        note: null,
        at: event.at,
      }
    case 'upload_link.exhausted':
      return {
        what: 'The upload link is full',
        detail: 'it takes no more files',
        note: null,
        at: event.at,
      }
    default:
      return null
  }
}

/** The subject: the one file or how many, and the link used up when it was. */
function subjectOf(link: MailLink, events: readonly MailEvent[], name: string): string {
  const files = events.filter((event) => event.type === 'object.created')
  const downloads = events.filter((event) => event.type === 'share.downloaded')
  const exhausted = events.some((event) => event.type.endsWith('.exhausted'))
  const first = (list: readonly MailEvent[]) => fileOf(link, list[0]?.data ?? {})
  let what: string
  if (files.length === 1) what = `New file: ${first(files)}`
  else if (files.length > 1) what = `${files.length} new files`
  else if (downloads.length === 1) what = `Downloaded: ${first(downloads)}`
  else if (downloads.length > 1) what = `${downloads.length} downloads`
  else what = link.kind === 'share' ? 'Your link is used up' : 'Your upload link is full'
  if (exhausted && (files.length > 0 || downloads.length > 0)) {
    what += link.kind === 'share' ? ' (the link is used up)' : ' (the link is full)'
  }
  return `${name}: ${what}`
}

/** The mail for `to` about `events` (oldest first); null when none is worth a mail. */
export function composeMail(input: {
  link: MailLink
  events: readonly MailEvent[]
  to: string
  brand: Brand | null
  consoleUrl: string
  stopUrl: string
}): Mail | null {
  const { link, events, brand, consoleUrl, stopUrl } = input
  const lines = events.flatMap((event) => lineOf(link, event) ?? [])
  if (lines.length === 0) return null
  const name = brand?.name ?? 'Signet'
  const about =
    link.kind === 'share'
      ? `Your share link to ${link.path}`
      : `Your upload link${link.path ? ` to ${link.path}` : ''}`
  const body = [
    `${about}:`,
    '',
    ...lines.flatMap((line) => [
      `- ${line.what}: ${line.detail}, ${formatInstant(line.at)}`,
      ...(line.note ? [`  "${line.note}"`] : []),
    ]),
    '',
    ...(link.message ? [`The link's message: ${link.message}`, ''] : []),
    `See it in ${name}: ${consoleUrl}`,
    '',
    `Mail about this link goes to ${input.to}. Stop it: ${stopUrl}`,
  ]
  return {
    to: input.to,
    subject: subjectOf(link, events, name),
    text: `${body.join('\n')}\n`,
    html: mailHtml({ name, brand, about, lines, message: link.message, consoleUrl, stopUrl }),
    headers: {
      'List-Unsubscribe': `<${stopUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Auto-Submitted': 'auto-generated',
    },
  }
}
