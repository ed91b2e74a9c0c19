// A share link's page: the file's name and size, when the link expires and how many downloads it
// has left, and a Download button (a POST to the link, which counts once). Browsers and
// link-preview bots get it instead of the file, so opening or previewing a link uses nothing.
// It shows only the share's own facts: the last segment of the key, never the bucket or owner.

import { formatRelative, formatSize } from '../lib/sizes'
import { type SharePageFacts, shownName } from '../share/use'
import { FileIcon, Page } from './layout'
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
 * An end-to-end encrypted share's page: it names nothing (neither the file nor its size: Signet
 * cannot read them) and says how to open it with its key.
 */
function EncryptedSharePage(props: { facts: SharePageFacts }) {
  const { share } = props.facts
  return (
    <Page head={{ title: 'An encrypted file', description: 'An end-to-end encrypted file.' }}>
      <h1 id="encrypted" data-meta={share.encryptedMeta ?? ''}>
        An encrypted file
      </h1>
      <ShareMessage message={share.message} />
      <ShareFacts share={share} label="Encryption" value="End to end (aes128gcm)" />
      <p>
        Only the link's key, after its <code>#</code>, opens it: this server never had it. Open it
        with the Signet CLI, giving the whole link in quotes:
      </p>
      <pre class="message">signet cp '{`<this link with its #key>`}' ./file</pre>
    </Page>
  )
}

export function SharePage(props: { facts: SharePageFacts }) {
  const { facts } = props
  if (facts.share.encrypted) return <EncryptedSharePage facts={facts} />
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
