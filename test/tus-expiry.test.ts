// A tus upload not completed by its Upload-Expires is aborted by the link object's alarm: its
// multipart upload is gone from the bucket (the store refuses a part for it), its place in the
// link is free again, and the upload answers 404.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getConfig, storeFor } from '../src/config'
import type { R2BindingStore } from '../src/stores/r2-binding'
import { call, createKey, FULL_SCOPE } from './helpers'

const MiB = 1024 * 1024

describe('an expired tus upload', () => {
  it('is aborted in the store and frees its place', async () => {
    const { key } = await createKey(FULL_SCOPE, 'tus-expiry')
    const made = await call('/v1/upload-links', {
      token: key,
      json: { bucket: 'local', prefix: 'tus-expiry/', maxFiles: 1 },
    })
    const link = (await made.json()) as { id: string }
    const create = () =>
      call(`/u/${link.id}/tus/`, {
        method: 'POST',
        headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(6 * MiB) },
      })
    const created = await create()
    expect(created.status).toBe(201)
    expect(created.headers.get('Upload-Expires')).toMatch(/GMT$/)
    const location = new URL(created.headers.get('Location') as string).pathname
    const patched = await call(location, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: new Uint8Array(5 * MiB + 100),
    })
    expect(patched.status).toBe(204)
    expect(patched.headers.get('Upload-Offset')).toBe(String(5 * MiB + 100))
    expect((await create()).status).toBe(410)

    const object = env.UPLOAD_LINKS.get(env.UPLOAD_LINKS.idFromName(link.id))
    const held = await runInDurableObject(object, (_, state) => {
      const row = state.storage.sql
        .exec<{ key: string; upload_id: string }>('SELECT key, upload_id FROM tus')
        .one()
      // Its time has come.
      state.storage.sql.exec('UPDATE tus SET expires = 1')
      state.storage.sql.exec('UPDATE slots SET until = 1')
      return row
    })
    expect(await runDurableObjectAlarm(object)).toBe(true)

    const store = storeFor(getConfig(env), 'local') as R2BindingStore
    const { id } = await store.openUploadId(held.key, held.upload_id)
    const part = env.BUCKET_LOCAL.resumeMultipartUpload(held.key, id).uploadPart(2, 'x')
    await expect(part).rejects.toThrow()
    const head = await call(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
    expect(head.status).toBe(404)
    expect((await create()).status).toBe(201)
  })
})

describe('tus creation keeps the link’s rules', () => {
  it('asks for the password and holds the media types, as other uploads do', async () => {
    const { key } = await createKey(FULL_SCOPE, 'tus-rules')
    const made = await call('/v1/upload-links', {
      token: key,
      json: {
        bucket: 'local',
        prefix: 'tus-rules/',
        password: 'correct horse battery',
        contentTypes: ['image/*'],
      },
    })
    const link = (await made.json()) as { id: string }
    const create = (name: string, password?: string) =>
      call(`/u/${link.id}/tus/`, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '4',
          'Upload-Metadata': `filename ${btoa(name)}`,
          ...(password ? { Authorization: `Basic ${btoa(`:${password}`)}` } : {}),
        },
      })
    expect((await create('a.png')).status).toBe(401)
    expect((await create('a.png', 'wrong one!')).status).toBe(401)
    expect((await create('a.pdf', 'correct horse battery')).status).toBe(400)
    const ok = await create('a.png', 'correct horse battery')
    expect(ok.status).toBe(201)
    expect(ok.headers.get('Tus-Resumable')).toBe('1.0.0')
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('*')
    // Another version of the protocol is refused as tus says.
    const old = await call(`/u/${link.id}/tus/`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '0.2.2', 'Upload-Length': '4' },
    })
    expect(old.status).toBe(412)
    expect(old.headers.get('Tus-Version')).toBe('1.0.0')
  })
})
