// CORS as the Fetch standard has browsers do it, and the rules Signet writes for stores.
import { describe, expect, it } from 'vitest'
import {
  corsRules,
  gatewayPreflight,
  needsPreflight,
  parseOrigin,
  preflightHeaders,
  readPreflight,
  refusedBy,
} from '../../src/lib/cors'

const APP = 'https://app.example'

describe('the headers a browser names in its preflight', () => {
  it('leaves out forbidden and safelisted headers, lower-cases and sorts the rest', () => {
    expect(
      preflightHeaders({
        'X-Amz-Meta-Owner': 'me',
        'Content-Length': '12',
        Host: 'x',
        'Content-Type': 'application/json',
        'x-amz-checksum-sha256': 'abc',
        'If-None-Match': '*',
        'Sec-Fetch-Mode': 'cors',
        'Proxy-Authorization': 'x',
      }),
    ).toEqual(['content-type', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-meta-owner'])
  })

  it('treats Content-Type as safelisted only for the three form types, by value', () => {
    expect(preflightHeaders({ 'Content-Type': 'text/plain; charset=utf-8' })).toEqual([])
    expect(preflightHeaders({ 'Content-Type': 'multipart/form-data; boundary=x' })).toEqual([])
    expect(preflightHeaders({ 'Content-Type': 'TEXT/PLAIN' })).toEqual([])
    expect(preflightHeaders({ 'Content-Type': 'image/png' })).toEqual(['content-type'])
    // A value with a CORS-unsafe byte, or too long, or unknown, is not safelisted.
    expect(preflightHeaders({ 'Content-Type': 'text/plain; x="a(b)"' })).toEqual(['content-type'])
    expect(preflightHeaders({ 'Content-Type': `text/plain; x=${'a'.repeat(130)}` })).toEqual([
      'content-type',
    ])
    expect(preflightHeaders({ 'content-type': undefined })).toEqual(['content-type'])
  })

  it('knows the other safelisted headers and their value rules', () => {
    expect(preflightHeaders({ Accept: 'text/html', 'Content-Language': 'en-GB' })).toEqual([])
    expect(preflightHeaders({ Range: 'bytes=0-99' })).toEqual([])
    expect(preflightHeaders({ Range: 'bytes=0-9, 20-29' })).toEqual(['range'])
    expect(preflightHeaders({ 'Content-Language': 'en(GB)' })).toEqual(['content-language'])
  })

  it('preflights any method but GET, HEAD and POST, and any named header', () => {
    expect(needsPreflight('GET', [])).toBe(false)
    expect(needsPreflight('POST', [])).toBe(false)
    expect(needsPreflight('PUT', [])).toBe(true)
    expect(needsPreflight('DELETE', [])).toBe(true)
    expect(needsPreflight('GET', ['x-amz-meta-a'])).toBe(true)
  })
})

describe('the rule in each format', () => {
  const request = {
    origin: APP,
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', 'x-amz-meta-owner': 'me' },
    expose: ['ETag'],
  }

  it('writes S3 PutBucketCors JSON and XML with exactly the origin, method and headers', () => {
    const { requestHeaders, rules } = corsRules(request, ['s3'])
    expect(requestHeaders).toEqual(['content-type', 'x-amz-meta-owner'])
    expect(rules.s3?.json).toEqual({
      CORSRules: [
        {
          AllowedOrigins: [APP],
          AllowedMethods: ['PUT'],
          AllowedHeaders: ['content-type', 'x-amz-meta-owner'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: 3000,
        },
      ],
    })
    expect(rules.s3?.xml).toBe(
      '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>' +
        `<AllowedOrigin>${APP}</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>` +
        '<AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-meta-owner</AllowedHeader>' +
        '<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>',
    )
    expect(rules.r2).toBeUndefined()
    expect(rules.gcs).toBeUndefined()
  })

  it("writes wrangler's R2 rules and GCS's cors list", () => {
    const { rules } = corsRules(request, ['r2', 'gcs'])
    expect(rules.s3).toBeUndefined()
    expect(rules.r2?.json).toEqual({
      rules: [
        {
          allowed: {
            origins: [APP],
            methods: ['PUT'],
            headers: ['content-type', 'x-amz-meta-owner'],
          },
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 3000,
        },
      ],
    })
    expect(rules.gcs?.json).toEqual([
      {
        origin: [APP],
        method: ['PUT'],
        responseHeader: ['content-type', 'x-amz-meta-owner', 'ETag'],
        maxAgeSeconds: 3000,
      },
    ])
  })

  it('leaves out empty lists', () => {
    const { rules } = corsRules({ origin: APP, method: 'GET', headers: {}, expose: [] }, ['s3'])
    expect(rules.s3?.json.CORSRules[0]).toEqual({
      AllowedOrigins: [APP],
      AllowedMethods: ['GET'],
      MaxAgeSeconds: 3000,
    })
  })
})

describe('reading a preflight answer', () => {
  const answer = (status: number, headers: Record<string, string>) =>
    readPreflight(status, new Headers(headers))

  it('passes an answer that allows the origin, method and every header', () => {
    const ok = answer(200, {
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Allow-Methods': 'PUT, get',
      'Access-Control-Allow-Headers': 'Content-Type,x-amz-meta-owner',
    })
    expect(ok.allowMethods).toEqual(['PUT', 'GET'])
    expect(refusedBy(ok, APP, 'PUT', ['content-type', 'x-amz-meta-owner'])).toEqual([])
  })

  it('names each refused part of an answer that speaks', () => {
    const partial = answer(200, {
      'Access-Control-Allow-Origin': 'https://other.example',
      'Access-Control-Allow-Methods': 'GET',
      'Access-Control-Allow-Headers': 'content-type',
    })
    expect(refusedBy(partial, APP, 'PUT', ['content-type', 'x-amz-meta-owner'])).toEqual([
      { kind: 'origin', value: APP },
      { kind: 'method', value: 'PUT' },
      { kind: 'header', value: 'x-amz-meta-owner' },
    ])
  })

  it('accepts wildcards and safelisted methods as browsers do', () => {
    const wild = answer(204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': '*',
      'Access-Control-Allow-Headers': '*',
    })
    expect(refusedBy(wild, APP, 'DELETE', ['x-a'])).toEqual([])
    const bare = answer(200, { 'Access-Control-Allow-Origin': APP })
    expect(refusedBy(bare, APP, 'POST', [])).toEqual([])
    expect(refusedBy(bare, APP, 'PUT', [])).toEqual([{ kind: 'method', value: 'PUT' }])
  })

  it('cannot say what a refusal without CORS headers refused', () => {
    expect(refusedBy(answer(403, {}), APP, 'PUT', [])).toBeUndefined()
    expect(refusedBy(answer(200, {}), APP, 'PUT', [])).toBeUndefined()
    expect(
      refusedBy(answer(403, { 'Access-Control-Allow-Origin': APP }), APP, 'GET', []),
    ).toBeUndefined()
  })

  it("passes everything through the gateway's own answer", () => {
    const gateway = readPreflight(204, gatewayPreflight('content-type,x-amz-meta-a'))
    expect(refusedBy(gateway, APP, 'PUT', ['content-type', 'x-amz-meta-a'])).toEqual([])
    expect(gatewayPreflight('bad\u0001value').has('Access-Control-Allow-Headers')).toBe(false)
  })
})

describe('origins', () => {
  it('takes exactly a serialized origin', () => {
    expect(parseOrigin('https://app.example')).toBe('https://app.example')
    expect(parseOrigin('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173')
    for (const bad of [
      'https://app.example/',
      'https://app.example/path',
      'https://APP.example',
      'https://app.example:443',
      'ftp://app.example',
      'null',
      'app.example',
      'https://user@app.example',
    ]) {
      expect(parseOrigin(bad), bad).toBeUndefined()
    }
  })
})
