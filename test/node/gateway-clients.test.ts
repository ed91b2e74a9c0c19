// Real S3 clients against the gateway over HTTP: Debian's awscli (`aws s3 presign`) and boto3
// (`generate_presigned_url`) sign URLs for <origin>/s3 on their own; the gateway must accept
// them, and refuse them when tampered.
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker, type WorkerServer } from './worker-server'

const DEBIAN_PYTHON = '/usr/bin/python3'

function haveClients(): boolean {
  const aws = spawnSync('aws', ['--version']).status === 0
  const boto3 = spawnSync(DEBIAN_PYTHON, ['-c', 'import boto3']).status === 0
  if (aws && boto3) return true
  if (process.env.CI)
    throw new Error('awscli and python3-boto3 must be installed in CI (.ci/run installs them)')
  console.warn(
    'SKIPPED gateway-clients: needs Debian awscli and python3-boto3 (apt-get install awscli python3-boto3).',
  )
  return false
}

const BOTO3 = `
import json, sys, boto3
from botocore.config import Config
a = json.loads(sys.argv[1])
s3 = boto3.client('s3', endpoint_url=a['endpoint'], aws_access_key_id=a['id'], aws_secret_access_key=a['secret'],
                  region_name='auto', config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
params = {'Bucket': 'local', 'Key': a['key']}
if a.get('contentType'): params['ContentType'] = a['contentType']
print(s3.generate_presigned_url(a['op'], Params=params, ExpiresIn=300))
`

describe.skipIf(!haveClients())('S3 clients against the gateway', () => {
  let server: WorkerServer
  beforeAll(async () => {
    server = await startWorker()
  }, 90_000)
  afterAll(async () => {
    await server?.stop()
  })

  function boto3Url(op: string, key: string, contentType?: string): string {
    const run = spawnSync(
      DEBIAN_PYTHON,
      [
        '-c',
        BOTO3,
        JSON.stringify({
          endpoint: `${server.origin}/s3`,
          id: server.credential.accessKeyId,
          secret: server.credential.secretAccessKey,
          op,
          key,
          contentType,
        }),
      ],
      { encoding: 'utf8' },
    )
    expect(run.stderr).toBe('')
    return run.stdout.trim()
  }

  function awsPresign(key: string): string {
    const run = spawnSync(
      'aws',
      [
        's3',
        'presign',
        `s3://local/${key}`,
        '--endpoint-url',
        `${server.origin}/s3`,
        '--expires-in',
        '300',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: server.credential.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.credential.secretAccessKey,
          AWS_DEFAULT_REGION: 'auto',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    )
    expect(run.status, run.stderr).toBe(0)
    return run.stdout.trim()
  }

  it('accepts boto3 presigned PUT and GET, and awscli presigned GET, for awkward keys', async () => {
    for (const key of [
      'clients/plain.txt',
      'clients/with space+plus.txt',
      "clients/ünï/c*d!(e)'f.txt",
      'clients/emoji 😀.bin',
    ]) {
      const put = boto3Url('put_object', key, 'text/plain')
      const uploaded = await fetch(put, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: `bytes of ${key}`,
      })
      expect(uploaded.status, `${key}: ${await uploaded.clone().text()}`).toBe(200)

      const get = boto3Url('get_object', key)
      const got = await fetch(get)
      expect(got.status, key).toBe(200)
      expect(await got.text()).toBe(`bytes of ${key}`)

      const viaCli = await fetch(awsPresign(key))
      expect(viaCli.status, key).toBe(200)
      expect(await viaCli.text()).toBe(`bytes of ${key}`)
    }
  })

  it('refuses client-made URLs when tampered', async () => {
    const key = 'clients/tamper.txt'
    expect((await fetch(boto3Url('put_object', key), { method: 'PUT', body: 'x' })).status).toBe(
      200,
    )
    for (const url of [boto3Url('get_object', key), awsPresign(key)]) {
      expect((await fetch(url)).status).toBe(200)
      const swapped = url.replace('tamper.txt', 'tamper.txT')
      const response = await fetch(swapped)
      expect(response.status).toBe(403)
      expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
      const longer = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800')
      expect((await fetch(longer)).status).toBe(403)
    }
    // boto3 signs the Content-Type it was given: the gateway refuses another one.
    const put = boto3Url('put_object', key, 'text/plain')
    expect(new URL(put).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')
    const wrong = await fetch(put, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: 'y',
    })
    expect(wrong.status).toBe(403)
  })
})
