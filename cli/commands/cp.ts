// signet cp: a local file (or stdin) to s3://bucket/key through the shared uploader, or an
// object to a file (or stdout), resumed and verified (cli/transfer.ts).
import { stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { clientFrom, command, interruptible, parseS3Url, UsageError } from '../command'
import { downloadEncrypted, encryptedLink } from '../encrypted'
import { outputMode, Progress } from '../progress'
import { download } from '../transfer'
import { retryOf, TRANSFER_OPTIONS, uploadFile } from '../upload-file'
import { copyTree } from './sync'

export const cp = command({
  name: 'cp',
  arity: [2, 2],
  usage: [
    '<file|-> s3://bucket/key',
    's3://bucket/key <file|dir/|->',
    '-r <dir> s3://bucket/prefix/',
    '-r s3://bucket/prefix/ <dir>',
    "'<encrypted link>#<key>' <file|dir/>",
  ],
  summary:
    'Upload (one PUT, or multipart with parallel parts) or download (resumed with Range, verified against the object before it is kept). A key ending in / takes the file name. With -r, a folder and everything in it, either way, one progress display.',
  options: {
    recursive: { type: 'boolean', short: 'r', help: 'a folder and everything in it' },
    ...TRANSFER_OPTIONS,
  },
  async run({ positionals, options, io }) {
    const [from, to] = positionals
    if (!from || !to || positionals.length > 2)
      throw new UsageError('cp needs a source and a destination')
    const client = clientFrom(options)
    const mode = outputMode(options)
    if (options.recursive) {
      await copyTree({ client, options, from, to, mode, io, onlyChanged: false })
      return
    }
    if (to.startsWith('s3://') && !from.startsWith('s3://')) {
      let target = parseS3Url(to)
      if (target.key === '' || target.key.endsWith('/')) {
        if (from === '-') throw new UsageError('uploading stdin needs a full key: s3://bucket/key')
        target = { ...target, key: `${target.key}${basename(from)}` }
      }
      const done = await uploadFile(client, options, from, target, mode, io)
      done.progress.finish(`uploaded ${from} to s3://${target.bucket}/${target.key}`, {
        ...target,
        etag: done.etag,
      })
      return
    }
    const sealed = encryptedLink(from)
    if (sealed && !to.startsWith('s3://')) {
      if (to === '-') throw new UsageError('an encrypted link is decrypted into a file, not stdout')
      const intoFolder =
        to.endsWith('/') || (await stat(to).catch(() => undefined))?.isDirectory() === true
      if (!intoFolder && !options.overwrite && (await stat(to).catch(() => undefined))) {
        throw new Error(`${to} exists: give --overwrite to replace it`)
      }
      const path = await downloadEncrypted(sealed, to, intoFolder)
      if (!options.quiet) io.out(`downloaded and decrypted ${sealed.url} to ${path}\n`)
      return
    }
    if (from.startsWith('s3://') && !to.startsWith('s3://')) {
      const source = parseS3Url(from)
      if (source.key === '') throw new UsageError('cp needs an object key: s3://bucket/key')
      const intoDirectory =
        to.endsWith('/') || (to !== '-' && (await stat(to).catch(() => undefined))?.isDirectory())
      const dest = to === '-' ? '-' : intoDirectory ? join(to, basename(source.key)) : to
      // A file already there is kept unless asked, as an object is on the way up.
      if (dest !== '-' && !options.overwrite && (await stat(dest).catch(() => undefined))) {
        throw new Error(`${dest} exists: give --overwrite to replace it`)
      }
      // Writing the bytes to stdout leaves no room for a bar, a line or JSON there.
      const downloadMode = dest === '-' ? 'quiet' : mode
      const { signal, done } = interruptible()
      try {
        const result = await download({
          client,
          source,
          dest,
          retry: retryOf(options),
          progress: (bytes) => new Progress(downloadMode, basename(source.key), bytes),
          warn: (message) => io.err(`signet: warning: ${message}\n`),
          signal,
        })
        result.progress.finish(`downloaded s3://${source.bucket}/${source.key} to ${dest}`, {
          ...source,
          file: dest,
        })
      } finally {
        done()
      }
      return
    }
    throw new UsageError('cp copies between a local file (or -) and s3://bucket/key')
  },
})
