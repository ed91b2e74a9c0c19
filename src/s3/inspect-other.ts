// The URL doctor for the other signatures a user may bring: Google's GOOG4-RSA-SHA256 and S3's
// SigV2 query authentication. Pure, like inspect.ts: `now` and what Signet holds come in; no
// signature or secret goes out.
import { MAX_EXPIRES_IN } from '../lib/limits'
import { presignGoog4, type ServiceAccount } from './goog4'
import { credentialOf, type Inspection } from './inspection'
import type { SigningCredential } from './sigv4'
import { parseAmzDate } from './verify'
import { verifyPresignedV2 } from './verify-v2'

const METHODS = ['GET', 'PUT', 'HEAD', 'DELETE']

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** A client email shown as its domain's account, the local part masked. */
function maskEmail(email: string): string {
  const at = email.indexOf('@')
  return at > 2 ? `${email.slice(0, 2)}…${email.slice(at)}` : '…'
}

function timing(problems: string[], nowMs: number, endMs: number | null) {
  if (endMs === null) return { expiresAt: null, expired: null, secondsLeft: null }
  const expired = nowMs > endMs
  if (expired) problems.push(`The URL expired at ${iso(endMs)}.`)
  return {
    expiresAt: iso(endMs),
    expired,
    secondsLeft: Math.max(0, Math.floor((endMs - nowMs) / 1000)),
  }
}

/** GOOG4 URLs (Google Cloud Storage, service-account keys). */
export async function inspectGoog4(
  url: URL,
  params: Map<string, string>,
  located: { bucket?: string; key?: string },
  options: {
    now: Date
    accounts: (clientEmail: string) => ServiceAccount | undefined
    method?: string | undefined
    headers?: Record<string, string> | undefined
  },
): Promise<Inspection> {
  const problems: string[] = []
  const algorithm = params.get('X-Goog-Algorithm') ?? null
  const parts = params.get('X-Goog-Credential')?.split('/')
  const signedAtDate = parseAmzDate(params.get('X-Goog-Date') ?? '')
  const expiresText = params.get('X-Goog-Expires')
  const expiresIn = expiresText && /^\d{1,9}$/.test(expiresText) ? Number(expiresText) : null
  for (const name of ['X-Goog-Credential', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-Signature']) {
    if (!params.has(name)) problems.push(`${name} is missing: this is not a complete GOOG4 URL.`)
  }
  if (algorithm !== 'GOOG4-RSA-SHA256' && algorithm !== 'GOOG4-HMAC-SHA256') {
    problems.push(
      `X-Goog-Algorithm is ${algorithm}; GCS signs GOOG4-RSA-SHA256 or GOOG4-HMAC-SHA256.`,
    )
  }
  if (expiresIn !== null && expiresIn > MAX_EXPIRES_IN) {
    problems.push(
      `X-Goog-Expires is ${expiresIn}: GCS allows at most ${MAX_EXPIRES_IN} seconds (7 days).`,
    )
  }
  const signedHeaders = params.get('X-Goog-SignedHeaders')?.split(';').filter(Boolean) ?? []
  const extra = signedHeaders.filter((name) => name !== 'host')
  if (extra.length > 0) {
    problems.push(
      `The client must send these signed headers with exactly the signed values: ${extra.join(', ')}.`,
    )
  }
  const signedMs = signedAtDate?.getTime() ?? null
  const inspection: Inspection = {
    algorithm,
    host: url.host,
    ...located,
    credential: credentialOf(params.get('X-Goog-Credential'), maskEmail),
    signedHeaders,
    signedAt: signedMs === null ? null : iso(signedMs),
    expiresIn,
    ...timing(
      problems,
      options.now.getTime(),
      signedMs !== null && expiresIn !== null ? signedMs + expiresIn * 1000 : null,
    ),
    problems,
  }
  const account = parts ? options.accounts(parts[0] as string) : undefined
  const signature = params.get('X-Goog-Signature')
  if (account && signedAtDate && expiresIn !== null && signature) {
    const query = [...params].filter(([name]) => !name.startsWith('X-Goog-'))
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(([name]) =>
        signedHeaders.includes(name.toLowerCase()),
      ),
    )
    inspection.signatureValid = false
    for (const method of options.method ? [options.method] : METHODS) {
      const signed = await presignGoog4({
        method,
        host: url.host,
        path: url.pathname,
        query,
        headers,
        now: signedAtDate,
        expiresIn,
        account,
      })
      if (signed.endsWith(`&X-Goog-Signature=${signature}`)) {
        inspection.signatureValid = true
        inspection.method = method
        break
      }
    }
    if (!inspection.signatureValid) {
      problems.push('The signature does not match this URL for any method with the headers given.')
    }
  }
  return inspection
}

/** SigV2 query URLs (AWSAccessKeyId, Expires, Signature), as `s3cmd signurl` makes them. */
export async function inspectV2(
  url: URL,
  rawQuery: string,
  params: Map<string, string>,
  located: { bucket?: string; key?: string },
  options: {
    now: Date
    lookup: (accessKeyId: string) => SigningCredential | undefined
    method?: string | undefined
    gatewayHost?: string | undefined
  },
): Promise<Inspection> {
  const problems = [
    "This is a SigV2 URL (HMAC-SHA1): AWS regions opened since 2014 accept only SigV4, and SigV2 sets no limit on expiry. Signet's gateway takes it for GET and HEAD and refuses one that expires more than 7 days ahead.",
  ]
  const expires = params.get('Expires')
  const endMs = expires && /^\d{1,12}$/.test(expires) ? Number(expires) * 1000 : null
  const nowMs = options.now.getTime()
  if (endMs !== null && endMs - nowMs > MAX_EXPIRES_IN * 1000) {
    problems.push("Expires lies more than 7 days ahead: Signet's gateway refuses it.")
  }
  const accessKeyId = params.get('AWSAccessKeyId') ?? ''
  const inspection: Inspection = {
    algorithm: 'AWS-HMAC-SHA1 (SigV2)',
    host: url.host,
    ...located,
    credential: null,
    signedHeaders: [],
    signedAt: null,
    expiresIn: null,
    ...timing(problems, nowMs, endMs),
    problems,
  }
  if (options.lookup(accessKeyId)) {
    const gateway = options.gatewayHost !== undefined && url.host === options.gatewayHost
    const resource =
      gateway && url.pathname.startsWith('/s3/') ? url.pathname.slice(3) : url.pathname
    inspection.signatureValid = false
    for (const method of options.method ? [options.method] : ['GET', 'HEAD']) {
      const verified = await verifyPresignedV2({
        method,
        resource,
        rawQuery,
        headers: new Headers(),
        now: options.now,
        lookup: options.lookup,
      })
      if (
        verified.ok ||
        (verified.reason !== 'signature_mismatch' && verified.reason !== 'method')
      ) {
        inspection.signatureValid = true
        inspection.method = method
        break
      }
    }
  }
  return inspection
}
