// /v1/upload-links: callers make, list, read (with the files received) and revoke their own
// upload links; the admin lists, reads and revokes every one.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import { PageQuerySchema } from '../lib/cursor'
import {
  errorResponses,
  UploadLinkEditSchema,
  UploadLinkRequestSchema,
  UploadLinkSchema,
} from '../schemas'
import { editUploadLink, refuseNotify } from '../services/link-edits'
import {
  createUploadLink,
  listOwnUploadLinks,
  readOwnUploadLink,
  revokeOwnUploadLink,
  type UploadLinkContext,
} from '../services/upload-links'

const security = [{ bearer: [] }]

function linkContext(c: Context<AppEnv>): UploadLinkContext {
  return {
    principal: c.get('principal'),
    config: c.get('config'),
    db: c.get('db'),
    links: c.get('uploadLinks'),
    origin: new URL(c.req.url).origin,
  }
}

const IdParam = z.object({ id: z.string().max(64) })

export const uploadLinks = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create an upload link',
      description:
        'Create an upload link: people without a key send files into a prefix (the caller must be allowed to put there)',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: UploadLinkRequestSchema } },
        },
      },
      responses: {
        201: {
          description: 'The upload link',
          content: { 'application/json': { schema: UploadLinkSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const request = c.req.valid('json')
      refuseNotify(c.get('config').mail, request.notify)
      return c.json(await createUploadLink(linkContext(c), request), 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List upload links',
      description: "List the caller's own upload links (the admin: every link)",
      security,
      request: { query: PageQuerySchema },
      responses: {
        200: {
          description: 'Upload links in creation order',
          content: {
            'application/json': {
              schema: z.object({
                uploadLinks: z.array(UploadLinkSchema),
                cursor: z.string().nullable(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await listOwnUploadLinks(linkContext(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: 'Read an upload link and its files',
      description: 'Read an upload link with every file it received (key, size, time, client IP)',
      security,
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The upload link and its files',
          content: { 'application/json': { schema: UploadLinkSchema } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await readOwnUploadLink(linkContext(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      summary: 'Edit an upload link',
      description:
        "Change an upload link's expiry, file cap, size per file or message (a field left out stays as it is; null removes it), within the caller's scope as at creation; the cap never below the files received and being sent.",
      security,
      request: {
        params: IdParam,
        body: { required: true, content: { 'application/json': { schema: UploadLinkEditSchema } } },
      },
      responses: {
        200: {
          description: 'The upload link as it is now',
          content: { 'application/json': { schema: UploadLinkSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 410),
      },
    }),
    async (c) => {
      const edit = c.req.valid('json')
      refuseNotify(c.get('config').mail, edit.notify)
      return c.json(await editUploadLink(linkContext(c), c.req.valid('param').id, edit), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke an upload link',
      description: 'Revoke an upload link: the next file is refused (410 upload_link_revoked)',
      security,
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await revokeOwnUploadLink(linkContext(c), c.req.valid('param').id)
      return c.body(null, 204)
    },
  )
