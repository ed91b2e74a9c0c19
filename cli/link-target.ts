// Which link an argument names: a share link (`…/s/<id>`), an upload link (`…/u/<id>`), or a bare
// id, which is looked up as a share and then as an upload link.
import { type SignetClient, SignetError } from '../src/client'
import { UsageError } from './command'

export type LinkRef = { kind: 'share' | 'upload-link' | 'either'; id: string }

const ID = /^[A-Za-z0-9_-]{16,64}$/

export function linkRef(text: string | undefined): LinkRef {
  if (!text) throw new UsageError('give a link or its id')
  const path = /\/(s|u)\/([A-Za-z0-9_-]+)\/?(?:[?#].*)?$/.exec(text)
  if (path) return { kind: path[1] === 's' ? 'share' : 'upload-link', id: path[2] as string }
  if (!ID.test(text)) throw new UsageError(`"${text}" is neither a link nor a link's id`)
  return { kind: 'either', id: text }
}

const missing = (error: unknown) => error instanceof SignetError && error.status === 404

/** Does `share` for a share, `uploadLink` for an upload link; a bare id tries both, in turn. */
export async function onLink<T>(
  ref: LinkRef,
  share: (id: string) => Promise<T>,
  uploadLink: (id: string) => Promise<T>,
): Promise<T> {
  if (ref.kind === 'share') return share(ref.id)
  if (ref.kind === 'upload-link') return uploadLink(ref.id)
  try {
    return await share(ref.id)
  } catch (error) {
    if (!missing(error)) throw error
    return uploadLink(ref.id)
  }
}

/** The kind a bare id turns out to be (a share, else an upload link). */
export async function resolveLink(client: SignetClient, ref: LinkRef): Promise<LinkRef> {
  if (ref.kind !== 'either') return ref
  return onLink<LinkRef>(
    ref,
    async (id) => {
      await client.getShare(id)
      return { kind: 'share', id }
    },
    async (id) => {
      await client.uploadLinks.get(id)
      return { kind: 'upload-link', id }
    },
  )
}
