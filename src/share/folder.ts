// Folder shares: one link for every object under a prefix. A file's path in the link is an object
// key fragment, not a URL path: anything that could name something outside the prefix (dot
// segments, encoded slashes or dots, backslashes, a leading slash, control characters) is no
// file at all, decided before anything is asked of the share's object or its store. A page of
// the folder is one store listing call; a zip lists the whole folder first (bounded), so a zip
// past its limits is refused before any byte, then streams each file in turn (stored, not
// recompressed; Zip64 when needed) through client-zip, never holding a whole file.
import { makeZip, predictLength } from 'client-zip'
import { AppError } from '../errors'
import { base64url, fromBase64 } from '../lib/bytes'
import { FOLDER_PAGE_SIZE } from '../lib/limits'
import { checkObjectKey } from '../lib/object-key'
import type { ListedObject, Store } from '../stores/store'
import { StoreRefused } from '../stores/store'

/** Percent-encoded `/`, `.` and `\`: a file's path never hides one. */
const ENCODED_SEPARATOR = /%(2f|2e|5c)/i

/**
 * The file a folder share's link names (`/s/<id>/<raw>`, `raw` as the request sent it), decoded,
 * relative to the prefix; null when it is not a plain path inside the folder.
 */
export function folderPath(raw: string): string | null {
  if (raw === '' || ENCODED_SEPARATOR.test(raw)) return null
  let path: string
  try {
    path = decodeURIComponent(raw)
  } catch {
    return null
  }
  return nameable(path) ? path : null
}

/** A file of a folder: its path under the prefix, size, last modification (ISO) and ETag. */
export type FolderFile = { name: string; size: number; lastModified: string; etag: string }

/** A page of a folder, in key order, and the cursor of the next (null: the last page). */
export type ListingPage = { files: FolderFile[]; nextCursor: string | null }

/** A path under the prefix a link can name (and a zip may hold: no way out of its folder). */
function nameable(path: string): boolean {
  return !path.includes('\\') && !path.endsWith('/') && checkObjectKey(path).ok
}

/**
 * The files of a listing: keys ending in `/` are folder markers some tools write, and a key no
 * link could name (a `..` segment, a backslash, a control character) is no file of the folder
 * either: never a link that 404s, never a name that climbs out of the folder it is unzipped in.
 */
function filesOf(prefix: string, objects: readonly ListedObject[]): FolderFile[] {
  return objects
    .filter((object) => object.key.startsWith(prefix) && nameable(object.key.slice(prefix.length)))
    .map((object) => ({
      name: object.key.slice(prefix.length),
      size: object.size,
      lastModified: object.lastModified,
      etag: object.etag,
    }))
}

/** A page cursor as the link carries it: the store's own token, base64url. */
function readCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined
  const bytes = cursor.length <= 2048 ? fromBase64(cursor) : undefined
  const token = bytes && new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  if (!token) throw new AppError('invalid_request', 'cursor is not one this folder gave out.')
  return token
}

/** One page of the folder: one listing call to the store. */
export async function folderPage(
  store: Store,
  prefix: string,
  cursor: string | undefined,
  nowMs: number,
): Promise<ListingPage> {
  const token = readCursor(cursor)
  const page = await store
    .listObjects(prefix, { cursor: token, limit: FOLDER_PAGE_SIZE, nowMs })
    .catch((error: unknown) => {
      // The store refuses a continuation token it did not make: the cursor was made up.
      const refused = error instanceof StoreRefused && error.status === 400
      if (token !== undefined && (refused || /cursor/i.test(String(error)))) {
        throw new AppError('invalid_request', 'cursor is not one this folder gave out.')
      }
      throw error
    })
  return {
    files: filesOf(prefix, page.objects),
    nextCursor: page.next === null ? null : base64url(new TextEncoder().encode(page.next)),
  }
}

/** What a zip will hold: every file under the prefix, listed before any byte is sent. */
export type ZipPlan = { files: FolderFile[]; bytes: number; length: number }

/**
 * Lists the whole folder for a zip, stopping as soon as it is past either limit: 413
 * payload_too_large, before any byte of the zip.
 */
export async function planZip(
  store: Store,
  prefix: string,
  limits: { files: number; bytes: number },
  nowMs: number,
): Promise<ZipPlan> {
  const files: FolderFile[] = []
  let bytes = 0
  let cursor: string | undefined
  do {
    const page = await store.listObjects(prefix, { cursor, limit: FOLDER_PAGE_SIZE, nowMs })
    for (const file of filesOf(prefix, page.objects)) {
      files.push(file)
      bytes += file.size
    }
    if (files.length > limits.files || bytes > limits.bytes) {
      throw new AppError(
        'payload_too_large',
        `This folder is too large for one zip (at most ${limits.files} files and ${limits.bytes} bytes): download its files one at a time.`,
      )
    }
    cursor = page.next ?? undefined
  } while (cursor !== undefined)
  const length = Number(predictLength(files.map(zipEntry)))
  return { files, bytes, length }
}

/** A file as the zip names it: its path under the prefix (nested folders kept), UTF-8. */
function zipEntry(file: FolderFile) {
  return { name: file.name, size: file.size, lastModified: new Date(file.lastModified) }
}

/**
 * The zip of a planned folder, streamed: each file read from the store when the zip reaches it,
 * asking for the version the listing saw. A file that changed or went since is an error of the
 * stream (the client sees a cut-off download against the Content-Length), never wrong bytes.
 */
export function zipStream(
  store: Store,
  prefix: string,
  plan: ZipPlan,
  options: { nowMs: number; maxSeconds: number },
): ReadableStream<Uint8Array> {
  async function* entries() {
    for (const file of plan.files) {
      const read = await store.readObject(
        prefix + file.name,
        { method: 'GET', headers: new Headers({ 'if-match': file.etag }) },
        { overrides: [], nowMs: options.nowMs, maxSeconds: options.maxSeconds },
      )
      if (!read.ok || read.status !== 200 || !read.body) {
        if (read.ok) await read.body?.cancel()
        throw new Error(
          `a folder's file changed while its zip was made (${read.ok ? read.status : read.reason})`,
        )
      }
      yield { ...zipEntry(file), input: read.body }
    }
  }
  // Its length is known before the first byte: the answer says it, and a zip that came out
  // otherwise would be an error of the stream, never a different zip.
  return makeZip(entries()).pipeThrough(new FixedLengthStream(plan.length))
}

/** The zip's file name: the prefix's last segment, `.zip`. */
export function zipName(prefix: string): string {
  return `${prefix.split('/').filter(Boolean).pop() ?? 'folder'}.zip`
}
