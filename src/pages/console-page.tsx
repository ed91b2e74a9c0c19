// /console: a small web app for people. This is its HTML; web/console.ts (served from this
// origin as /console/app.js) signs in with an API key kept in sessionStorage, uploads with a
// progress bar (one presigned PUT, or a multipart upload with parallel parts), creates share links
// with a QR code, and lists, audits and revokes the caller's links, all through the typed client.

/**
 * The console's policy: its own script by this answer's nonce only (never 'self': a file shared
 * by link in proxy mode is same-origin and must not run here), its stylesheet, calls to this
 * origin and the stores.
 */
export function consoleCsp(nonce: string, storeOrigins: readonly string[]): string {
  const connect = ["'self'", ...storeOrigins].join(' ')
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function ConsolePage(props: { nonce: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>Signet console</title>
        <link rel="stylesheet" href="/console/app.css" />
        <script type="module" src="/console/app.js" nonce={props.nonce} />
      </head>
      <body>
        <header>
          <h1>Signet console</h1>
          <p id="who" hidden>
            Signed in as <strong id="who-name" />{' '}
            <button type="button" id="sign-out" class="quiet">
              Sign out
            </button>
          </p>
        </header>
        <main>
          <div id="alert" class="alert" role="alert" hidden />
          <SignIn />
          <div id="app" hidden>
            <QuickShare />
            <UploadSection />
            <ShareForm />
            <LinksSection />
            <RequestSection />
          </div>
        </main>
      </body>
    </html>
  )
}

/** The sign-in form: an API key, kept in this tab only. */
function SignIn() {
  return (
    <section id="sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form id="sign-in-form">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" required />
        <button type="submit">Sign in</button>
        <p class="hint">
          Kept in this browser tab only (sessionStorage) and sent only to this Signet.
        </p>
      </form>
    </section>
  )
}

/** Share a file in one step. */
function QuickShare() {
  return (
    <section aria-labelledby="quick-title">
      <h2 id="quick-title">Share files</h2>
      <div id="quick-drop" class="drop">
        <label for="quick-files" class="primary">
          Choose files to share
        </label>
        <input id="quick-files" type="file" multiple class="visually-hidden" />
        <p class="hint">
          Or drop them here. Each one is uploaded and gets a link that lasts 7 days; make one with
          other settings under Share a file.
        </p>
      </div>
      <ul id="quick-list" class="quick-list" aria-label="Files shared" />
    </section>
  )
}

/** Upload a file to a bucket. */
function UploadSection() {
  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a file</h2>
      <form id="upload-form">
        <label for="bucket">Bucket</label>
        <select id="bucket" name="bucket" />
        <label for="file">File</label>
        <input id="file" name="file" type="file" required />
        <p class="hint">
          Saved as <code id="key-preview">…</code>
        </p>
        <div class="buttons">
          <button type="submit" id="upload">
            Upload
          </button>
          <button type="button" id="cancel" hidden>
            Cancel
          </button>
        </div>
      </form>
      <div id="progress-box" hidden>
        <progress id="progress" max={100} value={0} aria-label="Upload progress" />
        <p id="progress-text" aria-live="polite" />
      </div>
    </section>
  )
}

/** Make a share link for an object or a folder. */
function ShareForm() {
  return (
    <section aria-labelledby="link-title">
      <h2 id="link-title">Share a file or a folder</h2>
      <form id="link-form">
        <label for="object">Object key or folder</label>
        <input id="object" name="object" required aria-describedby="object-hint" />
        <p id="object-hint" class="hint">
          A folder ends with /: its link lists every file under it, with a zip of them all.
        </p>
        <label for="expires">Expires in</label>
        <input id="expires" name="expires" value="7d" aria-describedby="expires-hint" />
        <p id="expires-hint" class="hint">
          Like 90s, 15m, 2h or 7d.
        </p>
        <label for="max-downloads">Max downloads</label>
        <input id="max-downloads" name="max-downloads" type="number" min={1} />
        <label for="allow-ips">Allowed IPs</label>
        <input
          id="allow-ips"
          name="allow-ips"
          placeholder="203.0.113.0/24, 2001:db8::/32"
          aria-describedby="allow-ips-hint"
        />
        <p id="allow-ips-hint" class="hint">
          Optional: addresses or CIDR ranges, separated by commas.
        </p>
        <label for="share-password">Password</label>
        <input
          id="share-password"
          name="share-password"
          type="password"
          autocomplete="new-password"
          minlength={8}
          maxlength={256}
          aria-describedby="share-password-hint"
        />
        <p id="share-password-hint" class="hint">
          Optional, 8 to 256 characters: the link then asks for it.
        </p>
        <button type="submit">Create link</button>
      </form>
      <div id="new-link" hidden>
        <p>
          <a id="link-url" href="/">
            The new share link
          </a>{' '}
          <button type="button" id="copy">
            Copy link
          </button>
        </p>
        <div id="qr" role="img" aria-label="QR code of the link" />
      </div>
    </section>
  )
}

/** The caller's share links. */
function LinksSection() {
  return (
    <section aria-labelledby="links-title">
      <h2 id="links-title">My links</h2>
      <button type="button" id="refresh">
        Refresh
      </button>
      <div class="table">
        <table id="links">
          <thead>
            <tr>
              <th scope="col">Object</th>
              <th scope="col">State</th>
              <th scope="col">Downloads</th>
              <th scope="col">Expires</th>
              <th scope="col">Last use</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody />
        </table>
      </div>
    </section>
  )
}

/** Ask someone for files: upload links and what they received. */
function RequestSection() {
  return (
    <section aria-labelledby="request-title">
      <h2 id="request-title">Receive files</h2>
      <p class="hint">
        An upload link lets anyone who has it send files into a folder of the bucket above, without
        a key: on its page, or with <code>curl -T file link/</code>.
      </p>
      <form id="request-form">
        <label for="request-prefix">Folder</label>
        <input id="request-prefix" name="request-prefix" required placeholder="incoming/" />
        <label for="request-max-files">Max files</label>
        <input id="request-max-files" name="request-max-files" type="number" min={1} />
        <label for="request-max-size">Max size per file (MB)</label>
        <input id="request-max-size" name="request-max-size" type="number" min={0.001} step="any" />
        <label for="request-expires">Open for</label>
        <input id="request-expires" name="request-expires" value="7d" />
        <label for="request-message">Message for senders</label>
        <input id="request-message" name="request-message" maxlength={2000} />
        <button type="submit">Create upload link</button>
      </form>
      <p id="new-request" hidden>
        <a id="request-url" href="/">
          The new upload link
        </a>
      </p>
      {/* A scrolling region must be reachable by keyboard (axe: scrollable-region-focusable). */}
      <section class="table" tabindex={0} aria-label="My upload links">
        <table id="requests">
          <caption>My upload links</caption>
          <thead>
            <tr>
              <th scope="col">Folder</th>
              <th scope="col">State</th>
              <th scope="col">Files</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody />
        </table>
      </section>
    </section>
  )
}
