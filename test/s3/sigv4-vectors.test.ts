// Pins the signer to AWS's published vectors: the S3 presign example from the S3 API reference
// and the query-signing cases of the aws-c-auth SigV4 test suite.
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/lib/bytes'
import { encodeKeyPath } from '../../src/s3/encoding'
import { amzDate, presignQuery } from '../../src/s3/sigv4'

const files = import.meta.glob('../fixtures/aws-signing-test-suite-v4/*/*', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>

type Context = {
  credentials: { access_key_id: string; secret_access_key: string; token?: string }
  expiration_in_seconds: number
  normalize: boolean
  region: string
  service: string
  sign_body: boolean
  timestamp: string
  omit_session_token?: boolean
}

const cases = new Map<string, Record<string, string>>()
for (const [path, text] of Object.entries(files)) {
  const [, name, file] = /aws-signing-test-suite-v4\/([^/]+)\/([^/]+)$/.exec(path) ?? []
  if (!name || !file) continue
  const entry = cases.get(name) ?? {}
  entry[file] = text
  cases.set(name, entry)
}

function parseRequest(text: string) {
  const [head = '', ...bodyParts] = text.split('\n\n')
  const lines = head.split('\n')
  const requestLine = lines.shift() ?? ''
  const method = requestLine.slice(0, requestLine.indexOf(' '))
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' HTTP/'))
  const headers: [string, string][] = []
  for (const line of lines) {
    if (/^\s/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1] as [string, string]
      last[1] = `${last[1].trim()} ${line.trim()}`
    } else if (line.includes(':')) {
      const colon = line.indexOf(':')
      headers.push([line.slice(0, colon), line.slice(colon + 1)])
    }
  }
  const question = target.indexOf('?')
  const path = question === -1 ? target : target.slice(0, question)
  const queryText = question === -1 ? '' : target.slice(question + 1)
  const query = queryText
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = eq === -1 ? pair : pair.slice(0, eq)
      const value = eq === -1 ? '' : pair.slice(eq + 1)
      return [decodeURIComponent(name), decodeURIComponent(value)] as [string, string]
    })
  return { method, path, query, headers, body: bodyParts.join('\n\n') }
}

/** S3 never normalises paths; cases whose canonical path depends on it are not S3 behaviour. */
function needsNormalisation(path: string): boolean {
  return /\/\/|\/\.\.?(\/|$)/.test(path)
}

describe('the aws-c-auth SigV4 test suite, query signing', () => {
  const runnable = [...cases.entries()].filter(([, files]) => {
    const context = JSON.parse(files['context.json'] ?? '{}') as Context
    const { path } = parseRequest(files['request.txt'] ?? '')
    return !(context.normalize && needsNormalisation(path))
  })

  it('has the vendored cases', () => {
    expect(cases.size).toBe(38)
    expect(runnable.length).toBeGreaterThanOrEqual(31)
  })

  for (const [name, files] of runnable) {
    it(`reproduces ${name}`, async () => {
      const context = JSON.parse(files['context.json'] as string) as Context
      const request = parseRequest(files['request.txt'] as string)
      const headers: Record<string, string> = {}
      let host = ''
      for (const [rawName, value] of request.headers) {
        const lower = rawName.toLowerCase()
        if (lower === 'host') {
          host = value
          continue
        }
        // Repeated headers are joined with commas (SigV4: "combine values").
        headers[lower] = lower in headers ? `${headers[lower]},${value.trim()}` : value
      }
      const token = context.omit_session_token ? undefined : context.credentials.token
      const signed = await presignQuery({
        method: request.method,
        host,
        path: `/${encodeKeyPath(request.path.slice(1))}`,
        query: request.query,
        headers,
        region: context.region,
        service: context.service,
        datetime: amzDate(new Date(context.timestamp)),
        expiresIn: context.expiration_in_seconds,
        credential: {
          accessKeyId: context.credentials.access_key_id,
          secretAccessKey: context.credentials.secret_access_key,
          sessionToken: token,
        },
        payloadHash: await sha256Hex(context.sign_body ? request.body : ''),
      })
      expect(signed.canonicalRequest).toBe(files['query-canonical-request.txt'])
      expect(signed.stringToSign).toBe(files['query-string-to-sign.txt'])
      expect(signed.signature).toBe(files['query-signature.txt']?.trim())
    })
  }
})

describe('the S3 presign example (S3 API reference, "Authenticating Requests: Using Query Parameters")', () => {
  it('reproduces the canonical request, string to sign and signature exactly', async () => {
    const signed = await presignQuery({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      region: 'us-east-1',
      service: 's3',
      datetime: '20130524T000000Z',
      expiresIn: 86400,
      credential: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    })
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/test.txt',
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host',
        'host:examplebucket.s3.amazonaws.com',
        '',
        'host',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    )
    expect(signed.stringToSign).toBe(
      [
        'AWS4-HMAC-SHA256',
        '20130524T000000Z',
        '20130524/us-east-1/s3/aws4_request',
        '3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04',
      ].join('\n'),
    )
    expect(signed.signature).toBe(
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    )
    expect(signed.query).toBe(
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    )
  })
})
