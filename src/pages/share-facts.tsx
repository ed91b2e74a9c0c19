// What a share link's pages (one file's, a folder's) say about the link alike: one fact of their
// own first (the file's size, the folder's files), then when the link expires and how many
// downloads it has left.

import type { ShareRecord } from '../share/record'
import { When } from './layout'

export function ShareFacts(props: {
  share: ShareRecord
  label: string
  value: string
  /** An id for the value, for a page's script to fill in. */
  valueId?: string
}) {
  const { share } = props
  const left = share.maxDownloads === null ? null : share.maxDownloads - share.downloads
  const downloads =
    left === null ? 'Unlimited' : left === 1 ? '1 download left' : `${left} downloads left`
  return (
    <dl>
      <dt>{props.label}</dt>
      <dd id={props.valueId}>{props.value}</dd>
      <dt>Expires</dt>
      <dd>
        <When at={share.expiresAt} />
      </dd>
      <dt>Downloads</dt>
      <dd>{downloads}</dd>
    </dl>
  )
}

/** The sender's message, escaped (hono/jsx escapes every value), line breaks kept. */
export function ShareMessage(props: { message: string | null }) {
  if (props.message === null || props.message === '') return null
  return (
    <blockquote class="note" aria-label="Message from the sender">
      {props.message}
    </blockquote>
  )
}
