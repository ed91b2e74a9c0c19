// Browser uploads that work on the first try: the bucket CORS rule a page needs for a URL
// (corsHints, in the store's own formats), and the CORS doctor, which sends the browser's
// preflight to the store (only to the endpoint of a bucket in the caller's scope) and names what
// the store refuses.
import type { Config } from '../config'
import {
  type CorsRequest,
  corsRules,
  gatewayPreflight,
  type Missing,
  needsPreflight,
  type PreflightAnswer,
  preflightHeaders,
  readPreflight,
  refusedBy,
} from '../lib/cors'
import { CORS_PREFLIGHT_TIMEOUT_MS, MAX_CORS_PREFLIGHTS } from '../lib/limits'
import type { Timing } from '../lib/timing'
import type { CorsCheck, CorsHints } from '../schemas'
import type { Store } from '../stores/store'

/** What the page does with the URL, for the notes. */
export type CorsUse = 'object' | 'multipart' | 'post'

/** The hints for a page on `request.origin` using a URL of `store` this way. */
export function corsHintsFor(
  store: Store,
  config: Config,
  request: CorsRequest,
  use: CorsUse,
): CorsHints {
  const { requestHeaders, rules } = corsRules(request, store.corsFormats)
  const preflight = needsPreflight(request.method, requestHeaders)
  const ruleNeeded = store.corsFormats.length > 0
  const notes: string[] = []
  const hints: CorsHints = {
    origin: request.origin,
    method: request.method,
    requestHeaders,
    preflight,
    exposeHeaders: [...request.expose],
    ruleNeeded,
    notes,
  }
  const bucket = store.bucketName
  if (rules.s3) {
    const endpoint = store.awsCliEndpoint
    hints.s3 = {
      ...rules.s3,
      command: `aws s3api put-bucket-cors --bucket ${bucket} --cors-configuration file://cors.json${
        endpoint === undefined ? '' : ` --endpoint-url ${endpoint}`
      }`,
    }
  }
  if (rules.r2) {
    hints.r2 = {
      ...rules.r2,
      command: `npx wrangler r2 bucket cors set ${bucket} --file cors.json`,
    }
  }
  if (rules.gcs) {
    hints.gcs = {
      ...rules.gcs,
      command: `gcloud storage buckets update gs://${bucket} --cors-file=cors.json`,
    }
  }
  if (!ruleNeeded) {
    notes.push(
      "This bucket is served by Signet's gateway, which answers preflights itself for every origin and the headers asked for: no CORS rule is needed.",
    )
  } else {
    notes.push(
      "Each command replaces the bucket's whole CORS configuration: add this rule to the rules the bucket already has (aws s3api get-bucket-cors, wrangler r2 bucket cors list, gcloud storage buckets describe).",
    )
    if (!preflight) {
      notes.push(
        `A ${request.method} with these headers is sent without a preflight, but the browser lets the page read the answer only when the store allows the origin: the same rule does that. A plain link or <img> needs no rule.`,
      )
    }
  }
  if (use === 'multipart') {
    notes.push(
      "Only the part PUTs go to the store; complete and abort go through Signet's API. The page reads each part's ETag to complete the upload, so the rule exposes ETag.",
    )
  }
  if (!config.corsOrigins.has(request.origin)) {
    notes.push(
      `${request.origin} is not in SIGNET_CORS_ORIGINS, so a page there cannot call Signet's API itself: its backend asks Signet for URLs.`,
    )
  }
  return hints
}

/** Where the doctor sends preflights: a bucket of the caller's scope whose URL this is. */
export function storeAddressed(
  config: Config,
  buckets: readonly string[],
  url: URL,
  signetOrigin: string,
): Store | undefined {
  for (const name of buckets) {
    const store = config.stores.get(name)
    if (store?.addresses(url, signetOrigin)) return store
  }
  return undefined
}

type Sent = { ok: true; answer: PreflightAnswer } | { ok: false; error: string }

/** One preflight as the browser sends it; its answer's CORS headers, or why there is none. */
async function sendPreflight(
  url: string,
  origin: string,
  method: string,
  headers: readonly string[],
): Promise<Sent> {
  const request = new Headers({ Origin: origin, 'Access-Control-Request-Method': method })
  if (headers.length > 0) request.set('Access-Control-Request-Headers', headers.join(','))
  try {
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: request,
      redirect: 'manual',
      signal: AbortSignal.timeout(CORS_PREFLIGHT_TIMEOUT_MS),
    })
    await response.body?.cancel()
    return { ok: true, answer: readPreflight(response.status, response.headers) }
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    return {
      ok: false,
      error: timedOut
        ? `timeout: the store did not answer the preflight within ${CORS_PREFLIGHT_TIMEOUT_MS / 1000} s`
        : 'network: the store could not be reached',
    }
  }
}

export type DoctorRequest = {
  url: URL
  origin: string
  method: string
  /** Headers the page sends (names; values where known). */
  headers: Readonly<Record<string, string | undefined>>
}

/**
 * The CORS doctor. The preflight goes to the URL itself (the store answers for its bucket); when
 * the store refuses without saying what (S3 answers 403), a few more preflights find out: without
 * the headers (is it the origin or method?), then one per header. The gateway's answer is its
 * own, computed here without a request.
 */
export async function checkCors(
  store: Store,
  config: Config,
  request: DoctorRequest,
  timing: Timing | undefined,
): Promise<CorsCheck> {
  const { origin, method } = request
  const requestHeaders = preflightHeaders(request.headers)
  const fix = corsHintsFor(store, config, { ...request, expose: ['ETag'] }, 'object')
  let preflights = 0
  const ask = async (headers: readonly string[]): Promise<Sent> => {
    if (store.corsFormats.length === 0) {
      const answer = gatewayPreflight(headers.length > 0 ? headers.join(',') : null)
      return { ok: true, answer: readPreflight(204, answer) }
    }
    preflights++
    const send = () => sendPreflight(request.url.href, origin, method, headers)
    return timing ? timing.measure('fetch', send) : send()
  }
  const check: CorsCheck = {
    checked: false,
    allowed: null,
    origin,
    method,
    requestHeaders,
    status: null,
    allowOrigin: null,
    allowMethods: [],
    allowHeaders: [],
    missing: [],
    fix: null,
    preflights: 0,
    error: null,
  }
  const full = await ask(requestHeaders)
  if (!full.ok) return { ...check, preflights, error: full.error, fix }
  Object.assign(check, { checked: true, ...full.answer })
  let missing = refusedBy(full.answer, origin, method, requestHeaders)
  if (missing === undefined) missing = await diagnose(ask, origin, method, requestHeaders)
  const allowed = missing.length === 0
  return { ...check, allowed, missing, fix: allowed ? null : fix, preflights }
}

/** The store refused without saying what: ask again with less to find out. */
async function diagnose(
  ask: (headers: readonly string[]) => Promise<Sent>,
  origin: string,
  method: string,
  requestHeaders: readonly string[],
): Promise<Missing[]> {
  const everything: Missing[] = [
    { kind: 'origin', value: origin },
    { kind: 'method', value: method },
    ...requestHeaders.map((value): Missing => ({ kind: 'header', value })),
  ]
  if (requestHeaders.length === 0 || requestHeaders.length > MAX_CORS_PREFLIGHTS - 2) {
    return everything
  }
  const bare = await ask([])
  if (!bare.ok || refusedBy(bare.answer, origin, method, [])?.length !== 0) return everything
  // Origin and method pass: one preflight per header says which the store refuses.
  const single = await Promise.all(requestHeaders.map((name) => ask([name])))
  return requestHeaders.flatMap((value, index): Missing[] => {
    const sent = single[index] as Sent
    const refused = !sent.ok || refusedBy(sent.answer, origin, method, [value])?.length !== 0
    return refused ? [{ kind: 'header', value }] : []
  })
}
