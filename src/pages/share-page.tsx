// A share link's page: the file's name and size, when the link expires and how many downloads it
// has left, and a Download button (a POST to the link, which counts once). Browsers and
// link-preview bots get it instead of the file, so opening or previewing a link uses nothing.
// It shows only the share's own facts: the last segment of the key, never the bucket or owner.
import type { SharePageFacts } from '../share/use'
import { Page } from './layout'

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB']

/** 1536 → "1.5 KB" (decimal units, as file managers show sizes). */
export function formatSize(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return bytes === 1 ? '1 byte' : `${bytes} bytes`
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`
}

function formatExpiry(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** The name a person sees: the share's filename, or the last segment of its key. */
export function displayName(facts: SharePageFacts): string {
  const { share } = facts
  return share.filename ?? share.key.split('/').filter(Boolean).pop() ?? share.key
}

export function SharePage(props: { facts: SharePageFacts }) {
  const { facts } = props
  const { share, size } = facts
  const name = displayName(facts)
  const left = share.maxDownloads === null ? null : share.maxDownloads - share.downloads
  const downloads =
    left === null ? 'Unlimited' : left === 1 ? '1 download left' : `${left} downloads left`
  const sizeText = size === null ? 'Unknown size' : formatSize(size)
  const expires = formatExpiry(share.expiresAt)
  return (
    <Page head={{ title: name, description: `${sizeText} · expires ${expires}` }}>
      <h1>{name}</h1>
      <dl>
        <dt>Size</dt>
        <dd>{sizeText}</dd>
        <dt>Expires</dt>
        <dd>
          <time datetime={new Date(share.expiresAt).toISOString()}>{expires}</time>
        </dd>
        <dt>Downloads</dt>
        <dd>{downloads}</dd>
      </dl>
      <form method="post" action={`/s/${share.id}`}>
        <button type="submit">Download</button>
      </form>
    </Page>
  )
}
