// signet ls and signet rm: what is under a prefix (a folder level, or everything with -r), and
// deleting an object (or everything under a prefix with -r), each through URLs Signet presigns
// within the caller's scope.
import type { ListedObject, SignetClient } from '../../src/client'
import { formatInstant, formatSize } from '../../src/lib/sizes'
import type { Target } from '../../src/uploader'
import { clientFrom, command, parseS3Url, print, step, UsageError } from '../command'

const RECURSIVE = {
  recursive: { type: 'boolean', short: 'r', help: 'everything under the prefix' },
} as const

/** Every object under a prefix (and, one level only, its folders). */
async function listAll(
  client: SignetClient,
  target: Target,
  recursive: boolean,
): Promise<{ objects: ListedObject[]; prefixes: string[] }> {
  const objects: ListedObject[] = []
  const prefixes: string[] = []
  const pages = client.list({
    bucket: target.bucket,
    prefix: target.key,
    ...(recursive ? {} : { delimiter: '/' as const }),
  })
  for await (const page of pages) {
    objects.push(...page.objects)
    prefixes.push(...page.prefixes)
  }
  return { objects, prefixes }
}

export const ls = command({
  name: 'ls',
  usage: ['[-r] s3://bucket/prefix'],
  summary: 'List the objects and folders under a prefix (everything under it with -r).',
  options: RECURSIVE,
  async run({ positionals, options, io }) {
    const target = parseS3Url(positionals[0])
    const client = clientFrom(options)
    const recursive = options.recursive === true
    const { objects, prefixes } = await step('list', listAll(client, target, recursive))
    // A folder level is shown relative to its folder, as `aws s3 ls` does; -r shows whole keys.
    const folder = target.key.slice(0, target.key.lastIndexOf('/') + 1)
    const shown = (key: string) => (recursive ? key : key.slice(folder.length))
    const lines = [
      ...prefixes.map((prefix) => `${''.padEnd(21)} ${'PRE'.padStart(10)}  ${shown(prefix)}`),
      ...objects.map(
        (object) =>
          `${formatInstant(Date.parse(object.lastModified))} ${formatSize(object.size).padStart(10)}  ${shown(object.key)}`,
      ),
    ]
    print(io, options, { objects, prefixes }, lines.join('\n') || '(nothing)')
  },
})

/** Deletes keys, `parallel` at a time, each through a presigned DELETE. */
async function deleteAll(
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

export const rm = command({
  name: 'rm',
  usage: ['s3://bucket/key', '-r s3://bucket/prefix/'],
  summary: 'Delete an object, or with -r every object under a prefix.',
  options: RECURSIVE,
  async run({ positionals, options, io }) {
    const target = parseS3Url(positionals[0])
    const client = clientFrom(options)
    let keys = [target.key]
    if (options.recursive) {
      keys = (await step('list', listAll(client, target, true))).objects.map((o) => o.key)
    } else if (target.key === '' || target.key.endsWith('/')) {
      throw new UsageError('rm deletes one object; give -r to delete everything under a prefix')
    }
    const done: string[] = []
    await step(
      'delete',
      deleteAll(client, target.bucket, keys, (key) => {
        done.push(key)
        if (!options.quiet && !options.json) io.out(`delete: s3://${target.bucket}/${key}\n`)
      }),
    )
    if (options.json) print(io, options, { deleted: done }, '')
  },
})
