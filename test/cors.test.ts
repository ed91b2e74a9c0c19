// corsHints and the CORS doctor inside workerd: the rule a page needs, in the format of each
// bucket's store; the gateway needs none; the doctor answers for gateway URLs without a request
// and refuses every URL that is not a bucket of the caller's scope before sending anything.
// Preflights against a real store (Ceph RGW) are in test/node/rgw-cors.test.ts.
import { describe, expect, it } from 'vitest'
import type { CorsHints } from '../src/schemas'
import { call, createKey, expectError } from './helpers'

const PAGE = 'https://uploader.example'
const API_ORIGIN = 'https://app.example' // in SIGNET_CORS_ORIGINS for the tests

const SCOPE = {
  buckets: ['local', 's3-remote', 'r2-remote', 'gcs-remote'],
  operations: ['get', 'head', 'put', 'delete', 'multipart', 'post'] as (
    | 'get'
    | 'head'
    | 'put'
    | 'delete'
    | 'multipart'
    | 'post'
  )[],
}

async function hintsFor(path: string, json: Record<string, unknown>): Promise<CorsHints> {
  const { key } = await createKey(SCOPE)
  const response = await call(path, { token: key, json })
  expect(response.status, await response.clone().text()).toBe(200)
  const body = (await response.json()) as { corsHints?: CorsHints }
  expect(body.corsHints).toBeDefined()
  return body.corsHints as CorsHints
}

const upload = {
  key: 'cors/report.json',
  method: 'PUT',
  contentType: 'application/json',
  metadata: { owner: 'ada' },
  origin: PAGE,
}

describe('corsHints', () => {
  it('gives an S3 store its PutBucketCors rule for exactly the signed headers', async () => {
    const hints = await hintsFor('/v1/presign', { bucket: 's3-remote', ...upload })
    expect(hints).toMatchObject({
      origin: PAGE,
      method: 'PUT',
      requestHeaders: ['content-type', 'x-amz-meta-owner'],
      preflight: true,
      exposeHeaders: ['ETag'],
      ruleNeeded: true,
    })
    expect(hints.s3?.json).toEqual({
      CORSRules: [
        {
          AllowedOrigins: [PAGE],
          AllowedMethods: ['PUT'],
          AllowedHeaders: ['content-type', 'x-amz-meta-owner'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: 3000,
        },
      ],
    })
    expect(hints.s3?.xml).toContain('<AllowedHeader>x-amz-meta-owner</AllowedHeader>')
    // AWS itself: no --endpoint-url.
    expect(hints.s3?.command).toBe(
      'aws s3api put-bucket-cors --bucket signet-test-bucket --cors-configuration file://cors.json',
    )
    expect(hints.r2).toBeUndefined()
    expect(hints.gcs).toBeUndefined()
    expect(hints.notes.join(' ')).toMatch(/replaces the bucket's whole CORS configuration/)
    expect(hints.notes.join(' ')).toMatch(/not in SIGNET_CORS_ORIGINS/)
  })

  it("gives R2 the S3 rule with its endpoint and wrangler's rules", async () => {
    const hints = await hintsFor('/v1/presign', {
      bucket: 'r2-remote',
      ...upload,
      origin: API_ORIGIN,
    })
    expect(hints.s3?.command).toBe(
      'aws s3api put-bucket-cors --bucket r2-remote --cors-configuration file://cors.json --endpoint-url https://0123456789abcdef.r2.cloudflarestorage.com',
    )
    expect(hints.r2?.command).toBe('npx wrangler r2 bucket cors set r2-remote --file cors.json')
    expect(hints.r2?.json).toEqual({
      rules: [
        {
          allowed: {
            origins: [API_ORIGIN],
            methods: ['PUT'],
            headers: ['content-type', 'x-amz-meta-owner'],
          },
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 3000,
        },
      ],
    })
    // This origin may call the API: no note saying otherwise.
    expect(hints.notes.join(' ')).not.toMatch(/SIGNET_CORS_ORIGINS/)
  })

  it('gives GCS its cors JSON with x-goog-meta- headers and ETag exposed', async () => {
    const hints = await hintsFor('/v1/presign', { bucket: 'gcs-remote', ...upload })
    expect(hints.requestHeaders).toEqual(['content-type', 'x-goog-meta-owner'])
    expect(hints.gcs?.json).toEqual([
      {
        origin: [PAGE],
        method: ['PUT'],
        responseHeader: ['content-type', 'x-goog-meta-owner', 'ETag'],
        maxAgeSeconds: 3000,
      },
    ])
    expect(hints.gcs?.command).toBe(
      'gcloud storage buckets update gs://signet-gcs-bucket --cors-file=cors.json',
    )
    expect(hints.s3).toBeUndefined()
  })

  it('says the gateway needs no rule', async () => {
    const hints = await hintsFor('/v1/presign', { bucket: 'local', ...upload })
    expect(hints.ruleNeeded).toBe(false)
    expect(hints.requestHeaders).toEqual(['content-type', 'x-amz-meta-owner'])
    expect(hints.s3 ?? hints.r2 ?? hints.gcs).toBeUndefined()
    expect(hints.notes.join(' ')).toMatch(/answers preflights itself/)
  })

  it('leaves safelisted headers out and explains requests that are not preflighted', async () => {
    const plain = await hintsFor('/v1/presign', {
      bucket: 's3-remote',
      key: 'cors/a.txt',
      method: 'PUT',
      contentType: 'text/plain; charset=utf-8',
      origin: PAGE,
    })
    expect(plain.requestHeaders).toEqual([])
    expect(plain.preflight).toBe(true)
    expect(plain.s3?.json.CORSRules[0]).not.toHaveProperty('AllowedHeaders')
    const get = await hintsFor('/v1/presign', { bucket: 's3-remote', key: 'a', origin: PAGE })
    expect(get).toMatchObject({ method: 'GET', requestHeaders: [], preflight: false })
    expect(get.notes.join(' ')).toMatch(/without a preflight, but the browser lets the page read/)
  })

  it('exposes ETag for multipart parts and explains that complete goes through Signet', async () => {
    const hints = await hintsFor('/v1/multipart', {
      bucket: 'local',
      key: 'cors/big.bin',
      parts: 2,
      contentLength: 12 * 1024 * 1024,
      origin: PAGE,
    })
    // Content-Length is signed into each part, but browsers set it themselves.
    expect(hints).toMatchObject({ method: 'PUT', requestHeaders: [], exposeHeaders: ['ETag'] })
    expect(hints.notes.join(' ')).toMatch(/complete and abort go through Signet's API/)
  })

  it('gives a POST policy a rule for POST that exposes ETag and Location', async () => {
    const hints = await hintsFor('/v1/post-policy', {
      bucket: 's3-remote',
      key: 'cors/form.bin',
      maxContentLength: 1024,
      origin: PAGE,
    })
    expect(hints).toMatchObject({
      method: 'POST',
      requestHeaders: [],
      preflight: false,
      exposeHeaders: ['ETag', 'Location'],
    })
    expect(hints.s3?.json.CORSRules[0]?.AllowedMethods).toEqual(['POST'])
  })

  it('answers no corsHints without an origin, and refuses what is not an origin', async () => {
    const { key } = await createKey(SCOPE)
    const plain = await call('/v1/presign', { token: key, json: { bucket: 'local', key: 'a' } })
    expect(await plain.json()).not.toHaveProperty('corsHints')
    for (const origin of ['https://app.example/', 'https://app.example/x', 'null', 'ftp://a.b']) {
      const error = await expectError(
        await call('/v1/presign', { token: key, json: { bucket: 'local', key: 'a', origin } }),
        400,
        'invalid_request',
      )
      expect(error.issues?.[0]?.path).toBe('origin')
    }
  })
})

type Inspected = {
  cors?: {
    checked: boolean
    allowed: boolean | null
    method: string
    requestHeaders: string[]
    missing: unknown[]
    preflights: number
    fix: unknown
    status: number | null
    allowOrigin: string | null
  }
}

describe('the CORS doctor', () => {
  it("answers for a gateway URL from the gateway's own rule, without a request", async () => {
    const { key } = await createKey(SCOPE)
    const presigned = (await (
      await call('/v1/presign', {
        token: key,
        json: {
          bucket: 'local',
          key: 'doc/a.json',
          method: 'PUT',
          contentType: 'application/json',
        },
      })
    ).json()) as { url: string }
    const response = await call('/v1/inspect', {
      token: key,
      json: {
        url: presigned.url,
        origin: PAGE,
        headers: { 'content-type': 'application/json', 'x-custom-tag': 'a' },
      },
    })
    expect(response.status).toBe(200)
    // No subrequest was made.
    expect(response.headers.get('Server-Timing')).not.toContain('fetch;')
    const body = (await response.json()) as Inspected
    expect(body.cors).toMatchObject({
      checked: true,
      allowed: true,
      method: 'PUT',
      requestHeaders: ['content-type', 'x-custom-tag'],
      status: 204,
      allowOrigin: '*',
      missing: [],
      fix: null,
      preflights: 0,
    })
  })

  it('refuses a URL that is not a bucket of the caller at its endpoint, sending nothing', async () => {
    const { key } = await createKey({ buckets: ['local', 's3-remote'], operations: ['get'] })
    const urls = [
      'http://127.0.0.1:9/anything?X-Amz-Signature=00',
      'https://evil.example/signet-test-bucket/a',
      // The right endpoint, another bucket on it.
      'https://s3.eu-west-1.amazonaws.com/other-bucket/a',
      // The right endpoint and bucket, the wrong scheme.
      'http://s3.eu-west-1.amazonaws.com/signet-test-bucket/a',
      // R2 is configured, but not in this caller's scope.
      'https://0123456789abcdef.r2.cloudflarestorage.com/r2-remote/a',
      // Signet's own origin, a gateway bucket this caller does not have.
      'http://signet.test/s3/archive/a',
    ]
    for (const url of urls) {
      const response = await call('/v1/inspect', { token: key, json: { url, origin: PAGE } })
      const error = await expectError(response, 403, 'forbidden')
      expect(error.message, url).toMatch(/only to the URL of a bucket in your scope/)
      expect(response.headers.get('Server-Timing')).not.toContain('fetch;')
    }
    // Without an origin the doctor only reads the URL, as before.
    const read = await call('/v1/inspect', { token: key, json: { url: urls[1] } })
    expect(read.status).toBe(200)
    expect(await read.json()).not.toHaveProperty('cors')
  })
})
