// The page a browser gets when a share link cannot be used. It says what happened in plain
// words and nothing an attacker could use: no key, no bucket, no owner, no dates.
import type { ErrorCode } from '../errors'
import { Page } from './layout'

const TEXT: Partial<Record<ErrorCode, { title: string; body: string }>> = {
  not_found: {
    title: 'Link not found',
    body: 'This link does not exist. Check that it was copied whole.',
  },
  share_expired: {
    title: 'Link expired',
    body: 'This link has expired. Ask the person who shared it for a new one.',
  },
  share_revoked: {
    title: 'Link revoked',
    body: 'This link was turned off by the person who shared it.',
  },
  share_exhausted: {
    title: 'Link used up',
    body: 'This link has been used as many times as it allows.',
  },
  share_changed: {
    title: 'File changed',
    body: 'The file changed after this link was shared, so the link no longer opens it. Ask the person who shared it for a new link.',
  },
  upload_link_expired: {
    title: 'Link expired',
    body: 'This upload link has expired. Ask the person who sent it for a new one.',
  },
  upload_link_revoked: {
    title: 'Link revoked',
    body: 'This upload link was turned off by the person who sent it.',
  },
  upload_link_exhausted: {
    title: 'Link used up',
    body: 'This upload link has received as many files as it allows.',
  },
  payload_too_large: {
    title: 'File too large',
    body: 'This file is larger than the link allows.',
  },
  ip_not_allowed: {
    title: 'Not available here',
    body: 'This link cannot be opened from your network.',
  },
  rate_limited: {
    title: 'Try again later',
    body: 'This link cannot be opened just now: too many wrong passwords were tried, or its last downloads are in use. Try again in a little while.',
  },
  internal_error: {
    title: 'Something went wrong',
    body: 'The link could not be opened just now. Try again in a moment.',
  },
}

export function ErrorPage(props: { code: ErrorCode }) {
  const text = TEXT[props.code] ?? TEXT.internal_error ?? { title: 'Error', body: '' }
  return (
    <Page head={{ title: text.title }}>
      <h1>{text.title}</h1>
      <p class="quiet">{text.body}</p>
    </Page>
  )
}
