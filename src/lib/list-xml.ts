// A ListObjectsV2 answer (S3's XML, as the gateway, R2, S3, MinIO, Ceph and GCS give it) read
// into objects and folder prefixes. Keys are URL-decoded when the listing asked for
// encoding-type=url (Signet's listing URLs always do). Pure; no DOM, so Node and browsers alike.

import { xmlValue } from './xml'

export type ListedObject = { key: string; size: number; lastModified: string; etag: string }
export type ListPage = { objects: ListedObject[]; prefixes: string[]; next: string | null }

export function parseListPage(xml: string): ListPage {
  const encoded = xmlValue(xml, 'EncodingType') === 'url'
  const name = (text: string) => (encoded ? decodeURIComponent(text) : text)
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((match) => {
    const part = match[1] ?? ''
    return {
      key: name(xmlValue(part, 'Key') ?? ''),
      size: Number(xmlValue(part, 'Size') ?? 0),
      lastModified: xmlValue(part, 'LastModified') ?? '',
      etag: xmlValue(part, 'ETag') ?? '',
    }
  })
  const prefixes = [...xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)].map((m) =>
    name(xmlValue(m[1] ?? '', 'Prefix') ?? ''),
  )
  const truncated = xmlValue(xml, 'IsTruncated') === 'true'
  return {
    objects,
    prefixes,
    next: truncated ? (xmlValue(xml, 'NextContinuationToken') ?? null) : null,
  }
}
