// Webhooks: a caller (or the admin) says where events go; Signet signs every delivery with the
// webhook's secret, shown once. A caller's webhook sees only events about objects inside the
// scope it had when it made the webhook; the admin's sees every event. Its owner (or the admin)
// lists, deletes and reads the recent delivery attempts of its webhooks.
import { callerId } from '../auth/caller'
import type { Principal } from '../env'
import { AppError } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { hostKind } from '../lib/special-addresses'
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

export type WebhookContext = { principal: Principal; db: D1Database; development: boolean }

/** The admin's webhooks are owned by `admin`. */
function ownerOf(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : callerId(principal)
}

/** A receiver URL that is refused: 400 naming the field, never echoing the URL. */
function badReceiver(message: string): AppError {
  return new AppError('invalid_request', `url ${message}.`, { issues: [{ path: 'url', message }] })
}

/**
 * https: to a host outside every special-purpose range; loopback (http: or https:) only with
 * SIGNET_DEVELOPMENT, for a receiver on the developer's own machine. Workers cannot reach private
 * addresses anyway: this is defence in depth, and keeps the registry of receivers honest.
 */
function receiverUrl(text: string, development: boolean): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw badReceiver('is not an absolute https: URL')
  }
  if (url.username || url.password) throw badReceiver('must not carry a user name or password')
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badReceiver('must be https:')
  // The parser has normalised the host: 2130706433, 0x7f.0.0.1 and [::ffff:7f00:1] are 127.0.0.1.
  const kind = hostKind(url.hostname)
  if (kind === 'loopback') {
    if (development) return url.toString()
    throw badReceiver('must not be a loopback address (taken only with SIGNET_DEVELOPMENT)')
  }
  if (kind === 'special') {
    throw badReceiver('must not be a private, link-local, multicast or reserved address')
  }
  if (url.protocol !== 'https:') throw badReceiver('must be https:')
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
    url: receiverUrl(request.url, ctx.development),
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
