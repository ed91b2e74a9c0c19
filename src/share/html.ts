// The page a browser gets when a share link cannot be used. It says what happened in plain
// words and nothing an attacker could use: no key, no bucket, no owner, no dates.
import type { ErrorCode } from '../errors'

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
  ip_not_allowed: {
    title: 'Not available here',
    body: 'This link cannot be opened from your network.',
  },
  internal_error: {
    title: 'Something went wrong',
    body: 'The link could not be opened just now. Try again in a moment.',
  },
}

export const ERROR_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export function errorPage(code: ErrorCode): string {
  const text = TEXT[code] ?? TEXT.internal_error ?? { title: 'Error', body: '' }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${text.title}</title>
<style>
  :root { color-scheme: light dark; }
  body { font: 17px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { max-width: 28rem; padding: 2rem; text-align: center; }
  h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
  p { margin: 0; opacity: .8; }
</style>
</head>
<body>
<main>
  <h1>${text.title}</h1>
  <p>${text.body}</p>
</main>
</body>
</html>
`
}
