// CORS on the API: the origins in SIGNET_CORS_ORIGINS (here https://app.example) may call /v1/*
// from a browser; their preflights are answered without a token. Other origins get no CORS
// headers at all. /s3 keeps its own rule.
import { describe, expect, it } from 'vitest'
import { call, createKey } from './helpers'

const APP = 'https://app.example'

function preflight(origin: string, path = '/v1/presign') {
  return call(path, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    },
  })
}

function corsHeaders(response: Response): string[] {
  return [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))
}

describe('CORS on /v1', () => {
  it('answers a preflight from a configured origin with 204 and the headers it needs', async () => {
    const response = await preflight(APP)
    expect(response.status).toBe(204)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(APP)
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('POST')
    expect(response.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toBe(
      'authorization,content-type',
    )
    expect(response.headers.get('Access-Control-Max-Age')).toBe('600')
    expect(response.headers.get('Vary')).toContain('Origin')
  })

  it('gives any other origin no CORS headers, on preflights and on answers', async () => {
    for (const origin of [
      'https://evil.example',
      'https://app.example.evil',
      'null',
      'http://app.example',
    ]) {
      const response = await preflight(origin)
      expect(response.status).toBe(401)
      expect(corsHeaders(response), origin).toEqual([])
    }
    const { key } = await createKey()
    const answer = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'cors/a.txt' },
      headers: { Origin: 'https://evil.example' },
    })
    expect(answer.status).toBe(200)
    expect(corsHeaders(answer)).toEqual([])
  })

  it('lets the configured origin read answers and errors', async () => {
    const { key } = await createKey()
    const answer = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'cors/b.txt' },
      headers: { Origin: APP },
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('Access-Control-Allow-Origin')).toBe(APP)
    expect(answer.headers.get('Vary')).toContain('Origin')
    expect(answer.headers.get('Access-Control-Expose-Headers')).toContain('X-Request-Id')
    const refused = await call('/v1/presign', {
      json: { bucket: 'local', key: 'cors/b.txt' },
      headers: { Origin: APP },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBe(APP)
  })

  it('leaves the gateway its own rule', async () => {
    const response = await preflight('https://evil.example', '/s3/local/cors/c.txt')
    expect(response.status).toBe(204)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*')
  })
})
