// What a share link's pages (one file's, a folder's) say about the link alike: one fact of their
// own first (the file's size, the folder's files), then when the link expires and how many
// downloads it has left.

import { formatInstant } from '../lib/sizes'
import type { ShareRecord } from '../share/record'

export function ShareFacts(props: { share: ShareRecord; label: string; value: string }) {
  const { share } = props
  const left = share.maxDownloads === null ? null : share.maxDownloads - share.downloads
  const downloads =
    left === null ? 'Unlimited' : left === 1 ? '1 download left' : `${left} downloads left`
  return (
    <dl>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
      <dt>Expires</dt>
      <dd>
        <time datetime={new Date(share.expiresAt).toISOString()}>
          {formatInstant(share.expiresAt)}
        </time>
      </dd>
      <dt>Downloads</dt>
      <dd>{downloads}</dd>
    </dl>
  )
}
