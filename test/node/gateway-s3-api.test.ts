// S3 clients against the gateway with its key pair, every request signed in its Authorization
// header as the clients do by default: the AWS SDK v3 (current, with its default checksums, so
// aws-chunked bodies with trailing checksums), boto3, the aws CLI, s3cmd and MinIO's client.
// A wrong secret is SignatureDoesNotMatch; a tampered signed chunk or a wrong trailing checksum is
// refused and nothing is stored.
import { spawnSync } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import * as Minio from 'minio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker, type WorkerServer } from './worker-server'

const DEBIAN_PYTHON = '/usr/bin/python3'
const MiB = 1024 * 1024
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

function haveClients(): boolean {
  const ok =
    spawnSync('aws', ['--version']).status === 0 &&
    spawnSync('s3cmd', ['--version']).status === 0 &&
    spawnSync(DEBIAN_PYTHON, ['-c', 'import boto3']).status === 0
  if (ok) return true
  if (process.env.CI) throw new Error('awscli, s3cmd and python3-boto3 must be installed in CI')
  console.warn('SKIPPED gateway-s3-api: needs Debian awscli, s3cmd and python3-boto3.')
  return false
}

describe.skipIf(!haveClients())('S3 clients signing in the Authorization header', () => {
  let server: WorkerServer
  let client: S3Client
  const dir = mkdtempSync(join(tmpdir(), 'signet-s3-api-'))
  beforeAll(async () => {
    server = await startWorker()
    client = new S3Client({
      endpoint: `${server.origin}/s3`,
      forcePathStyle: true,
      region: 'auto',
      credentials: server.credential,
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const env = () => ({
    ...process.env,
    AWS_ACCESS_KEY_ID: server.credential.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credential.secretAccessKey,
    AWS_DEFAULT_REGION: 'auto',
  })

  async function read(key: string): Promise<Uint8Array | undefined> {
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: 'local', Key: key }))
      return await got.Body?.transformToByteArray()
    } catch {
      return undefined
    }
  }

  it('AWS SDK v3 with its default checksums: put (bytes and a stream), head, get, list, multipart, delete', async () => {
    const bytes = randomBytes(300 * 1024)
    await client.send(
      new PutObjectCommand({
        Bucket: 'local',
        Key: 'sdk/bytes.bin',
        Body: bytes,
        ContentType: 'application/x-test',
      }),
    )
    // A stream of known length: the SDK sends it aws-chunked with a trailing CRC32.
    await client.send(
      new PutObjectCommand({
        Bucket: 'local',
        Key: 'sdk/stream 1.bin',
        Body: Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]),
        ContentLength: bytes.length,
      }),
    )
    const head = await client.send(new HeadObjectCommand({ Bucket: 'local', Key: 'sdk/bytes.bin' }))
    expect(head.ContentLength).toBe(bytes.length)
    expect(head.ContentType).toBe('application/x-test')
    expect(sha256((await read('sdk/bytes.bin')) ?? new Uint8Array())).toBe(sha256(bytes))
    expect(sha256((await read('sdk/stream 1.bin')) ?? new Uint8Array())).toBe(sha256(bytes))
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'local', Prefix: 'sdk/' }))
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(['sdk/bytes.bin', 'sdk/stream 1.bin'])

    const big = randomBytes(11 * MiB)
    const started = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'local', Key: 'sdk/multi.bin' }),
    )
    const parts = []
    for (const [index, [start, end]] of [
      [0, 6 * MiB],
      [6 * MiB, big.length],
    ].entries()) {
      const part = await client.send(
        new UploadPartCommand({
          Bucket: 'local',
          Key: 'sdk/multi.bin',
          UploadId: started.UploadId,
          PartNumber: index + 1,
          Body: big.subarray(start, end),
        }),
      )
      parts.push({ PartNumber: index + 1, ETag: part.ETag })
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'local',
        Key: 'sdk/multi.bin',
        UploadId: started.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
    expect(sha256((await read('sdk/multi.bin')) ?? new Uint8Array())).toBe(sha256(big))
    await client.send(new DeleteObjectCommand({ Bucket: 'local', Key: 'sdk/bytes.bin' }))
    expect(await read('sdk/bytes.bin')).toBeUndefined()
  }, 60_000)

  it('boto3: put_object, upload_file in parts, list_objects_v2, download_file', () => {
    const file = join(dir, 'boto.bin')
    const bytes = randomBytes(12 * MiB)
    writeFileSync(file, bytes)
    const script = `
import json, sys, boto3
from botocore.config import Config
from boto3.s3.transfer import TransferConfig
a = json.loads(sys.argv[1])
s3 = boto3.client('s3', endpoint_url=a['endpoint'], aws_access_key_id=a['id'], aws_secret_access_key=a['secret'],
                  region_name='auto', config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
s3.put_object(Bucket='local', Key='boto/small.txt', Body=b'small from boto3')
s3.upload_file(a['file'], 'local', 'boto/big.bin', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
keys = [o['Key'] for o in s3.list_objects_v2(Bucket='local', Prefix='boto/')['Contents']]
s3.download_file('local', 'boto/big.bin', a['file'] + '.back')
print(json.dumps({'keys': keys, 'small': s3.get_object(Bucket='local', Key='boto/small.txt')['Body'].read().decode()}))
`
    const run = spawnSync(
      DEBIAN_PYTHON,
      [
        '-c',
        script,
        JSON.stringify({
          endpoint: `${server.origin}/s3`,
          id: server.credential.accessKeyId,
          secret: server.credential.secretAccessKey,
          file,
        }),
      ],
      { encoding: 'utf8' },
    )
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      keys: ['boto/big.bin', 'boto/small.txt'],
      small: 'small from boto3',
    })
    expect(sha256(readFileSync(`${file}.back`))).toBe(sha256(bytes))
  }, 60_000)

  it('the aws CLI: s3 cp up (in parts) and down, s3 ls', () => {
    const file = join(dir, 'cli.bin')
    const bytes = randomBytes(9 * MiB)
    writeFileSync(file, bytes)
    const aws = (...args: string[]) =>
      spawnSync('aws', ['--endpoint-url', `${server.origin}/s3`, ...args], {
        encoding: 'utf8',
        env: env(),
      })
    const up = aws('s3', 'cp', file, 's3://local/cli/up.bin', '--only-show-errors')
    expect(up.status, up.stderr).toBe(0)
    const down = aws('s3', 'cp', 's3://local/cli/up.bin', `${file}.back`, '--only-show-errors')
    expect(down.status, down.stderr).toBe(0)
    expect(sha256(readFileSync(`${file}.back`))).toBe(sha256(bytes))
    const ls = aws('s3', 'ls', 's3://local/cli/')
    expect(ls.status, ls.stderr).toBe(0)
    expect(ls.stdout).toMatch(/\s9437184 up\.bin/)
  }, 60_000)

  it('s3cmd: put and get, SigV4 in the header, path style at the root', () => {
    const config = join(dir, 's3cfg')
    const host = new URL(server.origin).host
    writeFileSync(
      config,
      [
        '[default]',
        `access_key = ${server.credential.accessKeyId}`,
        `secret_key = ${server.credential.secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = False',
        'bucket_location = auto',
        'signature_v2 = False',
        '',
      ].join('\n'),
    )
    const file = join(dir, 's3cmd.txt')
    writeFileSync(file, 'sent by s3cmd\n')
    const s3cmd = (...args: string[]) =>
      spawnSync('s3cmd', ['-c', config, '--no-progress', ...args], { encoding: 'utf8' })
    const put = s3cmd('put', file, 's3://local/s3cmd/file.txt')
    expect(put.status, put.stderr).toBe(0)
    const get = s3cmd('get', '--force', 's3://local/s3cmd/file.txt', `${file}.back`)
    expect(get.status, get.stderr).toBe(0)
    expect(readFileSync(`${file}.back`, 'utf8')).toBe('sent by s3cmd\n')
  }, 60_000)

  it("MinIO's client: putObject, getObject, listObjectsV2", async () => {
    const url = new URL(server.origin)
    const minio = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: server.credential.accessKeyId,
      secretKey: server.credential.secretAccessKey,
      region: 'auto',
      pathStyle: true,
    })
    const bytes = randomBytes(64 * 1024)
    await minio.putObject('local', 'minio/obj.bin', bytes, bytes.length)
    const stream = await minio.getObject('local', 'minio/obj.bin')
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(bytes))
    const keys: string[] = []
    for await (const item of minio.listObjectsV2('local', 'minio/', true)) {
      keys.push((item as { name: string }).name)
    }
    expect(keys).toEqual(['minio/obj.bin'])
  }, 60_000)

  it('refuses a wrong secret, a SigV2 header and an unsigned request, each in one line', async () => {
    const wrong = new S3Client({
      endpoint: `${server.origin}/s3`,
      forcePathStyle: true,
      region: 'auto',
      credentials: {
        accessKeyId: server.credential.accessKeyId,
        secretAccessKey: 'not-the-secret-0123',
      },
    })
    const refused = await wrong
      .send(new PutObjectCommand({ Bucket: 'local', Key: 'sdk/wrong.txt', Body: 'x' }))
      .catch((error: { name: string; $metadata: { httpStatusCode: number } }) => error)
    expect(refused).toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    })
    expect(await read('sdk/wrong.txt')).toBeUndefined()
    const v2 = await fetch(`${server.origin}/s3/local/sdk/x.txt`, {
      headers: { Authorization: 'AWS SIGNETE2EKEY:c2lnbmF0dXJl' },
    })
    expect(v2.status).toBe(403)
    expect(await v2.text()).toContain('SigV4 only')
    // Operations the gateway does not serve say so, and store nothing (a copy has no body).
    const copy = await client
      .send(
        new CopyObjectCommand({
          Bucket: 'local',
          Key: 'sdk/copy.bin',
          CopySource: 'local/sdk/stream 1.bin',
        }),
      )
      .catch((error: { name: string }) => error)
    expect(copy).toMatchObject({ name: 'MethodNotAllowed' })
    expect(await read('sdk/copy.bin')).toBeUndefined()
    const anonymous = await fetch(`${server.origin}/s3/local/sdk/x.txt`)
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('signed requests only')
  })

  /** A request signed as SDKs sign aws-chunked uploads, with its body made by `body(seed)`. */
  async function chunkedPut(
    key: string,
    payload: string,
    headers: Record<string, string>,
    body: (seed: string, signingKey: Buffer, scope: string, date: string) => Buffer,
  ) {
    const url = new URL(`${server.origin}/s3/local/${key}`)
    const signer = new SignatureV4({
      credentials: server.credential,
      region: 'auto',
      service: 's3',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: false,
    })
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'x-amz-content-sha256': payload, ...headers },
    })
    const auth = signed.headers.authorization as string
    const seed = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] as string
    const date = signed.headers['x-amz-date'] as string
    const scope = `${date.slice(0, 8)}/auto/s3/aws4_request`
    const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest()
    const signingKey = hmac(
      hmac(hmac(hmac(`AWS4${server.credential.secretAccessKey}`, date.slice(0, 8)), 'auto'), 's3'),
      'aws4_request',
    )
    const bytes = body(seed, signingKey, scope, date)
    const sent = { ...signed.headers } as Record<string, string>
    sent['content-length'] = String(bytes.length)
    return fetch(url, { method: 'PUT', headers: sent, body: bytes })
  }

  const EMPTY = sha256(new Uint8Array())
  function signedChunks(data: Buffer[], tamper: boolean) {
    return (seed: string, key: Buffer, scope: string, date: string) => {
      let previous = seed
      const out: Buffer[] = []
      for (const chunk of [...data, Buffer.alloc(0)]) {
        const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${date}\n${scope}\n${previous}\n${EMPTY}\n${sha256(chunk)}`
        const signature = createHmac('sha256', key).update(toSign).digest('hex')
        previous = signature
        const sentBytes = tamper && chunk.length > 0 ? Buffer.from(chunk).fill(0x41, 0, 1) : chunk
        out.push(
          Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
          sentBytes,
          Buffer.from('\r\n'),
        )
      }
      return Buffer.concat(out)
    }
  }

  it('takes signed aws-chunked bodies, and refuses a tampered chunk, storing nothing', async () => {
    const data = [randomBytes(64 * 1024), randomBytes(10_000)]
    const length = String(data[0].length + data[1].length)
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': length,
    }
    const good = await chunkedPut(
      'chunked/good.bin',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers,
      signedChunks(data, false),
    )
    expect(good.status, await good.clone().text()).toBe(200)
    expect(sha256((await read('chunked/good.bin')) ?? new Uint8Array())).toBe(
      sha256(Buffer.concat(data)),
    )
    const bad = await chunkedPut(
      'chunked/tampered.bin',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers,
      signedChunks(data, true),
    )
    expect(bad.status).toBe(403)
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(await read('chunked/tampered.bin')).toBeUndefined()
  })

  it('checks a trailing checksum of an unsigned aws-chunked body, storing nothing when it is wrong', async () => {
    const data = randomBytes(70_000)
    const crc = (bytes: Buffer) => {
      let c = 0xffffffff
      for (const byte of bytes) {
        c ^= byte
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      }
      const value = (c ^ 0xffffffff) >>> 0
      return Buffer.from([
        value >>> 24,
        (value >>> 16) & 0xff,
        (value >>> 8) & 0xff,
        value & 0xff,
      ]).toString('base64')
    }
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    }
    const body = (checksum: string) => () =>
      Buffer.concat([
        Buffer.from(`${data.length.toString(16)}\r\n`),
        data,
        Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`),
      ])
    const good = await chunkedPut(
      'trailer/good.bin',
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers,
      body(crc(data)),
    )
    expect(good.status, await good.clone().text()).toBe(200)
    expect(sha256((await read('trailer/good.bin')) ?? new Uint8Array())).toBe(sha256(data))
    const bad = await chunkedPut(
      'trailer/bad.bin',
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers,
      body('AAAAAA=='),
    )
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('<Code>BadDigest</Code>')
    expect(await read('trailer/bad.bin')).toBeUndefined()
  })

  it('checks a checksum header and a hex payload hash of a plain body, storing nothing when wrong', async () => {
    const data = randomBytes(5000)
    const plain = (key: string, headers: Record<string, string>, payload = sha256(data)) =>
      chunkedPut(key, payload, headers, () => data)
    const good = await plain('plain/good.bin', {
      'x-amz-checksum-sha256': createHash('sha256').update(data).digest('base64'),
    })
    expect(good.status, await good.clone().text()).toBe(200)
    const crc = await plain('plain/crc.bin', { 'x-amz-checksum-crc32': 'AAAAAA==' })
    expect(crc.status).toBe(400)
    expect(await crc.text()).toContain('<Code>BadDigest</Code>')
    expect(await read('plain/crc.bin')).toBeUndefined()
    const hash = await plain('plain/hash.bin', {}, sha256(randomBytes(8)))
    expect(hash.status).toBe(400)
    expect(await read('plain/hash.bin')).toBeUndefined()
  })
})
