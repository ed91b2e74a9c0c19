// Signet's icon, for browsers that ask for /favicon.ico (an SVG; browsers read the type).
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M21 10.5c-1.2-1-2.9-1.5-4.7-1.5-3 0-5.3 1.6-5.3 4 0 5 9.6 3 9.6 6.6 0 1.4-1.6 2.4-4 2.4-2 0-3.9-.7-5.1-1.9" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>'

export function favicon(): Response {
  return new Response(FAVICON_SVG, {
    headers: {
      'Content-Type': 'image/svg+xml',
      'Cache-Control': 'public, max-age=86400',
    },
  })
}
