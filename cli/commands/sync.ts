// signet sync: a folder and a prefix made alike, one way: only the files that are missing or
// differ (by size, or by the object's ETag) are copied, replacing what differs; with --delete
// what the source no longer has goes; --dryrun only says. And the tree copy `cp -r` shares.
import type { SignetClient } from '../../src/client'
import { clientFrom, command, type Io, list, parseS3Url, UsageError } from '../command'
import { type Output, outputMode } from '../progress'
import { COPY_ALL, downloadTree, type SyncPlan, type TreeOptions, uploadTree } from '../tree'
import { TRANSFER_OPTIONS } from '../upload-file'

/** A folder to a prefix, or a prefix to a folder; prints one line for the whole tree. */
export async function copyTree(input: {
  client: SignetClient
  options: TreeOptions
  from: string
  to: string
  mode: Output
  io: Io
  onlyChanged: boolean
  plan?: SyncPlan
}): Promise<void> {
  const { from, to } = input
  const upward = !from.startsWith('s3://') && to.startsWith('s3://')
  const downward = from.startsWith('s3://') && !to.startsWith('s3://')
  if (!upward && !downward) {
    throw new UsageError('give a local folder and s3://bucket/prefix/, in the direction to copy')
  }
  const result = upward
    ? await uploadTree({ ...input, dir: from, target: parseS3Url(to) })
    : await downloadTree({ ...input, target: parseS3Url(from), dir: to })
  if ((input.plan ?? COPY_ALL).dryrun) return
  const what = `${result.files} file${result.files === 1 ? '' : 's'}`
  const deleted = result.deleted > 0 ? `, deleted ${result.deleted}` : ''
  result.progress.finish(
    `${input.onlyChanged ? 'synced' : 'copied'} ${what} from ${from} to ${to}${deleted}`,
    { from, to, files: result.files, deleted: result.deleted },
  )
}

export const sync = command({
  name: 'sync',
  arity: [2, 2],
  usage: ['<dir> s3://bucket/prefix/', 's3://bucket/prefix/ <dir>'],
  summary:
    'Copy only what is missing or differs (size, or the ETag against the bytes), one way, replacing what differs; with --delete, also delete what the source no longer has. --dryrun says what it would do and changes nothing.',
  options: {
    ...TRANSFER_OPTIONS,
    delete: { type: 'boolean', help: 'delete what is at the destination but not the source' },
    dryrun: { type: 'boolean', help: 'print what would be copied and deleted, change nothing' },
    exclude: {
      type: 'string',
      multiple: true,
      value: 'GLOB',
      help: 'leave out paths matching it (* any characters, ? one), at both ends',
    },
  },
  async run({ positionals, options, io }) {
    const [from, to] = positionals
    if (!from || !to || positionals.length > 2) {
      throw new UsageError('sync needs a source and a destination')
    }
    await copyTree({
      client: clientFrom(options),
      options,
      from,
      to,
      mode: outputMode(options),
      io,
      onlyChanged: true,
      plan: {
        exclude: list(options.exclude),
        delete: options.delete === true,
        dryrun: options.dryrun === true,
      },
    })
  },
})
