// Differential tests: for generated requests, Signet's presigned URL equals the one made by two
// independent signers for the same time and credentials: the AWS SDK v3 signer
// (@smithy/signature-v4, as S3RequestPresigner configures it, without its checksum middleware)
// and Debian's botocore (S3SigV4QueryAuth), run as a subprocess.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { extendedEncodeURIComponent } from '@smithy/core/protocols'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseConfig, type RemoteTarget } from '../../src/config'
import { contentDisposition } from '../../src/lib/content-disposition'
import { checkObjectKey } from '../../src/lib/object-key'
import { amzDate } from '../../src/s3/sigv4'
import type { PresignRequest, Scope } from '../../src/schemas'
import { presign } from '../../src/services/presign'

const DEBIAN_PYTHON = '/usr/bin/python3'
const ORACLE = join(import.meta.dirname, 'oracles', 'botocore_presign.py')

const config = parseConfig({
  SIGNET_ADMIN_TOKEN: 'differential-admin-token',
  SIGNET_BUCKETS: JSON.stringify({
    'aws-vhost': {
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      bucket: 'examplebucket',
    },
    'aws-dots': {
      endpoint: 'https://s3.us-east-1.amazonaws.com',
      region: 'us-east-1',
      bucket: 'my.dotted.bucket',
    },
    'r2-main': { endpoint: 'https://0123456789abcdef.r2.cloudflarestorage.com', bucket: 'media' },
    'r2-eu': { endpoint: 'https://0123456789abcdef.eu.r2.cloudflarestorage.com' },
    rgw: { endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', bucket: 'signet-test' },
    sts: {
      endpoint: 'https://s3.us-west-2.amazonaws.com',
      region: 'us-west-2',
      bucket: 'sts-bucket',
    },
  }),
  SIGNET_CREDENTIALS: JSON.stringify({
    'aws-vhost': {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
    'aws-dots': {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
    'r2-main': { accessKeyId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', secretAccessKey: 'a'.repeat(64) },
    'r2-eu': { accessKeyId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', secretAccessKey: 'b'.repeat(64) },
    rgw: { accessKeyId: 'TESTACCESSKEY', secretAccessKey: 'TESTSECRETKEY0123456789' },
    sts: {
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with=chars',
    },
  }),
})
const BUCKETS = [...config.buckets.keys()]
const scope: Scope = { buckets: BUCKETS, operations: ['get', 'head', 'put', 'delete'] }
const caller = { kind: 'key' as const, id: 'key_test', name: 'differential', scope }

const KEY_PIECES = [
  ...'abcxyzABCXYZ0189-_.~ +%!\'()*=&?#@$,;:[]{}<>"^`|\\',
  'é',
  'ß',
  'Ω',
  '日本語',
  '😀',
  '👩‍👩‍👧',
  '\u00a0',
  '\u200b',
  'ﬁ',
  '%20',
  '%2F',
  '+%2B',
]

const keyArb = fc
  .array(
    fc
      .array(fc.constantFrom(...KEY_PIECES), { minLength: 1, maxLength: 10 })
      .map((p) => p.join('')),
    { minLength: 1, maxLength: 5 },
  )
  .map((segments) => segments.join('/'))
  .filter((key) => checkObjectKey(key).ok)

const longKeys = [
  'k'.repeat(1024),
  '😀'.repeat(256),
  `${'a/'.repeat(300)}${'é'.repeat(212)}`,
  `${'+ '.repeat(511)}z!`,
].filter((key) => checkObjectKey(key).ok)

const headerText = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/)

const requestArb: fc.Arbitrary<PresignRequest> = fc
  .record({
    bucket: fc.constantFrom(...BUCKETS),
    key: fc.oneof(
      { weight: 20, arbitrary: keyArb },
      { weight: 1, arbitrary: fc.constantFrom(...longKeys) },
    ),
    method: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE') as fc.Arbitrary<
      PresignRequest['method']
    >,
    expiresIn: fc.integer({ min: 1, max: 604800 }),
    contentType: fc.option(
      fc.constantFrom(
        'text/plain',
        'image/png',
        'application/json; charset=utf-8',
        'multipart/x  weird',
      ),
      { nil: undefined },
    ),
    contentLength: fc.option(fc.integer({ min: 0, max: 5 * 1024 ** 3 }), { nil: undefined }),
    checksumSha256: fc.option(
      fc.constantFrom(
        '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
        'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
      ),
      { nil: undefined },
    ),
    metadata: fc.option(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), headerText, { maxKeys: 3 }),
      { nil: undefined },
    ),
    ifNoneMatch: fc.option(fc.constant('*' as const), { nil: undefined }),
    filename: fc.option(
      fc.constantFrom(
        'report.pdf',
        'Q3 "final" résumé.pdf',
        '日本語.txt',
        'a;b%20c.txt',
        '..\\evil\r\n.txt',
      ),
      { nil: undefined },
    ),
    disposition: fc.option(fc.constantFrom('attachment' as const, 'inline' as const), {
      nil: undefined,
    }),
    responseHeaders: fc.option(
      fc.record(
        {
          contentType: headerText,
          cacheControl: fc.constantFrom('no-cache', 'max-age=60, private'),
          contentLanguage: fc.constantFrom('en', 'de-CH'),
          contentEncoding: fc.constantFrom('gzip', 'identity'),
          expires: fc.constantFrom('Thu, 01 Dec 1994 16:00:00 GMT'),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    versionId: fc.option(fc.stringMatching(/^[A-Za-z0-9._+/=-]{1,40}$/), { nil: undefined }),
  })
  .map((raw) => {
    const request: PresignRequest = { bucket: raw.bucket, key: raw.key, expiresIn: raw.expiresIn }
    if (raw.method) request.method = raw.method
    const set = <K extends keyof PresignRequest>(name: K, value: PresignRequest[K] | undefined) => {
      if (value !== undefined) request[name] = value
    }
    if (raw.method === 'PUT') {
      set('contentType', raw.contentType)
      set('contentLength', raw.contentLength)
      set('checksumSha256', raw.checksumSha256)
      if (raw.metadata && Object.keys(raw.metadata).length > 0) request.metadata = raw.metadata
      set('ifNoneMatch', raw.ifNoneMatch)
    } else {
      set('versionId', raw.versionId)
      if (raw.method !== 'DELETE') {
        set('filename', raw.filename)
        set('disposition', raw.disposition)
        if (raw.responseHeaders && Object.keys(raw.responseHeaders).length > 0) {
          request.responseHeaders = raw.responseHeaders
        }
      }
    }
    return request
  })

type Case = { request: PresignRequest; now: Date }

const cases: Case[] = fc.sample(
  fc.record({
    request: requestArb,
    now: fc
      .integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) })
      .map((ms) => new Date(ms)),
  }),
  { numRuns: 1200, seed: 20261123 },
)

/** The request parameters other than X-Amz-*, computed from the request, not from our URL. */
function operationParams(request: PresignRequest): Record<string, string> {
  const params: Record<string, string> = {}
  if (request.filename !== undefined || request.disposition !== undefined) {
    params['response-content-disposition'] = contentDisposition(
      request.disposition ?? 'attachment',
      request.filename,
    )
  }
  const r = request.responseHeaders ?? {}
  if (r.contentType) params['response-content-type'] = r.contentType
  if (r.cacheControl) params['response-cache-control'] = r.cacheControl
  if (r.contentLanguage) params['response-content-language'] = r.contentLanguage
  if (r.contentEncoding) params['response-content-encoding'] = r.contentEncoding
  if (r.expires) params['response-expires'] = r.expires
  if (request.versionId) params.versionId = request.versionId
  return params
}

/** Splits a URL into what must match: origin, raw path, and the raw query pairs sorted. */
function urlParts(url: string) {
  const match = /^(https?):\/\/([^/]+)([^?]*)\?(.*)$/.exec(url)
  if (!match) throw new Error('not a presigned URL')
  const pairs = (match[4] as string).split('&').sort()
  return { scheme: match[1], host: match[2], path: match[3], pairs }
}

function encodedPairs(query: Record<string, string | string[] | null>): string[] {
  return Object.entries(query)
    .map(
      ([name, value]) =>
        `${extendedEncodeURIComponent(name)}=${extendedEncodeURIComponent(String(value))}`,
    )
    .sort()
}

type Signed = { case: Case; url: string; headers: Record<string, string>; target: RemoteTarget }

async function signAll(): Promise<Signed[]> {
  const out: Signed[] = []
  for (const c of cases) {
    const answer = await presign(c.request, {
      caller,
      config,
      origin: new URL('https://signet.test'),
      now: c.now,
    })
    out.push({
      case: c,
      url: answer.url,
      headers: answer.headers,
      target: config.buckets.get(c.request.bucket) as RemoteTarget,
    })
  }
  return out
}

describe('differential signing', () => {
  it('generates varied cases: every method, long keys, session tokens, headers, overrides', () => {
    expect(cases.length).toBe(1200)
    const methods = new Set(cases.map((c) => c.request.method ?? 'GET'))
    expect(methods).toEqual(new Set(['GET', 'HEAD', 'PUT', 'DELETE']))
    const keys = cases.map((c) => c.request.key)
    for (const ch of [' ', '+', '~', '%', '!', "'", '(', ')', '*', '=', '&', '?', '#', 'é', '😀']) {
      expect(
        keys.some((key) => key.includes(ch)),
        ch,
      ).toBe(true)
    }
    expect(keys.some((key) => new TextEncoder().encode(key).length === 1024)).toBe(true)
    expect(cases.some((c) => c.request.bucket === 'sts')).toBe(true)
    expect(cases.some((c) => c.request.metadata)).toBe(true)
    expect(cases.some((c) => c.request.responseHeaders)).toBe(true)
  })

  it('matches the AWS SDK v3 signer (@smithy/signature-v4) for every generated case', async () => {
    const signed = await signAll()
    for (const s of signed) {
      const { request, now } = s.case
      const credential = config.credentials.get(request.bucket)
      if (!credential) throw new Error('no credential')
      const signer = new SignatureV4({
        credentials: credential,
        region: s.target.region,
        service: 's3',
        sha256: Hash.bind(null, 'sha256'),
        uriEscapePath: false,
        applyChecksum: false,
      })
      const encodedKey = request.key.split('/').map(extendedEncodeURIComponent).join('/')
      const virtual = s.target.style === 'virtual'
      const hostname = virtual
        ? `${s.target.bucket}.${s.target.endpoint.hostname}`
        : s.target.endpoint.hostname
      const host = s.target.endpoint.port ? `${hostname}:${s.target.endpoint.port}` : hostname
      const headerNames = Object.keys(s.headers).map((name) => name.toLowerCase())
      const presigned = await signer.presign(
        {
          method: request.method ?? 'GET',
          protocol: s.target.endpoint.protocol,
          hostname,
          path: virtual ? `/${encodedKey}` : `/${s.target.bucket}/${encodedKey}`,
          query: operationParams(request),
          headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...s.headers },
        },
        {
          signingDate: now,
          expiresIn: request.expiresIn as number,
          // Signed headers stay headers (the client sends them); the payload marker is not sent.
          unhoistableHeaders: new Set([...headerNames, 'x-amz-content-sha256']),
          unsignableHeaders: new Set(['x-amz-content-sha256']),
        },
      )
      const ours = urlParts(s.url)
      expect(ours.host, request.key).toBe(host)
      expect(ours.path, request.key).toBe(presigned.path)
      expect(ours.pairs, request.key).toEqual(
        encodedPairs(presigned.query as Record<string, string>),
      )
    }
  })

  const haveBotocore =
    existsSync(DEBIAN_PYTHON) && spawnSync(DEBIAN_PYTHON, ['-c', 'import botocore']).status === 0
  if (!haveBotocore) {
    console.warn(
      'SKIPPED: the botocore differential test needs Debian python3-botocore (apt-get install python3-botocore).',
    )
  }
  it.skipIf(!haveBotocore && !process.env.CI)(
    'matches Debian botocore for every generated case',
    async () => {
      const signed = await signAll()
      const input = signed.map((s) => {
        const { request, now } = s.case
        const credential = config.credentials.get(request.bucket)
        if (!credential) throw new Error('no credential')
        const virtual = s.target.style === 'virtual'
        return {
          method: request.method ?? 'GET',
          scheme: s.target.endpoint.protocol.replace(':', ''),
          host: virtual ? `${s.target.bucket}.${s.target.endpoint.host}` : s.target.endpoint.host,
          bucket: s.target.bucket,
          key: request.key,
          pathStyle: !virtual,
          params: operationParams(request),
          headers: s.headers,
          datetime: amzDate(now),
          region: s.target.region,
          expiresIn: request.expiresIn,
          accessKeyId: credential.accessKeyId,
          secretAccessKey: credential.secretAccessKey,
          sessionToken: credential.sessionToken ?? null,
        }
      })
      const run = spawnSync(DEBIAN_PYTHON, [ORACLE], {
        input: JSON.stringify(input),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      const urls = JSON.parse(run.stdout) as string[]
      expect(urls.length).toBe(signed.length)
      signed.forEach((s, i) => {
        const theirs = urlParts(urls[i] as string)
        const ours = urlParts(s.url)
        expect(ours, s.case.request.key).toEqual(theirs)
      })
    },
  )
})
