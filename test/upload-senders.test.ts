// A sender's name and note: the upload page asks for both (optional); a PUT carries them as
// Signet-Sender and Signet-Note (percent-encoded UTF-8). They are kept with the object as its
// metadata and with the file in the link's list, and a bad one is refused before any byte is
// stored.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE, sendParts } from './helpers'

async function makeLink() {
  const { key } = await createKey(FULL_SCOPE)
  const prefix = `senders/${crypto.randomUUID()}/`
  const made = await call('/v1/upload-links', { token: key, json: { bucket: 'local', prefix } })
  expect(made.status).toBe(201)
  return { key, prefix, link: (await made.json()) as { id: string } }
}

function put(id: string, name: string, headers: Record<string, string>) {
  const body = new TextEncoder().encode('the scan')
  return call(`/u/${id}/${name}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Length': String(body.length), ...headers },
  })
}

type Files = { files: { key: string; sender: string | null; note: string | null }[] }

describe("a sender's name and note", () => {
  it('are kept with the file and the object, from a PUT and from the page’s multipart upload', async () => {
    const { key, prefix, link } = await makeLink()
    const sent = await put(link.id, 'scan.pdf', {
      'Signet-Sender': encodeURIComponent('Zoë Müller'),
      'Signet-Note': encodeURIComponent('Page 2 is upside down, sorry!'),
    })
    expect(sent.status, await sent.clone().text()).toBe(201)
    expect((await put(link.id, 'plain.pdf', {})).status).toBe(201)

    const started = await call(`/u/${link.id}/uploads`, {
      json: { name: 'big.bin', size: 6 * 1024 * 1024, sender: 'Ana', note: 'the video' },
    })
    expect(started.status, await started.clone().text()).toBe(200)
    const upload = (await started.json()) as {
      slot: string
      uploadId: string
      parts: { partNumber: number; url: string; headers: Record<string, string> }[]
    }
    const parts = await sendParts(upload.parts, new Uint8Array(6 * 1024 * 1024).fill(1))
    const done = await call(`/u/${link.id}/uploads/complete`, {
      json: { slot: upload.slot, uploadId: upload.uploadId, parts },
    })
    expect(done.status, await done.clone().text()).toBe(201)

    const read = await call(`/v1/upload-links/${link.id}`, { token: key })
    const { files } = (await read.json()) as Files
    expect(files.map((file) => [file.key, file.sender, file.note])).toEqual([
      [`${prefix}scan.pdf`, 'Zoë Müller', 'Page 2 is upside down, sorry!'],
      [`${prefix}plain.pdf`, null, null],
      [`${prefix}big.bin`, 'Ana', 'the video'],
    ])
    const stored = await env.BUCKET_LOCAL.head(`${prefix}scan.pdf`)
    expect(stored?.customMetadata).toEqual({
      sender: encodeURIComponent('Zoë Müller'),
      note: encodeURIComponent('Page 2 is upside down, sorry!'),
    })
    expect((await env.BUCKET_LOCAL.head(`${prefix}big.bin`))?.customMetadata).toEqual({
      sender: 'Ana',
      note: 'the%20video',
    })
  })

  it('are refused when too long or not percent-encoded UTF-8, and nothing is stored', async () => {
    const { prefix, link } = await makeLink()
    const long = await put(link.id, 'a.pdf', { 'Signet-Sender': 'x'.repeat(101) })
    expect((await expectError(long, 400, 'invalid_request')).message).toContain('Signet-Sender')
    await expectError(
      await put(link.id, 'b.pdf', { 'Signet-Note': '%E0%A4%A' }),
      400,
      'invalid_request',
    )
    await expectError(
      await call(`/u/${link.id}/uploads`, {
        json: { name: 'c.bin', size: 10, note: 'y'.repeat(1001) },
      }),
      400,
      'invalid_request',
    )
    expect((await env.BUCKET_LOCAL.list({ prefix })).objects).toEqual([])
  })
})
