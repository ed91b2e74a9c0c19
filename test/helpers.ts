// Test helpers: reach the Worker through its real entry, and know the error shape once.
import { exports } from 'cloudflare:workers'
import { expect } from 'vitest'
import type { Scope } from '../src/schemas'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const ORIGIN = 'http://signet.test'

export type CallInit = RequestInit & { token?: string; json?: unknown; ip?: string }

/** Calls the Worker's default export, as a client on the internet would. */
export async function call(path: string, init: CallInit = {}): Promise<Response> {
  const { token, json, ip, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`)
  if (ip !== undefined) headers.set('CF-Connecting-IP', ip)
  let body = rest.body
  if (json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(json)
  }
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      ...rest,
      headers,
      body: body ?? null,
      method: rest.method ?? (json === undefined ? 'GET' : 'POST'),
      redirect: rest.redirect ?? 'manual',
    }),
  )
}

/** Asserts the contract's error shape and returns the body for further checks. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<{
  code: string
  message: string
  requestId: string
  issues?: { path: string; message: string }[]
}> {
  expect(response.status).toBe(status)
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
  expect(response.headers.get('Cache-Control')).toBe('no-store')
  const requestId = response.headers.get('X-Request-Id')
  expect(requestId).toBeTruthy()
  const body = (await response.json()) as {
    error: { code: string; message: string; requestId: string }
  }
  expect(body.error.code).toBe(code)
  expect(body.error.requestId).toBe(requestId)
  expect(typeof body.error.message).toBe('string')
  return body.error
}

export const FULL_SCOPE: Scope = {
  buckets: ['local'],
  operations: ['get', 'head', 'put', 'delete', 'share', 'multipart', 'post'],
}

/** Creates an API key through the admin API and returns it with its id. */
export async function createKey(
  scope: Scope = FULL_SCOPE,
  name = 'test',
): Promise<{ id: string; key: string }> {
  const response = await call('/v1/keys', { token: ADMIN_TOKEN, json: { name, scope } })
  expect(response.status).toBe(201)
  return (await response.json()) as { id: string; key: string }
}

/** A presigned URL for a gateway bucket (`local` unless the body says otherwise). */
export async function presignOk(
  token: string,
  body: Record<string, unknown>,
): Promise<{ url: string; headers: Record<string, string> }> {
  const response = await call('/v1/presign', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as { url: string; headers: Record<string, string> }
}

/** The path and query of a URL, to send through the Worker's entry. */
export function pathOf(url: string): string {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}

/** Asserts an S3-style answer: its status, and its XML error code where it has a body. */
export async function expectS3Error(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  if (response.headers.get('Content-Type') === 'application/xml') {
    expect(await response.text()).toContain(`<Code>${code}</Code>`)
  }
}

/**
 * PUTs `data` to presigned part URLs in order, each part as long as its signed Content-Length,
 * and answers the parts to complete the upload with.
 */
export async function sendParts(
  parts: { partNumber: number; url: string; headers: Record<string, string> }[],
  data: Uint8Array,
): Promise<{ partNumber: number; etag: string }[]> {
  const sent: { partNumber: number; etag: string }[] = []
  let offset = 0
  for (const part of parts) {
    const length = Number(part.headers['Content-Length'])
    const put = await call(pathOf(part.url), {
      method: 'PUT',
      body: data.slice(offset, offset + length),
    })
    expect(put.status).toBe(200)
    sent.push({ partNumber: part.partNumber, etag: put.headers.get('ETag') ?? '' })
    offset += length
  }
  return sent
}
