// The keys service (admin only): create API keys for configured buckets, list them without
// secrets, revoke them, and with them the links they made (unless asked to keep them).
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys'
import { type Config, isConfigured } from '../config'
import { AppError } from '../errors'
import { nextCursor, readCursor } from '../lib/cursor'
import { isoSeconds, wholeSecondMs } from '../lib/duration'
import type { CreateKeyAnswer, CreateKeyRequest } from '../schemas'
import { KEY_LIFETIME, resolveExpiresIn } from './expiry'
import { revokeSharesOf } from './shares'
import { revokeUploadLinksOf } from './upload-links'

export async function createKey(
  config: Config,
  db: D1Database,
  request: CreateKeyRequest,
  now: Date,
): Promise<CreateKeyAnswer> {
  const unknown = request.scope.buckets.flatMap((bucket, index) =>
    isConfigured(config, bucket)
      ? []
      : [{ path: `scope.buckets.${index}`, message: 'is not a configured bucket' }],
  )
  if (unknown.length > 0) {
    throw new AppError('invalid_request', 'The scope names buckets Signet does not serve.', {
      issues: unknown,
    })
  }
  const nowMs = wholeSecondMs(now)
  const lives =
    request.expiresIn === undefined && request.expiresAt === undefined
      ? null
      : resolveExpiresIn(request, nowMs, undefined, KEY_LIFETIME)
  const expiresAt = lives === null ? null : isoSeconds(nowMs + lives * 1000)
  const created = await createApiKey(db, request.name, request.scope, now, expiresAt)
  return {
    id: created.id,
    key: created.key,
    name: created.name,
    scope: created.scope,
    createdAt: created.createdAt,
    expiresAt: created.expiresAt,
  }
}

export async function listKeys(
  db: D1Database,
  page: { limit: number; cursor?: string | undefined },
) {
  const records = await listApiKeys(db, page.limit, readCursor(page.cursor))
  return {
    keys: records.map(({ id, name, scope, createdAt, expiresAt, revokedAt }) => ({
      id,
      name,
      scope,
      createdAt,
      expiresAt,
      revokedAt,
    })),
    cursor: nextCursor(records, page.limit),
  }
}

/**
 * Revokes a key and, unless `keepLinks`, every share and upload link it made: after a leaked
 * key, nothing it made stays live. The key first, so it makes no new link while its links are
 * revoked.
 */
export async function revokeKey(
  db: D1Database,
  links: { shares: Env['SHARES']; uploadLinks: Env['UPLOAD_LINKS'] },
  id: string,
  options: { keepLinks: boolean; now: Date },
): Promise<void> {
  if (!(await revokeApiKey(db, id, options.now))) {
    throw new AppError('not_found', 'No such API key.')
  }
  if (options.keepLinks) return
  const owner = `key:${id}`
  await revokeSharesOf(db, links.shares, owner, options.now.getTime())
  await revokeUploadLinksOf(db, links.uploadLinks, owner, options.now.getTime())
}
