// What a use of a share link is for, decided once by one pure function from what the request
// asks (as the route read it) and what the share is: the one place the precedence lives. A
// password link asks for its password before any intent is served (use.ts).
import type { ShareRecord } from './record'

/** What a request to a share link asks, as the route read it: facts, no precedence. */
export type UseAsk = {
  /** POST is the share page's Download button or its password form. */
  method: 'GET' | 'HEAD' | 'POST'
  /** The page's password form was sent. */
  typed: boolean
  /** The request takes HTML (a browser's navigation or form). */
  asksHtml: boolean
  /** A browser or a link-preview bot, which a share with a page answers with it. */
  wantsPage: boolean
  /** A folder share's file, relative to its prefix (undefined: the link itself). */
  path: string | undefined
  /** `?download=zip`: a folder share's files as one zip. */
  zip: boolean
  /** `?preview`: the share page's preview of the file. */
  preview: boolean
  /** `?cursor=`: which page of a folder's listing. */
  cursor: string | undefined
}

export type UseIntent =
  /** The page, which counts nothing (a share with a page, asked by a browser or a bot). */
  | { kind: 'page' }
  /** The page's Download button: the file as an attachment, counted. */
  | { kind: 'button' }
  /** The page's preview of the file (an uncounted share with a page). */
  | { kind: 'preview' }
  /** The page's password form: a ticket for the browser, not the file. */
  | { kind: 'unlock' }
  /** The object itself (a program, or a share without a page), counted. */
  | { kind: 'get' }
  /** A page of a folder share's listing. */
  | { kind: 'list'; cursor: string | undefined }
  /** A folder share's zip of every file, counted once. */
  | { kind: 'zip' }
  /** One file of a folder share (or, on a one-object share, nothing: not_found). */
  | { kind: 'file'; path: string; attachment: boolean }

/** Whether a share's page may preview its file: a counted share's preview would be a free download. */
export function previews(share: Pick<ShareRecord, 'page' | 'maxDownloads' | 'folder'>): boolean {
  return share.page && share.maxDownloads === null && !share.folder
}

export function intentOf(
  ask: UseAsk,
  share: Pick<ShareRecord, 'page' | 'maxDownloads' | 'folder' | 'password'>,
): UseIntent {
  const post = ask.method === 'POST'
  // The button downloads as an attachment, whatever the type; a program's POST is a plain GET.
  const button = post && !ask.typed && ask.asksHtml
  if (ask.typed && share.password !== null) return { kind: 'unlock' }
  if (ask.path !== undefined) return { kind: 'file', path: ask.path, attachment: button }
  if (share.folder) return ask.zip ? { kind: 'zip' } : { kind: 'list', cursor: ask.cursor }
  if (ask.preview && !post && previews(share)) return { kind: 'preview' }
  if (share.page && ask.wantsPage && !post) return { kind: 'page' }
  return button ? { kind: 'button' } : { kind: 'get' }
}
