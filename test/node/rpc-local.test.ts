// A Worker of yours beside Signet, locally, with one command (`npm start -- --with
// examples/worker/wrangler.toml`): the example Worker of docs/CLIENT.md stores a file through the
// RPC binding and answers a share link made over it, which works three times.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startLocalDefault } from './worker-server'

const ROOT = join(import.meta.dirname, '..', '..')

describe('your Worker beside Signet under npm start', () => {
  const state = mkdtempSync(join(tmpdir(), 'signet-side-by-side-'))
  let stop: (() => Promise<void>) | undefined
  afterAll(async () => {
    await stop?.()
    rmSync(state, { recursive: true, force: true })
  })

  it('stores through putObject and shares through createShare, over the binding', async () => {
    const server = await startLocalDefault(state, ROOT, [
      '--with',
      join(ROOT, 'examples', 'worker', 'wrangler.toml'),
    ])
    stop = server.stop
    const port = Number(new URL(server.origin).port)
    const companion = `http://127.0.0.1:${port + 1}`
    expect(server.output()).toContain(`on http://localhost:${port + 1}, bound to Signet`)
    let answer: Response | undefined
    for (let i = 0; i < 120 && answer === undefined; i++) {
      answer = await fetch(`${companion}/side by side.txt`, {
        method: 'PUT',
        body: 'made beside Signet',
        headers: { 'Content-Type': 'text/plain' },
      }).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 500))
        return undefined
      })
    }
    expect(answer?.status, await answer?.clone().text()).toBe(200)
    const link = (await answer?.text())?.trim() ?? ''
    // The link points at Signet itself (SIGNET_PUBLIC_ORIGIN, set by npm start).
    expect(link).toMatch(new RegExp(`^http://localhost:${port}/s/[A-Za-z0-9_-]{22}$`))
    const local = link.replace('localhost', '127.0.0.1')
    for (let i = 0; i < 3; i++) {
      const used = await fetch(local)
      expect(used.status).toBe(200)
      expect(await used.text()).toBe('made beside Signet')
    }
    expect((await fetch(local)).status).toBe(410)
  }, 180_000)
})
