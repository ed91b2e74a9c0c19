// SigV4 POST policies (browser form uploads): building the policy and form fields, and checking
// a submitted form against its policy. Pure: time and credentials are passed in. The policy's
// signature is verified before any of its conditions or its expiration is trusted.

import { base64, fromBase64, hex, textEqual, utf8 } from '../lib/bytes'
import { uriEncode } from './encoding'
import { ALGORITHM, amzDate, type SigningCredential, scopeContext } from './sigv4'

export type PolicyCondition =
  | Record<string, string>
  | ['eq' | 'starts-with', string, string]
  | ['content-length-range', number, number]

export type PostPolicyInput = {
  bucket: string
  /** An exact key, or a prefix the uploader completes (`${filename}` works as in S3). */
  key: { exact: string } | { prefix: string }
  minContentLength: number
  maxContentLength: number
  /** An exact Content-Type, or a prefix (`image/`) the uploader's type must start with. */
  contentType?: { exact: string } | { prefix: string }
  /** success_action_status the form will send, if any. */
  successActionStatus?: '200' | '201' | '204'
  region: string
  now: Date
  expiresIn: number
  credential: SigningCredential
}

export type PostPolicy = { fields: Record<string, string>; expiresAt: Date; policy: string }

const encoder = new TextEncoder()

function utf8FromBase64(text: string): string | undefined {
  const bytes = fromBase64(text)
  if (!bytes) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return undefined
  }
}

async function sign(
  credential: SigningCredential,
  date: string,
  region: string,
  text: string,
): Promise<string> {
  const context = scopeContext(credential, date, region, 's3')
  const key = context.key ?? (await context.keyPromise)
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(text)))
}

export async function buildPostPolicy(input: PostPolicyInput): Promise<PostPolicy> {
  const datetime = amzDate(input.now)
  const date = datetime.slice(0, 8)
  const credentialText = `${input.credential.accessKeyId}/${date}/${input.region}/s3/aws4_request`
  const expiresAt = new Date(input.now.getTime() + input.expiresIn * 1000)
  const fields: Record<string, string> = {}
  const conditions: PolicyCondition[] = [{ bucket: input.bucket }]
  if ('exact' in input.key) {
    conditions.push({ key: input.key.exact })
    fields.key = input.key.exact
  } else {
    conditions.push(['starts-with', '$key', input.key.prefix])
    fields.key = `${input.key.prefix}\${filename}`
  }
  conditions.push(['content-length-range', input.minContentLength, input.maxContentLength])
  if (input.contentType && 'exact' in input.contentType) {
    conditions.push({ 'Content-Type': input.contentType.exact })
    fields['Content-Type'] = input.contentType.exact
  } else if (input.contentType) {
    conditions.push(['starts-with', '$Content-Type', input.contentType.prefix])
  }
  if (input.successActionStatus) {
    conditions.push({ success_action_status: input.successActionStatus })
    fields.success_action_status = input.successActionStatus
  }
  conditions.push({ 'x-amz-algorithm': ALGORITHM })
  conditions.push({ 'x-amz-credential': credentialText })
  conditions.push({ 'x-amz-date': datetime })
  fields['x-amz-algorithm'] = ALGORITHM
  fields['x-amz-credential'] = credentialText
  fields['x-amz-date'] = datetime
  if (input.credential.sessionToken) {
    conditions.push({ 'x-amz-security-token': input.credential.sessionToken })
    fields['x-amz-security-token'] = input.credential.sessionToken
  }
  const document = JSON.stringify({
    expiration: expiresAt.toISOString(),
    conditions,
  })
  const policy = base64(utf8(document))
  fields.policy = policy
  fields['x-amz-signature'] = await sign(input.credential, date, input.region, policy)
  return { fields, expiresAt, policy }
}

export type PolicyFailure =
  | 'missing_field'
  | 'malformed'
  | 'unknown_access_key'
  | 'signature_mismatch'
  | 'expired'
  | 'condition_failed'
  | 'extra_field'

export type CheckedPolicy =
  | {
      ok: true
      /** content-length-range, when the policy has one. */
      lengthRange: [number, number] | undefined
      conditions: PolicyCondition[]
    }
  | { ok: false; reason: PolicyFailure; message: string }

function failure(reason: PolicyFailure, message: string): CheckedPolicy {
  return { ok: false, reason, message }
}

/** Form fields S3 never requires a condition for. */
const EXEMPT = new Set(['x-amz-signature', 'policy', 'file', 'awsaccesskeyid', 'signature'])

/**
 * Checks the form fields (lower-cased names, everything before the file) against the policy:
 * signature first, then expiration, then every condition and that no field is uncovered.
 */
export async function checkPostPolicy(input: {
  bucket: string
  fields: Map<string, string>
  now: Date
  lookup: (accessKeyId: string) => SigningCredential | undefined
}): Promise<CheckedPolicy> {
  const field = (name: string) => input.fields.get(name)
  const policy = field('policy')
  const signature = field('x-amz-signature')
  const credentialText = field('x-amz-credential')
  const algorithm = field('x-amz-algorithm')
  const datetime = field('x-amz-date')
  if (
    !policy ||
    !signature ||
    !credentialText ||
    !algorithm ||
    !datetime ||
    field('key') === undefined
  ) {
    return failure(
      'missing_field',
      'The form needs key, policy, x-amz-algorithm, x-amz-credential, x-amz-date and x-amz-signature.',
    )
  }
  if (algorithm !== ALGORITHM) return failure('malformed', `Only ${ALGORITHM} is supported.`)
  const parts = credentialText.split('/')
  if (
    parts.length !== 5 ||
    parts[3] !== 's3' ||
    parts[4] !== 'aws4_request' ||
    parts[1] !== datetime.slice(0, 8)
  ) {
    return failure(
      'malformed',
      'x-amz-credential is not <key>/<date>/<region>/s3/aws4_request for x-amz-date.',
    )
  }
  if (!/^[0-9a-f]{64}$/.test(signature))
    return failure('malformed', 'x-amz-signature is not 64 hex digits.')
  const credential = input.lookup(parts[0] as string)
  if (!credential) return failure('unknown_access_key', 'The access key id is not known here.')
  const expected = await sign(credential, parts[1] as string, parts[2] as string, policy)
  if (!textEqual(expected, signature)) {
    return failure('signature_mismatch', 'The policy signature does not match.')
  }

  // Only now is the document trustworthy.
  const text = utf8FromBase64(policy)
  let document: { expiration?: unknown; conditions?: unknown }
  try {
    document = JSON.parse(text ?? '') as typeof document
  } catch {
    return failure('malformed', 'The policy is not base64 JSON.')
  }
  const expiration =
    typeof document.expiration === 'string' ? Date.parse(document.expiration) : Number.NaN
  if (!Number.isFinite(expiration) || !Array.isArray(document.conditions)) {
    return failure('malformed', 'The policy needs an expiration and conditions.')
  }
  if (input.now.getTime() > expiration)
    return failure('expired', 'Invalid according to Policy: Policy expired.')

  const values = new Map(input.fields)
  values.set('bucket', input.bucket)
  const covered = new Set<string>(['bucket'])
  let lengthRange: [number, number] | undefined
  const conditions = document.conditions as PolicyCondition[]
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [op, a1, a2] = condition
      if (op === 'content-length-range') {
        if (typeof a1 !== 'number' || typeof a2 !== 'number')
          return failure('malformed', 'content-length-range needs two numbers.')
        lengthRange = [a1, a2]
        continue
      }
      if (
        (op !== 'eq' && op !== 'starts-with') ||
        typeof a1 !== 'string' ||
        !a1.startsWith('$') ||
        typeof a2 !== 'string'
      ) {
        return failure('malformed', 'A policy condition is not understood.')
      }
      const name = a1.slice(1).toLowerCase()
      covered.add(name)
      const value = values.get(name) ?? ''
      const ok = op === 'eq' ? value === a2 : value.startsWith(a2)
      if (!ok)
        return failure(
          'condition_failed',
          `Invalid according to Policy: Policy Condition failed: ["${op}", "$${name}", ...]`,
        )
      continue
    }
    if (!condition || typeof condition !== 'object')
      return failure('malformed', 'A policy condition is not understood.')
    for (const [rawName, expectedValue] of Object.entries(condition)) {
      const name = rawName.toLowerCase()
      covered.add(name)
      if (values.get(name) !== expectedValue) {
        return failure(
          'condition_failed',
          `Invalid according to Policy: Policy Condition failed: {"${name}": ...}`,
        )
      }
    }
  }
  for (const name of input.fields.keys()) {
    if (!covered.has(name) && !EXEMPT.has(name) && !name.startsWith('x-ignore-')) {
      return failure(
        'extra_field',
        `Invalid according to Policy: Extra input fields: ${uriEncode(name)}`,
      )
    }
  }
  return { ok: true, lengthRange, conditions }
}
