// ListObjectsV2 on an R2 binding, shaped like S3's: `GET /s3/<bucket>/?list-type=2` with
// prefix, delimiter, continuation-token, max-keys and encoding-type=url. Callers verified the
// presigned request first, so every parameter read here was covered by its signature (a list
// URL Signet makes names its prefix, and the caller's scope was checked against it).

import { escapeXml } from '../lib/xml'
import { encodeKeyPath } from '../s3/encoding'
import { S3Error } from './errors'

/** S3: a page of ListObjectsV2 holds at most 1,000 keys (R2's list too). */
const MAX_KEYS = 1000

export async function listObjects(
  binding: R2Bucket,
  name: string,
  params: Map<string, string>,
): Promise<Response> {
  if (params.get('list-type') !== '2') {
    throw new S3Error(
      'MethodNotAllowed',
      'The gateway lists with ListObjectsV2 only (list-type=2), and serves objects at /s3/<bucket>/<key>.',
    )
  }
  const prefix = params.get('prefix') ?? ''
  // An empty delimiter (MinIO's client sends one for a recursive listing) is none.
  const delimiter = params.get('delimiter') || undefined
  const token = params.get('continuation-token')
  const encoding = params.get('encoding-type')
  if (encoding !== undefined && encoding !== 'url') {
    throw new S3Error('InvalidArgument', 'encoding-type may only be url.')
  }
  const maxText = params.get('max-keys') ?? String(MAX_KEYS)
  if (!/^\d{1,7}$/.test(maxText)) throw new S3Error('InvalidArgument', 'max-keys is a number.')
  const maxKeys = Math.min(MAX_KEYS, Number(maxText))
  if (delimiter !== undefined && delimiter !== '/') {
    throw new S3Error('InvalidArgument', 'The gateway lists with the delimiter / only.')
  }
  const listed =
    maxKeys === 0
      ? { objects: [], delimitedPrefixes: [], truncated: false as const }
      : await binding
          .list({
            prefix,
            limit: maxKeys,
            ...(delimiter ? { delimiter } : {}),
            ...(token ? { cursor: token } : {}),
          })
          .catch((error: unknown) => {
            if (token && /cursor/i.test(String(error))) {
              throw new S3Error('InvalidArgument', 'The continuation token is not valid.')
            }
            throw error
          })
  const text = (value: string) => escapeXml(encoding === 'url' ? encodeKeyPath(value) : value)
  const contents = listed.objects.map(
    (object) =>
      `<Contents><Key>${text(object.key)}</Key><LastModified>${object.uploaded.toISOString()}</LastModified><ETag>${escapeXml(object.httpEtag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
  )
  const prefixes = listed.delimitedPrefixes.map(
    (common) => `<CommonPrefixes><Prefix>${text(common)}</Prefix></CommonPrefixes>`,
  )
  const next = listed.truncated ? listed.cursor : undefined
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${escapeXml(name)}</Name>`,
    `<Prefix>${text(prefix)}</Prefix>`,
    delimiter ? `<Delimiter>${text(delimiter)}</Delimiter>` : '',
    encoding ? '<EncodingType>url</EncodingType>' : '',
    `<KeyCount>${contents.length + prefixes.length}</KeyCount>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    `<IsTruncated>${next !== undefined}</IsTruncated>`,
    token ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : '',
    next ? `<NextContinuationToken>${escapeXml(next)}</NextContinuationToken>` : '',
    ...contents,
    ...prefixes,
    '</ListBucketResult>',
  ].join('')
  return new Response(xml, {
    headers: {
      'Content-Type': 'application/xml',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    },
  })
}
