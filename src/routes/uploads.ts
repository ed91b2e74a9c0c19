// /v1/multipart (start, complete, abort) and /v1/post-policy: validate, then the uploads service.
import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { requireCaller } from '../auth/authenticate'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import {
  AbortRequestSchema,
  CompleteAnswerSchema,
  CompleteRequestSchema,
  ConfirmAnswerSchema,
  ConfirmRequestSchema,
  errorResponses,
  MultipartAnswerSchema,
  MultipartRequestSchema,
  PostPolicyAnswerSchema,
  PostPolicyRequestSchema,
} from '../schemas'
import {
  abortMultipart,
  completeMultipart,
  confirmUpload,
  postPolicy,
  startMultipart,
  type UploadContext,
} from '../services/uploads'

const security = [{ bearer: [] }]

function uploadContext(c: Context<AppEnv>): UploadContext {
  return {
    caller: requireCaller(c),
    config: c.get('config'),
    origin: new URL(c.req.url),
    now: new Date(),
    events: c.env.EVENTS,
  }
}

export const uploads = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/uploads/confirm',
      summary: 'Confirm an upload',
      description:
        'Confirm an upload made straight to the store: Signet asks the store and announces object.created (source confirm)',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: ConfirmRequestSchema } } },
      },
      responses: {
        200: {
          description: 'What the store holds there',
          content: { 'application/json': { schema: ConfirmAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => c.json(await confirmUpload(uploadContext(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart',
      summary: 'Start a multipart upload',
      description: 'Start a multipart upload and presign its UploadPart URLs',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: MultipartRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The upload id and one presigned PUT per part',
          content: { 'application/json': { schema: MultipartAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => c.json(await startMultipart(uploadContext(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart/complete',
      summary: 'Complete a multipart upload',
      description: 'Complete a multipart upload from its parts and their ETags',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: CompleteRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The stored object',
          content: { 'application/json': { schema: CompleteAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => c.json(await completeMultipart(uploadContext(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart/abort',
      summary: 'Abort a multipart upload',
      description: 'Abort a multipart upload; its parts are discarded',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: AbortRequestSchema } } },
      },
      responses: { 204: { description: 'Aborted' }, ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      await abortMultipart(uploadContext(c), c.req.valid('json'))
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/post-policy',
      summary: 'A POST policy for a browser form',
      description: 'A SigV4 POST policy and form fields for a browser upload',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: PostPolicyRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'Where to POST the form, the fields to put before the file, and the expiry',
          content: { 'application/json': { schema: PostPolicyAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => c.json(await postPolicy(uploadContext(c), c.req.valid('json')), 200),
  )
