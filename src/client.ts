// A typed client for TypeScript callers of a deployed Signet: the same request and answer types
// the service validates with, no runtime dependencies beyond fetch. Errors carry the contract's
// code, status and request id.
import type {
  AbortRequest,
  ActivityEvent,
  ApiKey,
  BatchResult,
  CompleteAnswer,
  CompleteRequest,
  CreatedWebhook,
  Delivery,
  ErrorCode,
  Inspection,
  Issue,
  ListPage,
  ListRequest,
  Me,
  MultipartAnswer,
  MultipartRequest,
  PostPolicyAnswer,
  PostPolicyRequest,
  PresignAnswer,
  PresignRequest,
  RefusalSummary,
  Scope,
  Share,
  ShareEdit,
  ShareRequest,
  ShareStats,
  ShareUse,
  UploadLink,
  UploadLinkEdit,
  UploadLinkRequest,
  Webhook,
  WebhookRequest,
} from './api'
import { parseListPage } from './lib/list-xml'

export type * from './api'

export class SignetError extends Error {
  readonly code: ErrorCode | 'network_error'
  readonly status: number
  readonly requestId: string | undefined
  readonly issues: Issue[] | undefined
  constructor(
    status: number,
    code: ErrorCode | 'network_error',
    message: string,
    requestId?: string,
    issues?: Issue[],
  ) {
    super(message)
    this.name = 'SignetError'
    this.status = status
    this.code = code
    this.requestId = requestId
    this.issues = issues
  }
}

/** A request that got no answer: the origin it went to and why (fetch's own words). */
function unreachable(origin: string, error: unknown): SignetError {
  const cause =
    error instanceof Error ? (error.cause instanceof Error ? error.cause : error) : error
  const why = cause instanceof Error ? cause.message : 'fetch failed'
  return new SignetError(0, 'network_error', `cannot reach Signet at ${origin}: ${why}`)
}

/** Signet's answer as JSON (undefined for 204), or its error as a SignetError. */
export async function signetAnswer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  const parsed = (await response.json().catch(() => undefined)) as
    | { error?: { code: ErrorCode; message: string; requestId?: string; issues?: Issue[] } }
    | undefined
  if (!response.ok) {
    const error = parsed?.error
    throw new SignetError(
      response.status,
      error?.code ?? 'internal_error',
      error?.message ?? `HTTP ${response.status}`,
      error?.requestId,
      error?.issues,
    )
  }
  return parsed as T
}

export type SignetClientOptions = {
  /** Signet's origin, e.g. https://signet.example.com */
  url: string
  /** An API key, a JWT, or (for `keys`) the admin token; '' behind Cloudflare Access. */
  token: string
  fetch?: typeof fetch
}

export class SignetClient {
  private readonly origin: string
  private readonly token: string
  private readonly fetcher: typeof fetch

  constructor(options: SignetClientOptions) {
    this.origin = new URL(options.url).origin
    this.token = options.token
    this.fetcher = options.fetch ?? fetch.bind(globalThis)
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await this.fetcher(`${this.origin}${path}`, {
        method,
        headers: {
          // No token: a page behind Cloudflare Access, which vouches for the person itself.
          ...(this.token === '' ? {} : { Authorization: `Bearer ${this.token}` }),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (error) {
      throw unreachable(this.origin, error)
    }
    return signetAnswer<T>(response)
  }

  /** Who this token is and its scope. */
  me(): Promise<Me> {
    return this.request('GET', '/v1/me')
  }

  presign(request: PresignRequest): Promise<PresignAnswer> {
    return this.request('POST', '/v1/presign', request)
  }

  async presignBatch(items: PresignRequest[]): Promise<BatchResult[]> {
    return (await this.request<{ results: BatchResult[] }>('POST', '/v1/presign/batch', { items }))
      .results
  }

  /** A presigned ListObjectsV2 URL of a prefix (the scope's `list` operation). */
  presignList(request: ListRequest): Promise<{ url: string; expiresAt: string }> {
    return this.request('POST', '/v1/presign/list', request)
  }

  /**
   * The objects (and, with `delimiter: '/'`, the folders) under a prefix, page by page: each
   * page presigned by Signet and read from the store.
   */
  async *list(request: Omit<ListRequest, 'continuationToken'>): AsyncGenerator<ListPage> {
    let token: string | undefined
    do {
      const { url } = await this.presignList({
        ...request,
        ...(token === undefined ? {} : { continuationToken: token }),
      })
      const answer = await this.fetcher(url).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error)
        throw new SignetError(
          0,
          'network_error',
          `cannot reach the store at ${new URL(url).origin}: ${why}`,
        )
      })
      const xml = await answer.text()
      if (!answer.ok) {
        const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? 'error'
        throw new SignetError(
          answer.status,
          answer.status >= 500
            ? 'store_unavailable'
            : answer.status === 404
              ? 'not_found'
              : 'forbidden',
          `The store refused the listing (${answer.status} ${code}).`,
        )
      }
      const page = parseListPage(xml)
      yield page
      token = page.next ?? undefined
    } while (token !== undefined)
  }

  createShare(request: ShareRequest): Promise<Share> {
    return this.request('POST', '/v1/shares', request)
  }

  getShare(id: string): Promise<Share> {
    return this.request('GET', `/v1/shares/${encodeURIComponent(id)}`)
  }

  /** Your share links (the admin: everyone's, or `owner`'s). */
  listShares(
    options: { limit?: number; cursor?: string; owner?: string } = {},
  ): Promise<{ shares: Share[]; cursor: string | null }> {
    const query = new URLSearchParams()
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    if (options.owner !== undefined) query.set('owner', options.owner)
    return this.request('GET', `/v1/shares?${query}`)
  }

  /** Changes a share's expiry, cap, password, allowed IPs or message (null removes one). */
  editShare(id: string, edit: ShareEdit): Promise<Share> {
    return this.request('PATCH', `/v1/shares/${encodeURIComponent(id)}`, edit)
  }

  revokeShare(id: string): Promise<void> {
    return this.request('DELETE', `/v1/shares/${encodeURIComponent(id)}`)
  }

  /** A share's audit trail, oldest first, after the use numbered `after`. */
  shareUses(
    id: string,
    options: { limit?: number; after?: number } = {},
  ): Promise<{ uses: ShareUse[]; refusals: RefusalSummary[] }> {
    const query = new URLSearchParams()
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.after !== undefined) query.set('after', String(options.after))
    return this.request('GET', `/v1/shares/${encodeURIComponent(id)}/uses?${query}`)
  }

  /**
   * What happened to your links (the admin: to every link), newest last: the newest `limit`
   * without `after`, else the ones after that cursor. Poll with the cursor it answers.
   */
  events(
    options: { after?: string; limit?: number } = {},
  ): Promise<{ events: ActivityEvent[]; cursor: string }> {
    const query = new URLSearchParams()
    if (options.after !== undefined) query.set('after', options.after)
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    return this.request('GET', `/v1/events?${query}`)
  }

  /** A share's views, previews and downloads, per UTC day and per country. */
  shareStats(id: string): Promise<ShareStats> {
    return this.request('GET', `/v1/shares/${encodeURIComponent(id)}/stats`)
  }

  /** Upload links: people without a key send files into a prefix. */
  readonly uploadLinks = {
    create: (request: UploadLinkRequest): Promise<UploadLink> =>
      this.request('POST', '/v1/upload-links', request),
    /** With every file the link received. */
    get: (id: string): Promise<UploadLink> =>
      this.request('GET', `/v1/upload-links/${encodeURIComponent(id)}`),
    list: (
      options: { limit?: number; cursor?: string } = {},
    ): Promise<{ uploadLinks: UploadLink[]; cursor: string | null }> => {
      const query = new URLSearchParams()
      if (options.limit !== undefined) query.set('limit', String(options.limit))
      if (options.cursor !== undefined) query.set('cursor', options.cursor)
      return this.request('GET', `/v1/upload-links?${query}`)
    },
    /** Changes a link's expiry, file cap, size per file or message (null removes one). */
    edit: (id: string, edit: UploadLinkEdit): Promise<UploadLink> =>
      this.request('PATCH', `/v1/upload-links/${encodeURIComponent(id)}`, edit),
    revoke: (id: string): Promise<void> =>
      this.request('DELETE', `/v1/upload-links/${encodeURIComponent(id)}`),
  }

  readonly multipart = {
    start: (request: MultipartRequest): Promise<MultipartAnswer> =>
      this.request('POST', '/v1/multipart', request),
    complete: (request: CompleteRequest): Promise<CompleteAnswer> =>
      this.request('POST', '/v1/multipart/complete', request),
    abort: (request: AbortRequest): Promise<void> =>
      this.request('POST', '/v1/multipart/abort', request),
  }

  postPolicy(request: PostPolicyRequest): Promise<PostPolicyAnswer> {
    return this.request('POST', '/v1/post-policy', request)
  }

  inspect(
    url: string,
    options: { method?: string; headers?: Record<string, string>; origin?: string } = {},
  ): Promise<Inspection> {
    return this.request('POST', '/v1/inspect', { url, ...options })
  }

  /** Webhooks: signed deliveries of your links' events to a receiver of yours. */
  readonly webhooks = {
    create: (request: WebhookRequest): Promise<CreatedWebhook> =>
      this.request('POST', '/v1/webhooks', request),
    list: (): Promise<{ webhooks: Webhook[] }> => this.request('GET', '/v1/webhooks'),
    delete: (id: string): Promise<void> =>
      this.request('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`),
    deliveries: (id: string): Promise<{ deliveries: Delivery[] }> =>
      this.request('GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries`),
  }

  readonly keys = {
    /** A key for `scope`; with `expiresIn` (or `expiresAt`) it stops working then. */
    create: (
      name: string,
      scope: Scope,
      expiry: { expiresIn?: number | string; expiresAt?: string } = {},
    ): Promise<ApiKey & { key: string }> =>
      this.request('POST', '/v1/keys', { name, scope, ...expiry }),
    list: (
      options: { limit?: number; cursor?: string } = {},
    ): Promise<{ keys: ApiKey[]; cursor: string | null }> => {
      const query = new URLSearchParams()
      if (options.limit !== undefined) query.set('limit', String(options.limit))
      if (options.cursor !== undefined) query.set('cursor', options.cursor)
      return this.request('GET', `/v1/keys?${query}`)
    },
    /** Revokes a key and, unless `keepLinks`, the share and upload links it made. */
    revoke: (id: string, options: { keepLinks?: boolean } = {}): Promise<void> =>
      this.request(
        'DELETE',
        `/v1/keys/${encodeURIComponent(id)}${options.keepLinks ? '?keepLinks=true' : ''}`,
      ),
  }
}

/** A share link's state, in the words every surface uses. */
export type ShareState = 'active' | 'revoked' | 'expired' | 'used up'

/** An upload link's state, in the words every surface uses. */
export function uploadLinkState(link: UploadLink, now = Date.now()): ShareState {
  if (link.revokedAt) return 'revoked'
  if (Date.parse(link.expiresAt) <= now) return 'expired'
  if (link.maxFiles !== null && link.fileCount >= link.maxFiles) return 'used up'
  return 'active'
}

export function shareState(share: Share, now = Date.now()): ShareState {
  if (share.revokedAt) return 'revoked'
  if (Date.parse(share.expiresAt) <= now) return 'expired'
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return 'used up'
  return 'active'
}
