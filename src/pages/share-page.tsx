// A share link's page: the file's name and size, when the link expires and how many downloads it
// has left, and a Download button (a POST to the link, which counts once). Browsers and
// link-preview bots get it instead of the file, so opening or previewing a link uses nothing.
// It shows only the share's own facts: the last segment of the key, never the bucket or owner.

import { formatRelative, formatSize } from '../lib/sizes'
import { type SharePageFacts, shownName } from '../share/use'
import { FileIcon, Page } from './layout'
import { PAGE_SCRIPT_HASH } from './page-script'
import { ShareFacts, ShareMessage } from './share-facts'

/** The file shown inline (an uncounted share), or why a counted one shows none. */
function Preview(props: { facts: SharePageFacts; name: string }) {
  const { share, preview } = props.facts
  if (share.maxDownloads !== null) {
    return (
      <p class="quiet">
        No preview here: this link allows a set number of downloads, and showing the file would use
        one.
      </p>
    )
  }
  if (!preview) return null
  const src = `/s/${share.id}?preview=1`
  switch (preview.kind) {
    case 'image':
      return <img src={src} alt={`Preview of ${props.name}`} />
    case 'video':
      // biome-ignore lint/a11y/useMediaCaption: a shared file comes with no captions to offer.
      return <video src={src} controls preload="metadata" aria-label={`Preview of ${props.name}`} />
    case 'audio':
      // biome-ignore lint/a11y/useMediaCaption: a shared file comes with no captions to offer.
      return <audio src={src} controls preload="metadata" aria-label={`Preview of ${props.name}`} />
    case 'pdf':
      return <iframe src={src} title={`Preview of ${props.name}`} />
    case 'text':
      return (
        <>
          {/* A scrolling region must be reachable by keyboard (axe: scrollable-region-focusable). */}
          <section class="text" tabindex={0} aria-label={`Preview of ${props.name}`}>
            <pre>{preview.text ?? ''}</pre>
          </section>
          {preview.truncated && <p class="quiet">Showing the first 64 KiB.</p>}
        </>
      )
    default: {
      const unreachable: never = preview.kind
      throw new Error(`unhandled preview ${String(unreachable)}`)
    }
  }
}

/**
 * An end-to-end encrypted share's page: as served it names nothing (neither the file nor its size:
 * Signet cannot read them). Its script (web/share.ts) takes the key from the link's fragment,
 * shows the decrypted name, type and size, and decrypts the download as it streams; without the
 * script, or the key, the page says how to open the link with the Signet CLI.
 */
function EncryptedSharePage(props: { facts: SharePageFacts; nonce: string }) {
  const { share } = props.facts
  return (
    <Page head={{ title: 'An encrypted file', description: 'An end-to-end encrypted file.' }}>
      <div id="encrypted" data-link={share.id} data-meta={share.encryptedMeta ?? ''}>
        <h1 id="file-name">An encrypted file</h1>
        <ShareMessage message={share.message} />
        <ShareFacts share={share} label="Size" value="Known to the key only" valueId="plain-size" />
        <p class="quiet">
          Type <span id="plain-type">unknown</span> · encrypted end to end: only the link's key,
          after its <code>#</code>, opens it, and this server never had it.
        </p>
        <p id="decrypt-alert" class="error" role="alert" />
        <p id="decrypt-status" role="status" />
        <progress id="decrypt-progress" aria-label="Decrypting" hidden />
        <div id="preview" class="preview" />
        <div class="actions">
          <button id="download" type="button" hidden>
            Download
          </button>
          <button id="preview-button" type="button" hidden>
            Show it here
          </button>
        </div>
        <details class="sender">
          <summary>Open it with the Signet CLI</summary>
          <p>Give the whole link, with its key, in quotes:</p>
          <pre class="message">signet cp '{`<this link with its #key>`}' ./file</pre>
        </details>
      </div>
      <script type="module" src="/share/app.js" nonce={props.nonce} />
    </Page>
  )
}

/**
 * The policy of an encrypted share's page: its script, its decrypting worker, its previews, and
 * reading the bytes from where the link sends them (Signet, or a redirect share's store).
 */
export function encryptedPageCsp(nonce: string, downloadOrigin: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${PAGE_SCRIPT_HASH}`,
    "worker-src 'self'",
    `connect-src 'self'${downloadOrigin ? ` ${downloadOrigin}` : ''}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' blob:",
    'frame-src blob:',
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function SharePage(props: { facts: SharePageFacts; nonce?: string }) {
  const { facts } = props
  if (facts.share.encrypted) return <EncryptedSharePage facts={facts} nonce={props.nonce ?? ''} />
  const { share, size } = facts
  const name = shownName(share)
  const sizeText = size === null ? 'Unknown size' : formatSize(size)
  return (
    <Page
      head={{
        title: name,
        description: `${sizeText} · expires ${formatRelative(share.expiresAt, Date.now())}`,
      }}
    >
      <FileIcon name={name} />
      <h1>{name}</h1>
      <ShareMessage message={share.message} />
      <ShareFacts share={share} label="Size" value={sizeText} />
      <div class="preview">
        <Preview facts={facts} name={name} />
      </div>
      <form method="post" action={`/s/${share.id}`}>
        <button type="submit">Download</button>
      </form>
    </Page>
  )
}
