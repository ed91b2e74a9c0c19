// Webhook signatures as the Standard Webhooks specification writes them, so a receiver verifies
// them with the `standardwebhooks` library of its language: a secret `whsec_<base64>`, and the
// headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
// (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`). Pure, on Web Crypto.
import { base64, fromBase64, hmacSha256, randomBytes } from './bytes'

const PREFIX = 'whsec_'

/** A new signing secret: 24 random bytes. Shown once to whoever made the webhook. */
export function newWebhookSecret(): string {
  return `${PREFIX}${base64(randomBytes(24))}`
}

/** Whether text is a secret this module made (or one in the same form). */
export function isWebhookSecret(text: string): boolean {
  if (!text.startsWith(PREFIX)) return false
  const key = fromBase64(text.slice(PREFIX.length))
  return key !== undefined && key.length >= 16
}

/** The headers that sign one delivery of `body`. */
export async function webhookHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const key = fromBase64(secret.slice(PREFIX.length))
  if (!secret.startsWith(PREFIX) || !key) throw new Error('not a webhook secret')
  const mac = await hmacSha256(key, `${id}.${timestampSeconds}.${body}`)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${base64(mac)}`,
  }
}
