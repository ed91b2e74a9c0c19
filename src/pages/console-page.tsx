// /console: a small web app for people. This is its HTML: a sign-in (an API key or the admin
// token), then views with one primary action each: Send (files → a link), Receive (an upload
// link), Links (every link, editable), Activity, and Keys for the admin. The script
// (web/console/, served from this origin as /console/app.js) does the rest through the typed
// client.
import type { Brand } from '../config'
import {
  ActivityView,
  EditDialog,
  KeysView,
  LinksView,
  ReceiveView,
  SendView,
} from './console-views'

/**
 * The console's policy: its own script by this answer's nonce only (never 'self': a file shared
 * by link in proxy mode is same-origin and must not run here), its stylesheet, calls to this
 * origin and the stores, and the brand's logo.
 */
export function consoleCsp(
  nonce: string,
  storeOrigins: readonly string[],
  brand: Brand | null = null,
): string {
  const connect = ["'self'", ...storeOrigins].join(' ')
  const logo = brand?.logoUrl && !brand.logoUrl.startsWith('/') ? ` ${brand.logoUrl}` : ''
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    `img-src 'self' data:${logo}`,
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const VIEWS = [
  ['send', 'Send'],
  ['receive', 'Receive'],
  ['links', 'Links'],
  ['activity', 'Activity'],
  ['keys', 'Keys'],
] as const

export function ConsolePage(props: { nonce: string; brand?: Brand | null; access?: boolean }) {
  const brand = props.brand ?? null
  const title = brand?.name ?? 'Signet'
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        {brand?.color && <meta name="signet-accent" content={brand.color} />}
        {props.access && <meta name="signet-access" content="cloudflare" />}
        <title>{title} console</title>
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
        <link rel="stylesheet" href="/console/app.css" />
        <script type="module" src="/console/app.js" nonce={props.nonce} />
      </head>
      <body>
        <header>
          <p class="brand">
            {brand?.logoUrl && <img src={brand.logoUrl} alt="" />}
            <span>{title}</span>
          </p>
          <p id="who" hidden>
            <span class="who-text">
              Signed in as <strong id="who-name" />
            </span>{' '}
            <button type="button" id="sign-out" class="quiet">
              Sign out
            </button>
          </p>
        </header>
        <main>
          <div id="alert" class="alert" role="alert" hidden />
          <SignIn />
          <div id="app" hidden>
            <div class="tabs" role="tablist" aria-label="Views">
              {VIEWS.map(([id, name]) => (
                <button
                  type="button"
                  role="tab"
                  id={`tab-${id}`}
                  aria-controls={`view-${id}`}
                  aria-selected="false"
                  data-view={id}
                  hidden={id === 'keys'}
                  aria-describedby={id === 'activity' ? 'unread' : undefined}
                >
                  {name}
                  {/* Out of the tab's name ("Activity"), read as its description ("3 new"). */}
                  {id === 'activity' && (
                    <span id="unread" class="badge" aria-hidden="true" hidden />
                  )}
                </button>
              ))}
            </div>
            <SendView />
            <ReceiveView />
            <LinksView />
            <ActivityView />
            <KeysView />
          </div>
          <EditDialog />
        </main>
      </body>
    </html>
  )
}

/** The sign-in form: an API key or the admin token, kept in this tab only. */
function SignIn() {
  return (
    <section id="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <form id="sign-in-form">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" required />
        <button type="submit" class="primary">
          Sign in
        </button>
        <p class="hint">
          An API key, or the admin token (it manages keys and every link). Kept in this browser tab
          only (sessionStorage) and sent only to this Signet.
        </p>
      </form>
    </section>
  )
}
