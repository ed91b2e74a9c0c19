// The share page's own uses: the page (a view, counting nothing, with the size the store says
// and, for an uncounted share, the start of a text file) and its preview of the file (`?preview`:
// the bytes inline, as the one media type it previews as, audited as `previewed`). Each audits
// what it answered: a page or preview of an object that changed is `changed`, of one that is
// gone `not_found_in_store`.
import { TEXT_PREVIEW_BYTES } from '../lib/limits'
import type { ShareUse } from './in-progress'
import { previews } from './intent'
import { mediaTypeOf, previewKind } from './preview'
import {
  READ_FAILURE_OUTCOME,
  readFailure,
  type SharePageFacts,
  type ShareUseResult,
} from './results'

/** The page, after the checks a download meets: the store says the object's size and type. */
export async function servePage(use: ShareUse): Promise<ShareUseResult> {
  const early = use.knownRefusal()
  if (early) return early
  const { share, pinned, store } = use
  const head = await store.readObject(
    share.key,
    { method: 'HEAD', headers: new Headers() },
    use.readOptions(),
  )
  const changed = pinned !== undefined && (!head.ok || use.changed(head.headers.get('etag')))
  const decision = await use.decide(changed ? 'changed' : head.ok ? 'viewed' : 'not_found_in_store')
  if (!decision.ok) return use.refused(decision)
  if (changed) return { type: 'refused', code: 'share_changed' }
  if (!head.ok) return { type: 'refused', code: 'not_found' }
  const length = Number(head.headers.get('content-length') ?? Number.NaN)
  const kind = previews(share) ? previewKind(head.headers.get('content-type')) : null
  let preview: SharePageFacts['preview'] = kind ? { kind } : null
  if (kind === 'text') {
    // The start of a text file is shown in the page itself: one read, audited as a preview.
    const headers = new Headers({ range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` })
    if (pinned) headers.set('if-match', pinned)
    const read = await use.readBytes({ method: 'GET', headers }, use.readOptions())
    const shown = read.ok ? await use.decide('previewed') : undefined
    if (read.ok && shown?.ok && read.body) {
      const bytes = new Uint8Array(await new Response(read.body).arrayBuffer())
      const text = new TextDecoder('utf-8').decode(bytes.subarray(0, TEXT_PREVIEW_BYTES))
      preview = { kind, text, truncated: Number.isSafeInteger(length) && length > bytes.length }
    } else {
      if (read.ok) await read.body?.cancel()
      preview = null
    }
  }
  return {
    type: 'page',
    page: {
      share: { ...share, downloads: decision.downloads },
      size: Number.isSafeInteger(length) ? length : null,
      downloadOrigin: store.objectOrigin(use.request.origin.origin),
      preview,
    },
  }
}

/** The headers a preview keeps from the store's answer. */
const PREVIEW_HEADERS = [
  'content-length',
  'content-range',
  'etag',
  'last-modified',
  'accept-ranges',
]

/**
 * The share page's preview of an uncounted share: the object's bytes through Signet, inline, as
 * the one media type it previews as (with Range, for video and audio), after the same checks as
 * a download, audited as `previewed` and counting nothing.
 */
export async function servePreview(use: ShareUse): Promise<ShareUseResult> {
  const { pinned, request } = use
  const headers = new Headers()
  const range = request.headers.get('range')
  if (range) headers.set('range', range)
  if (pinned) headers.set('if-match', pinned)
  const read = await use.readBytes({ method: request.method, headers }, use.readOptions())
  if (!read.ok) {
    const changedNow =
      pinned !== undefined && (read.reason === 'not_found' || read.reason === 'precondition_failed')
    const decision = await use.decide(changedNow ? 'changed' : READ_FAILURE_OUTCOME[read.reason])
    if (!decision.ok) return use.refused(decision)
    return changedNow ? { type: 'refused', code: 'share_changed' } : readFailure(read.reason)
  }
  const kind = previewKind(read.headers.get('content-type'))
  if (!kind || kind === 'text') {
    // Only what the page shows from here: never a type it would not preview.
    await read.body?.cancel()
    return { type: 'refused', code: 'not_found' }
  }
  const changed = use.changed(read.headers.get('etag'))
  const decision = await use.decide(changed ? 'changed' : 'previewed')
  if (changed || !decision.ok) await read.body?.cancel()
  if (!decision.ok) return use.refused(decision)
  if (changed) return { type: 'refused', code: 'share_changed' }
  const answer = new Headers()
  for (const name of PREVIEW_HEADERS) {
    const value = read.headers.get(name)
    if (value !== null) answer.set(name, value)
  }
  answer.set('content-type', mediaTypeOf(read.headers.get('content-type')))
  answer.set('content-disposition', 'inline')
  return { type: 'preview', kind, status: read.status, headers: answer, body: read.body }
}
