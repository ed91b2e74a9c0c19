// Webhooks: a caller (or the admin) says where events go; Signet signs every delivery with the
// webhook's secret, shown once. A caller's webhook sees only events about objects inside the
// scope it had when it made the webhook; the admin's sees every event. Its owner (or the admin)
// lists, deletes and reads the recent delivery attempts of its webhooks.
import { callerId } from '../auth/caller'
import type { Principal } from '../env'
import { AppError } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { newWebhookSecret } from '../lib/webhook-signature'
import type { WebhookRequest } from '../schemas'
import {
  deleteWebhook,
  getWebhook,
  insertWebhook,
  listWebhooks,
  recentDeliveries,
  type WebhookRecord,
} from '../webhooks/registry'

export type WebhookContext = { principal: Principal; db: D1Database }

/** The admin's webhooks are owned by `admin`. */
function ownerOf(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : callerId(principal)
}

/** https:, or http: to a loopback host (a receiver on the developer's own machine). */
function receiverUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new AppError('invalid_request', 'url must be an absolute https: URL.')
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AppError(
      'invalid_request',
      'url must be https: (http: only to 127.0.0.1, localhost or [::1], for local development).',
    )
  }
  if (url.username || url.password) {
    throw new AppError('invalid_request', 'url must not carry a user name or password.')
  }
  return url.toString()
}

function toApi(hook: WebhookRecord) {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    owner: hook.owner,
    createdAt: hook.createdAt,
  }
}

export async function createWebhook(ctx: WebhookContext, request: WebhookRequest) {
  const hook: WebhookRecord = {
    id: `wh_${base64url(randomBytes(12))}`,
    owner: ownerOf(ctx.principal),
    scope: ctx.principal.kind === 'admin' ? null : ctx.principal.scope,
    url: receiverUrl(request.url),
    events: [...request.events],
    secret: newWebhookSecret(),
    createdAt: new Date().toISOString(),
  }
  await insertWebhook(ctx.db, hook)
  return { ...toApi(hook), secret: hook.secret }
}

export async function listOwnWebhooks(ctx: WebhookContext) {
  const owner = ctx.principal.kind === 'admin' ? null : ownerOf(ctx.principal)
  return { webhooks: (await listWebhooks(ctx.db, owner)).map(toApi) }
}

/** The caller's own webhook (any for the admin); anyone else's is as absent as a missing one. */
async function ownWebhook(ctx: WebhookContext, id: string): Promise<WebhookRecord> {
  const hook = await getWebhook(ctx.db, id)
  if (!hook || (ctx.principal.kind !== 'admin' && hook.owner !== ownerOf(ctx.principal))) {
    throw new AppError('not_found', 'No such webhook.')
  }
  return hook
}

export async function deleteOwnWebhook(ctx: WebhookContext, id: string): Promise<void> {
  const hook = await ownWebhook(ctx, id)
  await deleteWebhook(ctx.db, hook.id, new Date().toISOString())
}

export async function ownDeliveries(ctx: WebhookContext, id: string, limit: number) {
  const hook = await ownWebhook(ctx, id)
  return { deliveries: await recentDeliveries(ctx.db, hook.id, limit) }
}
