// The OpenAPI entries of the share links (`/s/{id}`, a folder's `/s/{id}/{path}`, the page's POST):
// links.ts serves them outside the typed router (their answers are HTML, JSON, bytes or redirects).
import { z } from '@hono/zod-openapi'
import type { newApp } from '../http/openapi'
import { errorResponses, FolderListingSchema } from '../schemas'

export function documentShareLinks(registry: ReturnType<typeof newApp>['openAPIRegistry']): void {
  for (const method of ['get', 'head'] as const) {
    registry.registerPath({
      method,
      path: '/s/{id}',
      summary: 'Use a share link',
      description:
        'Use a share link: 302 to a presigned GET living at most SIGNET_REDIRECT_SECONDS (redirect mode) or the bytes (proxy mode); a share with a page answers browsers and link-preview bots with its page instead. A folder share answers with its files: a page for browsers, FolderListing JSON for programs, and `?download=zip` with every file as one zip (counted as one download; 413 past SIGNET_ZIP_MAX_FILES or SIGNET_ZIP_MAX_BYTES, before any byte). A password-protected link takes its password as Authorization: Basic with an empty user.',
      request: {
        params: z.object({ id: z.string() }),
        query: z.object({
          preview: z.string().optional().openapi({
            description:
              "The share page's inline preview (image, video, audio, PDF) of a share without maxDownloads: the bytes as that media type, audited as previewed, counting nothing",
          }),
          download: z.literal('zip').optional().openapi({
            description: "A folder share's files as one zip (stored, Zip64, UTF-8 names)",
          }),
          cursor: z.string().optional().openapi({
            description: "A folder share's next page of files (the last page's nextCursor)",
          }),
        }),
      },
      responses: {
        200: {
          description:
            "The object (proxy mode), the share page (HTML, counts nothing) for a browser or link-preview bot, or a folder share's files",
          content: { 'application/json': { schema: FolderListingSchema } },
        },
        206: { description: 'A byte range of the object (proxy mode)' },
        302: { description: 'Redirect to a seconds-lived presigned GET (redirect mode)' },
        304: { description: 'Not modified (proxy mode)' },
        ...errorResponses(401, 403, 404, 410, 413, 429),
      },
    })
    registry.registerPath({
      method,
      path: '/s/{id}/{path}',
      summary: "A folder share's file",
      description:
        "One file of a folder share, by its path under the prefix (each segment percent-encoded, as the listing's url gives it): served as a file share's object is (redirect or proxy, Range, the cache) and counted once. A path that could name anything outside the folder (dot segments, %2F, %2E, backslashes, a leading slash, control characters) is 404 before anything is asked.",
      request: { params: z.object({ id: z.string(), path: z.string() }) },
      responses: {
        200: { description: 'The file (proxy mode)' },
        206: { description: 'A byte range of the file (proxy mode)' },
        302: { description: 'Redirect to a seconds-lived presigned GET (redirect mode)' },
        304: { description: 'Not modified (proxy mode)' },
        ...errorResponses(401, 403, 404, 410, 429),
      },
    })
  }
  registry.registerPath({
    method: 'post',
    path: '/s/{id}',
    summary: "A share page's Download button or password form",
    description:
      "A share page's Download button (downloads and counts, like GET without the page), or its password form (`password=…`, form-encoded: a cookie for this link and 303 back to it)",
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: { description: 'The object (proxy mode)' },
      303: {
        description:
          'Redirect to a seconds-lived presigned GET (redirect mode); after the right password, back to the link with its cookie',
      },
      ...errorResponses(401, 403, 404, 410, 429),
    },
  })
}
