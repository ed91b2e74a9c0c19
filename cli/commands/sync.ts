// signet sync: a folder and a prefix made alike, one way: only the files that are missing or
// differ (by size, or by the object's ETag) are copied; nothing is deleted. And the tree copy
// that `cp -r` shares with it.
import type { SignetClient } from '../../src/client'
import { clientFrom, command, type Io, parseS3Url, UsageError } from '../command'
import { type Output, outputMode } from '../progress'
import { downloadTree, type TreeOptions, uploadTree } from '../tree'
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
  const what = `${result.files} file${result.files === 1 ? '' : 's'}`
  result.progress.finish(
    `${input.onlyChanged ? 'synced' : 'copied'} ${what} from ${from} to ${to}`,
    { from, to, files: result.files },
  )
}

export const sync = command({
  name: 'sync',
  usage: ['<dir> s3://bucket/prefix/', 's3://bucket/prefix/ <dir>'],
  summary:
    'Copy only what is missing or differs (size, or the ETag against the bytes), one way; nothing is deleted.',
  options: TRANSFER_OPTIONS,
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
    })
  },
})
