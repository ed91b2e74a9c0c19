// /docs: the API reference, rendered in the browser by Scalar (@scalar/api-reference) from
// /openapi.json, the single source. Scalar's standalone bundle is a static asset of this origin
// (public/docs/scalar.js, copied by scripts/assets.mjs), so the page loads nothing from anywhere
// else and "Try it" calls this Signet with the bearer token typed in. Its start-up script runs
// under a per-answer CSP nonce; the theme is adjusted for WCAG AA contrast.
import { raw } from 'hono/html'

/** Where scripts/assets.mjs puts Scalar's standalone bundle. */
export const SCALAR_BUNDLE = '/docs/scalar.js'

/** Text colours with at least 4.5:1 contrast on Scalar's backgrounds, light and dark. */
const CONTRAST_CSS = `
.light-mode {
  --scalar-color-2: #545454;
  --scalar-color-3: #5e5e5e;
  --scalar-color-blue: #00609c;
  --scalar-color-orange: #a33b00;
  --scalar-color-green: #04704a;
  --scalar-color-red: #c20005;
  --scalar-color-purple: #5203d1;
  --scalar-color-yellow: #735800;
  --scalar-color-query: #006266;
}
.dark-mode {
  --scalar-color-2: rgba(255, 255, 255, 0.78);
  --scalar-color-3: rgba(255, 255, 255, 0.7);
  --scalar-color-blue: #8ccfff;
  --scalar-color-orange: #ffab7a;
  --scalar-color-green: #6fe3a8;
  --scalar-color-red: #ff9ea1;
  --scalar-color-purple: #cdb6ff;
  --scalar-color-yellow: #ffd866;
}
`

const CONFIGURATION = {
  url: '/openapi.json',
  theme: 'default',
  customCss: CONTRAST_CSS,
  withDefaultFonts: false,
  telemetry: false,
  persistAuth: false,
  mcp: { disabled: true },
  // Its "Ask AI" drawer talks to Scalar's service: not from this page.
  agent: { disabled: true },
  // No vendor chrome: Scalar's developer toolbar ("Deploy on Scalar", "Scalar Pro") shows on
  // localhost by default, and its client button opens Scalar's hosted client.
  showDeveloperTools: 'never',
  hideClientButton: true,
  authentication: { preferredSecurityScheme: 'bearer' },
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c')
}

export function docsCsp(nonce: string): string {
  return [
    "default-src 'none'",
    // By this answer's nonce only, never 'self' (a file shared by link in proxy mode is
    // same-origin); what the nonced scripts load themselves is trusted through them.
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    // Scalar sets styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function DocsPage(props: { nonce: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Signet API reference</title>
      </head>
      <body>
        <div id="app" />
        <script src={SCALAR_BUNDLE} nonce={props.nonce} />
        <script src="/docs/a11y.js" nonce={props.nonce} />
        <script nonce={props.nonce}>
          {raw(`Scalar.createApiReference('#app', ${scriptJson(CONFIGURATION)})`)}
        </script>
      </body>
    </html>
  )
}
