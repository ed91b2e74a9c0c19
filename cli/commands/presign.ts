// signet presign: one presigned URL; the headers it needs are said on stderr.
import { MAX_EXPIRES_IN } from '../../src/lib/limits'
import {
  clientFrom,
  command,
  duration,
  objectUrl,
  print,
  step,
  UsageError,
  wholeNumber,
} from '../command'

export const presign = command({
  name: 'presign',
  arity: [1, 1],
  usage: ['s3://bucket/key'],
  summary: 'Print a presigned URL for the object. Headers the request must send go to stderr.',
  options: {
    method: { type: 'string', value: 'get|head|put|delete', help: 'the method (default get)' },
    'expires-in': { type: 'string', value: '300|5m|7d', help: 'how long the URL lives' },
    'content-type': { type: 'string', value: 'TYPE', help: 'a PUT: the signed Content-Type' },
    'content-length': { type: 'string', value: 'BYTES', help: 'a PUT: the signed length' },
    filename: { type: 'string', value: 'NAME', help: 'a GET: the name it is saved as' },
  },
  async run({ positionals, options, io }) {
    const target = objectUrl(positionals[0])
    const client = clientFrom(options)
    const method = (options.method ?? 'get').toUpperCase()
    if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) {
      throw new UsageError('--method must be get, head, put or delete')
    }
    const expiresIn = duration(options['expires-in'], 'expires-in', MAX_EXPIRES_IN)
    const contentLength = wholeNumber(options['content-length'], 'content-length')
    const answer = await step(
      'presign',
      client.presign({
        ...target,
        method: method as 'GET',
        ...(expiresIn === undefined ? {} : { expiresIn }),
        ...(options['content-type'] === undefined ? {} : { contentType: options['content-type'] }),
        ...(contentLength === undefined ? {} : { contentLength }),
        ...(options.filename === undefined ? {} : { filename: options.filename }),
      }),
    )
    print(io, options, answer, answer.url)
    // The URL alone is the output; headers it needs are said on stderr so scripts are not hurt.
    const headers = Object.entries(answer.headers)
    if (!options.json && !options.quiet && headers.length > 0) {
      io.err(`send with: ${headers.map(([name, value]) => `-H '${name}: ${value}'`).join(' ')}\n`)
    }
  },
})
