// The public types of Signet's API, in one place: what the typed client (`<package>/client`) and
// Workers calling the RPC entrypoint (`<package>/rpc`) send and get back. Types only. The package
// publishes them expanded into plain TypeScript (scripts/api-types.mjs), so a caller type-checks
// with nothing of Signet's source, its schema library or its Env.
import type { ErrorCode, Issue } from './errors'
import type {
  InspectAnswer,
  InspectRequest,
  PresignAnswer,
  PresignRequest,
  Share,
  ShareRequest,
  UploadLink,
  UploadLinkRequest,
} from './schemas'

export type { ErrorCode, Issue } from './errors'
export type { ListedObject, ListPage } from './lib/list-xml'
export type {
  AbortRequest,
  ApiKey,
  BatchResult,
  CompleteAnswer,
  CompleteRequest,
  CorsCheck,
  CorsHints,
  CreatedWebhook,
  Delivery,
  InspectAnswer,
  InspectAnswer as Inspection,
  InspectRequest,
  ListRequest,
  Me,
  MultipartAnswer,
  MultipartRequest,
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
} from './schemas'
export type { PolicyHints } from './stores/policy-hints'

/** One event of the activity feed (GET /v1/events): the webhooks' type and data. */
export type ActivityEvent = {
  id: string
  type:
    | 'object.created'
    | 'share.downloaded'
    | 'share.exhausted'
    | 'share.revoked'
    | 'upload_link.exhausted'
  at: string
  data: { bucket: string; key: string } & Record<string, unknown>
}

/** A POST policy: where the form goes, its fields (before the file), and until when. */
export type PostPolicyAnswer = { url: string; fields: Record<string, string>; expiresAt: string }

/** Why an RPC call was refused: the HTTP API's error code and message (and `issues`). */
export type RpcError = { code: ErrorCode; message: string; issues?: Issue[] }
/** Every RPC method answers a result: its value, or the error the HTTP API would answer. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError }

/** `putObject`'s options: the length is required (the body is streamed, never held whole). */
export type PutObjectOptions = { contentType?: string; contentLength: number }
/** An object stored through the binding. */
export type StoredObject = { bucket: string; key: string; size: number; etag: string }
/** An object read through the binding: its bytes as a stream, and what the store said of it. */
export type ReadObject = {
  bucket: string
  key: string
  body: ReadableStream
  size: number
  etag: string
  contentType: string | null
}

/** What another Worker may call through a service binding to Signet's `SignetRpc` entrypoint. */
export type SignetRpcMethods = {
  presign(request: PresignRequest): Promise<RpcResult<PresignAnswer>>
  presignBatch(items: PresignRequest[]): Promise<RpcResult<RpcResult<PresignAnswer>[]>>
  createShare(request: ShareRequest): Promise<RpcResult<Share>>
  revokeShare(id: string): Promise<RpcResult<{ revoked: true }>>
  createUploadLink(request: UploadLinkRequest): Promise<RpcResult<UploadLink>>
  revokeUploadLink(id: string): Promise<RpcResult<{ revoked: true }>>
  inspect(request: InspectRequest | string): Promise<RpcResult<InspectAnswer>>
  putObject(
    bucket: string,
    key: string,
    body: ReadableStream,
    options: PutObjectOptions,
  ): Promise<RpcResult<StoredObject>>
  getObject(bucket: string, key: string): Promise<RpcResult<ReadObject>>
}
