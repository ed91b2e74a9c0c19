// Requests the Worker itself makes to a remote S3-compatible store (multipart upload control),
// header-signed with aws4fetch. Store errors are reduced to their S3 code; bodies are not echoed.

import { AwsClient } from 'aws4fetch'
import type { Credential, RemoteTarget } from '../config'
import { escapeXml } from '../lib/xml'
import { objectEndpoint } from './targets'

export class StoreError extends Error {
  readonly code: string
  readonly status: number
  constructor(code: string, status: number) {
    super(`store answered ${status} ${code}`)
    this.name = 'StoreError'
    this.code = code
    this.status = status
  }
}

function client(target: RemoteTarget, credential: Credential): AwsClient {
  return new AwsClient({
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    ...(credential.sessionToken ? { sessionToken: credential.sessionToken } : {}),
    service: 's3',
    region: target.region,
    retries: 0,
  })
}

function objectUrl(target: RemoteTarget, key: string): string {
  const endpoint = objectEndpoint(target, key, target.endpoint)
  return `${endpoint.protocol}//${endpoint.host}${endpoint.path}`
}

function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)
  return match?.[1]
    ?.replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&')
}

async function send(
  target: RemoteTarget,
  credential: Credential,
  url: string,
  init: RequestInit,
): Promise<string> {
  const response = await client(target, credential).fetch(url, init)
  const text = await response.text()
  // S3 may answer 200 with an <Error> body for CompleteMultipartUpload.
  if (!response.ok || /<Error>/.test(text)) {
    throw new StoreError(xmlValue(text, 'Code') ?? 'UnknownError', response.status)
  }
  return text
}

export async function createMultipartUpload(
  target: RemoteTarget,
  credential: Credential,
  key: string,
  contentType: string | undefined,
): Promise<string> {
  const text = await send(target, credential, `${objectUrl(target, key)}?uploads`, {
    method: 'POST',
    headers: contentType ? { 'Content-Type': contentType } : {},
  })
  const uploadId = xmlValue(text, 'UploadId')
  if (!uploadId) throw new StoreError('MalformedResponse', 200)
  return uploadId
}

export async function completeMultipartUpload(
  target: RemoteTarget,
  credential: Credential,
  key: string,
  uploadId: string,
  parts: { partNumber: number; etag: string }[],
): Promise<string | undefined> {
  const body = `<CompleteMultipartUpload>${parts
    .map(
      (part) =>
        `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`,
    )
    .join('')}</CompleteMultipartUpload>`
  const text = await send(
    target,
    credential,
    `${objectUrl(target, key)}?uploadId=${encodeURIComponent(uploadId)}`,
    { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body },
  )
  return xmlValue(text, 'ETag')
}

export async function abortMultipartUpload(
  target: RemoteTarget,
  credential: Credential,
  key: string,
  uploadId: string,
): Promise<void> {
  await send(
    target,
    credential,
    `${objectUrl(target, key)}?uploadId=${encodeURIComponent(uploadId)}`,
    {
      method: 'DELETE',
    },
  )
}
