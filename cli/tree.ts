// Copying a folder and everything in it, both ways (`cp -r`, `sync`): the local files walked or
// the objects under a prefix listed, paired by their relative path, copied a few files at a
// time with one progress display for the whole tree. `sync` copies only the files whose size
// differs, or whose bytes do not match the object's ETag (an MD5, or a multipart MD5 of MD5s).
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { ListedObject, SignetClient } from '../src/client'
import { asFolder } from '../src/lib/object-key'
import type { Target } from '../src/uploader'
import { type Io, interruptible, UsageError } from './command'
import { type Output, PartProgress, Progress } from './progress'
import { download } from './transfer'
import { retryOf, uploadFile } from './upload-file'
import { checkFile, expectedOf } from './verify'

/** Files copied at once (each multipart file also sends its parts in parallel). */
const FILES_AT_ONCE = 4

export type TreeOptions = { retries?: string; overwrite?: boolean } & Record<string, unknown>

/** What a sync may do besides copying: leave paths out, delete what is gone, only say. */
export type SyncPlan = { exclude: readonly string[]; delete: boolean; dryrun: boolean }

export const COPY_ALL: SyncPlan = { exclude: [], delete: false, dryrun: false }

/** A glob as `aws s3 sync --exclude` reads it: `*` anything (slashes too), `?` one character. */
export function globRegex(glob: string): RegExp {
  const body = glob
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('')
  return new RegExp(`^${body}$`)
}

function excluded(plan: SyncPlan): (rel: string) => boolean {
  const patterns = plan.exclude.map(globRegex)
  return (rel) => patterns.some((pattern) => pattern.test(rel))
}

type Local = { path: string; rel: string; size: number }

/** Every file under `dir`, with its path relative to it in `/` form. */
export async function localFiles(dir: string): Promise<Local[]> {
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a directory`)
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files: Local[] = []
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    files.push({
      path,
      rel: relative(dir, path).split(sep).join('/'),
      size: (await stat(path)).size,
    })
  }
  return files.sort((a, b) => (a.rel < b.rel ? -1 : 1))
}

/** Every object under a prefix, with its key relative to the prefix's folder. */
export async function remoteObjects(
  client: SignetClient,
  target: Target,
): Promise<(ListedObject & { rel: string })[]> {
  const folder = asFolder(target.key)
  const objects: (ListedObject & { rel: string })[] = []
  for await (const page of client.list({ bucket: target.bucket, prefix: folder })) {
    for (const object of page.objects) {
      const rel = object.key.slice(folder.length)
      // A key that would leave the folder once made a path is not written anywhere.
      const segments = rel.split('/')
      if (
        rel === '' ||
        segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))
      )
        continue
      objects.push({ ...object, rel })
    }
  }
  return objects
}

/** Whether a local file holds the object's bytes: same size, and its ETag's MD5 agrees. */
async function same(path: string, size: number, object: ListedObject): Promise<boolean> {
  if (size !== object.size) return false
  const expected = expectedOf(new Headers({ etag: object.etag }))
  if (!expected) return false
  return (await checkFile(path, expected, size)) === true
}

async function eachAtOnce<T>(items: readonly T[], work: (item: T) => Promise<void>) {
  let next = 0
  const failures: unknown[] = []
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item).catch((error: unknown) => failures.push(error))
    }
  }
  await Promise.all(Array.from({ length: Math.min(FILES_AT_ONCE, items.length) }, worker))
  if (failures.length > 0) throw failures[0]
}

/** Uploads a folder under a prefix; with `onlyChanged`, only files that differ from the objects. */
export async function uploadTree(input: {
  client: SignetClient
  options: TreeOptions
  dir: string
  target: Target
  mode: Output
  io: Io
  onlyChanged: boolean
  plan?: SyncPlan
}): Promise<{ files: number; bytes: number; deleted: number; progress: Progress }> {
  const { client, options, dir, target, mode, io, onlyChanged } = input
  const plan = input.plan ?? COPY_ALL
  const skip = excluded(plan)
  const folder = asFolder(target.key)
  let files = (await localFiles(dir)).filter((file) => !skip(file.rel))
  let gone: string[] = []
  if (onlyChanged || plan.delete) {
    const objects = (await remoteObjects(client, target)).filter((o) => !skip(o.rel))
    const remote = new Map(objects.map((o) => [o.rel, o]))
    const here = new Set(files.map((file) => file.rel))
    gone = objects.filter((o) => !here.has(o.rel)).map((o) => o.key)
    if (onlyChanged) {
      const changed: Local[] = []
      for (const file of files) {
        const object = remote.get(file.rel)
        if (!object || !(await same(file.path, file.size, object))) changed.push(file)
      }
      files = changed
    }
  }
  if (!plan.delete) gone = []
  if (plan.dryrun) {
    for (const file of files) {
      io.out(`(dryrun) upload: ${file.path} to s3://${target.bucket}/${folder}${file.rel}\n`)
    }
    for (const key of gone) io.out(`(dryrun) delete: s3://${target.bucket}/${key}\n`)
    return { files: 0, bytes: 0, deleted: 0, progress: new Progress('quiet', '', 0) }
  }
  const bytes = files.reduce((sum, file) => sum + file.size, 0)
  const progress = new Progress(mode, `${files.length} files`, bytes)
  // A sync replaces what differs: that is what it was asked to do.
  const overwrite = onlyChanged || options.overwrite === true
  await eachAtOnce(files, async (file) => {
    await uploadFile(
      client,
      { ...options, overwrite },
      file.path,
      { bucket: target.bucket, key: `${folder}${file.rel}` },
      mode,
      io,
      progress,
    )
  })
  await deleteAll(client, target.bucket, gone, () => {})
  return { files: files.length, bytes, deleted: gone.length, progress }
}

/** Downloads everything under a prefix into a folder; with `onlyChanged`, only what differs. */
export async function downloadTree(input: {
  client: SignetClient
  options: TreeOptions
  target: Target
  dir: string
  mode: Output
  io: Io
  onlyChanged: boolean
  plan?: SyncPlan
}): Promise<{ files: number; bytes: number; deleted: number; progress: Progress }> {
  const { client, options, target, dir, mode, io, onlyChanged } = input
  const plan = input.plan ?? COPY_ALL
  const skip = excluded(plan)
  const all = (await remoteObjects(client, target)).filter((o) => !skip(o.rel))
  let objects = all
  const wanted: typeof objects = []
  for (const object of objects) {
    const path = join(dir, ...object.rel.split('/'))
    const size = (await stat(path).catch(() => undefined))?.size
    if (size === undefined) wanted.push(object)
    else if (onlyChanged) {
      if (!(await same(path, size, object))) wanted.push(object)
    } else if (options.overwrite === true) wanted.push(object)
    else throw new Error(`${path} exists: give --overwrite to replace it`)
  }
  objects = wanted
  let gone: string[] = []
  if (plan.delete) {
    const there = new Set(all.map((object) => object.rel))
    const info = await stat(dir).catch(() => undefined)
    const locals = info?.isDirectory() ? await localFiles(dir) : []
    gone = locals.filter((file) => !skip(file.rel) && !there.has(file.rel)).map((f) => f.path)
  }
  if (plan.dryrun) {
    for (const object of objects) {
      const dest = join(dir, ...object.rel.split('/'))
      io.out(`(dryrun) download: s3://${target.bucket}/${object.key} to ${dest}\n`)
    }
    for (const path of gone) io.out(`(dryrun) delete: ${path}\n`)
    return { files: 0, bytes: 0, deleted: 0, progress: new Progress('quiet', '', 0) }
  }
  const bytes = objects.reduce((sum, object) => sum + object.size, 0)
  const progress = new Progress(mode, `${objects.length} files`, bytes)
  const { signal, done } = interruptible()
  try {
    await eachAtOnce(objects, async (object) => {
      const dest = join(dir, ...object.rel.split('/'))
      await mkdir(dirname(dest), { recursive: true })
      await download({
        client,
        source: { bucket: target.bucket, key: object.key },
        dest,
        retry: retryOf(options),
        progress: () => new PartProgress(progress),
        warn: (message) => io.err(`signet: warning: ${message}\n`),
        signal,
      })
    })
  } finally {
    done()
  }
  for (const path of gone) await rm(path, { force: true })
  return { files: objects.length, bytes, deleted: gone.length, progress }
}

/** Deletes keys, `parallel` at a time, each through a presigned DELETE. */
export async function deleteAll(
  client: SignetClient,
  bucket: string,
  keys: readonly string[],
  deleted: (key: string) => void,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string
      const { url } = await client.presign({ bucket, key, method: 'DELETE' })
      const answer = await fetch(url, { method: 'DELETE' })
      await answer.body?.cancel()
      if (!answer.ok && answer.status !== 404) {
        throw new Error(`the store refused to delete s3://${bucket}/${key} (${answer.status})`)
      }
      deleted(key)
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker))
}
