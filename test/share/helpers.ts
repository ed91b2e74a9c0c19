// Share-link test helpers: make a share through the API, use its link, put its object.
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { getConfig } from '../../src/config'
import { insertShare } from '../../src/share/index-db'
import { newShareId, type ShareRecord } from '../../src/share/record'
import type { SharePorts, ShareUseInput, UseAsk } from '../../src/share/use'
import { call, ORIGIN } from '../helpers'

export type ShareAnswer = {
  id: string
  url: string
  owner: string
  key: string | null
  prefix: string | null
  etag: string | null
  pin: boolean
  expiresAt: string
  maxDownloads: number | null
  downloads: number
  allowIps: string[] | null
  mode: string
  revokedAt: string | null
  lastUsedAt: string | null
  policyHints: {
    enforcedBy: string
    notes: string[]
    s3BucketPolicy: { Statement: { Resource: string }[] }
    cloudflareWafExpression: string
  } | null
}

export type UsesAnswer = {
  uses: { seq: number; at: string; clientIp: string | null; outcome: string }[]
  refusals: { outcome: string; clientIp: string | null; count: number }[]
}

export async function createShare(
  token: string,
  body: Record<string, unknown>,
): Promise<ShareAnswer> {
  const response = await call('/v1/shares', {
    token,
    json: { bucket: 'local', key: 'shared/report.pdf', ...body },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as ShareAnswer
}

export function use(share: { id: string }, init: RequestInit & { ip?: string } = {}) {
  return call(`/s/${share.id}`, init)
}

export async function seed(key = 'shared/report.pdf', body = 'the report body') {
  await env.BUCKET_LOCAL.put(key, body, { httpMetadata: { contentType: 'application/pdf' } })
}

/** The share's audit trail as its owner (or the admin) reads it. */
export async function usesOf(token: string, share: { id: string }): Promise<UsesAnswer> {
  const response = await call(`/v1/shares/${share.id}/uses?limit=1000`, { token })
  expect(response.status).toBe(200)
  return (await response.json()) as UsesAnswer
}

/** The share as its owner (or the admin) reads it. */
export async function readShare(token: string, share: { id: string }): Promise<ShareAnswer> {
  const response = await call(`/v1/shares/${share.id}`, { token })
  expect(response.status).toBe(200)
  return (await response.json()) as ShareAnswer
}

/**
 * A share as D1 held it before Durable Objects did (and before pages and pinning): its object
 * loads it on first use.
 */
export async function insertLegacyShare(overrides: Partial<ShareRecord>): Promise<ShareRecord> {
  const share: ShareRecord = {
    id: newShareId(),
    owner: 'key:key_raw',
    bucket: 'local',
    key: 'shared/report.pdf',
    folder: false,
    mode: 'redirect',
    page: false,
    filename: null,
    disposition: null,
    allowIps: null,
    maxDownloads: null,
    downloads: 0,
    etag: null,
    pin: false,
    password: null,
    createdAt: Date.now(),
    expiresAt: Date.now() + 3600_000,
    revokedAt: null,
    message: null,
    notify: null,
    revision: 0,
    lastUsedAt: null,
    ...overrides,
  }
  await insertShare(env.DB, share)
  return share
}

/**
 * A program's GET of a share link, as the share-use logic takes it (what the route would pass),
 * with the configuration of this test run; `rest` sets the others (a gate, a cache, another config).
 */
export function programUse(
  id: string,
  clientIp: string,
  rest: Partial<SharePorts & Pick<UseAsk, 'zip' | 'cursor'>> = {},
): ShareUseInput {
  const { zip = false, cursor, ...ports } = rest
  return {
    ports: { shares: env.SHARES, config: () => getConfig(env), waitUntil: () => {}, ...ports },
    request: {
      id,
      method: 'GET',
      headers: new Headers(),
      clientIp,
      now: new Date(),
      origin: new URL(ORIGIN),
      country: null,
      password: undefined,
      ticket: undefined,
    },
    ask: {
      method: 'GET',
      typed: false,
      asksHtml: false,
      wantsPage: false,
      path: undefined,
      zip,
      preview: false,
      cursor,
    },
  }
}
