// An upload link's page: the sender's message, what the link takes (how many more files, how
// large, which types, until when), a file picker and a drop zone, and a list with each file's
// progress. The script (web/upload.ts, served from Signet's origin) sends the files. It shows
// only the link's own facts: never the bucket, the prefix or who made it.

import { formatSize } from '../lib/sizes'
import { Page, When } from './layout'
import { PAGE_SCRIPT_HASH } from './page-script'

export type UploadPageFacts = {
  id: string
  message: string | null
  expiresAt: number
  /** Files the link still takes (null: no limit). */
  filesLeft: number | null
  maxFileSize: number | null
  contentTypes: string[] | null
  /** Files up to this size go in one PUT; larger ones in parts straight to the store. */
  singlePut: number
}

export function UploadPage(props: { facts: UploadPageFacts; nonce: string }) {
  const { facts, nonce } = props
  const accept = facts.contentTypes?.join(',')
  return (
    <Page head={{ title: 'Send files' }}>
      <div
        id="upload"
        data-link={facts.id}
        data-single-put={String(facts.singlePut)}
        data-max-size={facts.maxFileSize === null ? '' : String(facts.maxFileSize)}
        data-files-left={facts.filesLeft === null ? '' : String(facts.filesLeft)}
      >
        <h1>Send files</h1>
        {facts.message !== null && <p class="message">{facts.message}</p>}
        <dl>
          <dt>Files</dt>
          <dd id="files-left" aria-live="polite">
            {facts.filesLeft === null ? 'as many as you like' : `up to ${facts.filesLeft} more`}
          </dd>
          <dt>Size</dt>
          <dd>
            {facts.maxFileSize === null ? 'any' : `up to ${formatSize(facts.maxFileSize)} each`}
          </dd>
          {facts.contentTypes !== null && (
            <>
              <dt>Types</dt>
              <dd>{facts.contentTypes.join(', ')}</dd>
            </>
          )}
          <dt>Open until</dt>
          <dd>
            <When at={facts.expiresAt} />
          </dd>
        </dl>
        <p class="sender">
          <label for="sender">Your name (optional)</label>
          <input id="sender" maxlength={100} autocomplete="name" />
          <label for="note">A note (optional)</label>
          <input id="note" maxlength={1000} />
        </p>
        <div id="drop" class="drop">
          <label for="files" class="button">
            Choose files
          </label>
          <input id="files" type="file" multiple accept={accept} class="visually-hidden" />
          <p class="quiet">or drop them here</p>
        </div>
        <p id="alert" class="error" role="alert" />
        <ul id="list" class="files" aria-label="Files sent" />
        <p id="all-sent" class="done" role="status" hidden />
      </div>
      <script type="module" src="/upload/app.js" nonce={nonce} />
    </Page>
  )
}

/**
 * The page's policy: its own script by a per-answer nonce (never 'self', which a same-origin file
 * shared in proxy mode would pass), its styles, and requests to Signet and the bucket's store.
 */
export function uploadCsp(nonce: string, storeOrigin: string | null): string {
  const connect = ["'self'", ...(storeOrigin ? [storeOrigin] : [])].join(' ')
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${PAGE_SCRIPT_HASH}`,
    "style-src 'unsafe-inline'",
    "img-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}
