// PUT /<name> stores the body under thumbs/ through Signet and answers a link to it that works
// three times within an hour. `SignetRpc`'s types come from the package; Service and
// ExportedHandler from @cloudflare/workers-types.
import type { SignetRpc } from 'signet-edge/rpc'

interface Env {
  SIGNET: Service<SignetRpc>
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name = decodeURIComponent(new URL(request.url).pathname.slice(1))
    if (request.method !== 'PUT' || !request.body || !name) {
      return new Response('PUT /<name> with a body', { status: 405 })
    }
    const key = `thumbs/${name}`
    const stored = await env.SIGNET.putObject('local', key, request.body, {
      contentType: request.headers.get('content-type') ?? 'application/octet-stream',
      contentLength: Number(request.headers.get('content-length')),
    })
    if (!stored.ok) return Response.json(stored.error, { status: 400 })
    const share = await env.SIGNET.createShare({
      bucket: 'local',
      key,
      expiresIn: '1h',
      maxDownloads: 3,
    })
    if (!share.ok) return Response.json(share.error, { status: 400 })
    return new Response(`${share.value.url}\n`)
  },
} satisfies ExportedHandler<Env>
