// signet ls and signet rm: what is under a prefix (a folder level, or everything with -r), and
// deleting an object (or everything under a prefix with -r), each through URLs Signet presigns
// within the caller's scope.
import type { ListedObject, SignetClient } from '../../src/client'
import { formatInstant, formatSize } from '../../src/lib/sizes'
import type { Target } from '../../src/uploader'
import { StepError } from '../../src/uploader'
import { clientFrom, command, parseS3Url, print, step, UsageError } from '../command'
import { deleteAll } from '../tree'

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
  arity: [0, 1],
  usage: ['[-r] s3://bucket[/prefix]', ''],
  summary:
    'List the objects and folders under a prefix (everything under it with -r); without one, the buckets you may use.',
  options: RECURSIVE,
  async run({ positionals, options, io }) {
    const client = clientFrom(options)
    if (positionals[0] === undefined) {
      const me = await step('read your scope', client.me())
      const buckets = me.scope.buckets.map((bucket) => `s3://${bucket}/`)
      print(io, options, { buckets: me.scope.buckets }, buckets.join('\n') || '(no bucket)')
      return
    }
    const target = parseS3Url(positionals[0])
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

/** Throws "no such object" when the store holds nothing at the key. */
async function exists(client: SignetClient, target: Target): Promise<void> {
  const { url } = await client.presign({ ...target, method: 'HEAD' })
  const answer = await fetch(url, { method: 'HEAD' })
  if (answer.status === 404) {
    throw new StepError(`look up s3://${target.bucket}/${target.key}`, 'no such object')
  }
}

export const rm = command({
  name: 'rm',
  arity: [1, 1],
  usage: ['s3://bucket/key', '-r [--dryrun] s3://bucket/prefix/'],
  summary:
    'Delete an object (a missing one is exit 4), or with -r every object under a prefix; --dryrun says what it would delete.',
  options: {
    ...RECURSIVE,
    dryrun: { type: 'boolean', help: 'print what would be deleted, delete nothing' },
  },
  async run({ positionals, options, io }) {
    const target = parseS3Url(positionals[0])
    const client = clientFrom(options)
    let keys = [target.key]
    if (options.recursive) {
      keys = (await step('list', listAll(client, target, true))).objects.map((o) => o.key)
    } else if (target.key === '' || target.key.endsWith('/')) {
      throw new UsageError('rm deletes one object; give -r to delete everything under a prefix')
    } else {
      // Deleting nothing is not a success: a missing object is said (exit 4), as docs/CLI.md has it.
      await step('look up the object', exists(client, target))
    }
    if (options.dryrun) {
      for (const key of keys) io.out(`(dryrun) delete: s3://${target.bucket}/${key}\n`)
      return
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
