// The console's views (web/console/ drives them): Send, Receive, Links, Activity, Keys, and
// the Edit form. Each has one primary action; ids and accessible names are the script's and
// people's scripts' interface.

/** A view: one tab's panel. */
function View(props: { id: string; title: string; children: unknown }) {
  return (
    <section
      id={`view-${props.id}`}
      class="view"
      role="tabpanel"
      aria-labelledby={`tab-${props.id}`}
      hidden
    >
      <h1>{props.title}</h1>
      <p class="needs-key hint" hidden>
        The admin token sends and receives nothing itself: mint a key under Keys and use it here.
      </p>
      {props.children}
    </section>
  )
}

/** Send: files → links, the options folded; uploading to a key and sharing a stored file below. */
export function SendView() {
  return (
    <View id="send" title="Send files">
      <label class="check">
        <input id="encrypt" type="checkbox" aria-describedby="encrypt-hint" /> Encrypt end to end
      </label>
      <p id="encrypt-hint" class="hint">
        Files are encrypted in this browser before they leave it; the link carries the key after its
        #, which Signet never sees. Whoever has the whole link can open the file.
      </p>
      <div id="quick-drop" class="drop">
        <label for="quick-files" class="button primary">
          Choose files to share
        </label>
        <input id="quick-files" type="file" multiple class="visually-hidden" />
        <p class="hint">
          <span class="drop-words">Or drop them here. </span>Each gets a link with the options
          below.
        </p>
      </div>
      <ul id="quick-list" class="quick-list" aria-label="Files shared" />
      <form id="link-form">
        <details id="link-options">
          <summary>Link options</summary>
          <label for="expires">Expires in</label>
          <input id="expires" name="expires" value="7d" aria-describedby="expires-hint" />
          <p id="expires-hint" class="hint">
            Like 90s, 15m, 2h or 7d.
          </p>
          <label for="max-downloads">Max downloads</label>
          <input id="max-downloads" name="max-downloads" type="number" min={1} />
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
          <label for="share-message">Message</label>
          <textarea id="share-message" name="share-message" maxlength={1000} rows={2} />
          <MailField
            id="share-notify"
            hint="Optional: up to 5 addresses, separated by commas, told of each download."
          />
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
        </details>
        <details id="share-existing">
          <summary>Share a file already stored</summary>
          <label for="object">Object key or folder</label>
          <input id="object" name="object" required aria-describedby="object-hint" />
          <p id="object-hint" class="hint">
            A folder ends with /: its link lists every file under it, with a zip of them all.
          </p>
          <button type="submit">Create link</button>
        </details>
      </form>
      <div id="new-link" hidden>
        <p class="url">
          <a id="link-url" href="/">
            The new share link
          </a>
        </p>
        <button type="button" id="copy">
          Copy link
        </button>
        <div id="qr" role="img" aria-label="QR code of the link" />
      </div>
      <details id="upload-more">
        <summary>Upload to a bucket</summary>
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
      </details>
    </View>
  )
}

/** Receive: an upload link, and the upload links with what each received. */
export function ReceiveView() {
  return (
    <View id="receive" title="Receive files">
      <form id="request-form">
        <p class="hint">
          An upload link lets anyone who has it send you files, without a key: on its page, or with{' '}
          <code>curl -T file link/</code>.
        </p>
        <label for="request-message">Message for senders</label>
        <textarea id="request-message" name="request-message" maxlength={2000} rows={2} />
        <MailField
          id="request-notify"
          hint="Optional: up to 5 addresses, separated by commas, told of each file received."
        />
        <details>
          <summary>Link options</summary>
          <label for="request-prefix">Folder</label>
          <input id="request-prefix" name="request-prefix" required placeholder="incoming/" />
          <label for="request-max-files">Max files</label>
          <input id="request-max-files" name="request-max-files" type="number" min={1} />
          <label for="request-max-size">Max size per file (MiB)</label>
          <input
            id="request-max-size"
            name="request-max-size"
            type="number"
            min={0.001}
            step="any"
          />
          <label for="request-expires">Open for</label>
          <input id="request-expires" name="request-expires" value="7d" />
        </details>
        <button type="submit" class="primary">
          Create upload link
        </button>
      </form>
      <p id="new-request" class="url" hidden>
        <a id="request-url" href="/">
          The new upload link
        </a>
      </p>
      <h2>Your upload links</h2>
      <LinkTable id="requests" caption="Your upload links" />
    </View>
  )
}

/** Links: every share and upload link, filtered by state. */
export function LinksView() {
  return (
    <View id="links" title="Links">
      <div class="toolbar">
        <label for="links-filter">Show</label>
        <select id="links-filter">
          <option value="all">All links</option>
          <option value="active">Active</option>
          <option value="used up">Used up</option>
          <option value="expired">Expired</option>
          <option value="revoked">Revoked</option>
        </select>
        <button type="button" id="refresh" class="quiet">
          Refresh
        </button>
      </div>
      <LinkTable id="links" caption="Links" />
    </View>
  )
}

/** A table of links: a table from ~600 px up, one card per link below. */
function LinkTable(props: { id: string; caption: string }) {
  return (
    <table id={props.id} class="links">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Link</th>
          <th scope="col">State</th>
          <th scope="col">Used</th>
          <th scope="col">Expires</th>
          <th scope="col">Last use</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody />
    </table>
  )
}

export function ActivityView() {
  return (
    <View id="activity" title="Activity">
      <p class="hint">Downloads of your links and files people sent you, newest first.</p>
      <ol id="activity-list" class="activity" aria-label="Activity" />
    </View>
  )
}

/** Keys (the admin): every key, and a new one made with a scope builder. */
export function KeysView() {
  return (
    <View id="keys" title="API keys">
      <form id="key-form">
        <label for="key-name">Name</label>
        <input id="key-name" required maxlength={100} placeholder="Alex's laptop" />
        <label for="key-preset">Can</label>
        <select id="key-preset">
          <option value="share">Share only: upload, share and download</option>
          <option value="receive">Receive only: upload links</option>
          <option value="full">Full: every operation</option>
        </select>
        <fieldset id="key-buckets">
          <legend>Buckets</legend>
        </fieldset>
        <label for="key-prefixes">Prefixes</label>
        <input
          id="key-prefixes"
          placeholder="team/alex/, shared/"
          aria-describedby="key-prefixes-hint"
        />
        <p id="key-prefixes-hint" class="hint">
          Optional, separated by commas: the key reaches only keys under them.
        </p>
        <label for="key-expiry">Links live at most</label>
        <input id="key-expiry" placeholder="30d" aria-describedby="key-expiry-hint" />
        <p id="key-expiry-hint" class="hint">
          Optional, like 7d or 12h: the longest link or URL the key may make.
        </p>
        <button type="submit" class="primary">
          Create key
        </button>
      </form>
      <div id="new-key" hidden>
        <p>
          The key, shown this once: <code id="new-key-text" />
        </p>
        <button type="button" id="copy-key">
          Copy key
        </button>{' '}
        <button type="button" id="use-key">
          Use this key here
        </button>
      </div>
      <h2>Keys</h2>
      <ul id="keys-list" class="cards" aria-label="API keys" />
    </View>
  )
}

/** The Edit form, opened over the page with a link's current values. */
export function EditDialog() {
  return (
    <dialog id="edit" aria-labelledby="edit-title">
      <form id="edit-form" method="dialog">
        <h2 id="edit-title">Edit link</h2>
        <p id="edit-what" class="hint" />
        <label for="edit-expires">Expires in</label>
        <input id="edit-expires" aria-describedby="edit-expires-hint" />
        <p id="edit-expires-hint" class="hint">
          Like 2h or 7d from now; empty keeps the expiry.
        </p>
        <div data-for="share">
          <label for="edit-max-downloads">Max downloads</label>
          <input id="edit-max-downloads" type="number" min={1} aria-describedby="edit-cap-hint" />
          <p id="edit-cap-hint" class="hint">
            Empty: no cap.
          </p>
          <label for="edit-password">New password</label>
          <input id="edit-password" type="password" autocomplete="new-password" minlength={8} />
          <label class="check">
            <input id="edit-no-password" type="checkbox" /> No password
          </label>
          <label for="edit-allow-ips">Allowed IPs</label>
          <input id="edit-allow-ips" />
        </div>
        <div data-for="upload-link">
          <label for="edit-max-files">Max files</label>
          <input id="edit-max-files" type="number" min={1} />
          <label for="edit-max-size">Max size per file (MiB)</label>
          <input id="edit-max-size" type="number" min={0.001} step="any" />
        </div>
        <label for="edit-message">Message</label>
        <textarea id="edit-message" rows={2} maxlength={2000} />
        <MailField
          id="edit-notify"
          hint="Up to 5 addresses, separated by commas; empty: no mail."
        />
        <p id="edit-alert" class="alert" role="alert" hidden />
        <div class="buttons">
          <button type="submit" id="edit-save" class="primary" value="save">
            Save
          </button>
          <button type="button" id="edit-cancel" class="quiet">
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  )
}

/** Who is told by mail of a link's uses: shown only where this installation mails. */
function MailField(props: { id: string; hint: string }) {
  return (
    <div data-mail hidden>
      <label for={props.id}>Mail me at</label>
      <input
        id={props.id}
        name={props.id}
        inputmode="email"
        autocomplete="email"
        placeholder="you@example.com"
        aria-describedby={`${props.id}-hint`}
      />
      <p id={`${props.id}-hint`} class="hint">
        {props.hint}
      </p>
    </div>
  )
}
