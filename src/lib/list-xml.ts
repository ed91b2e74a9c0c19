// A ListObjectsV2 answer (S3's XML, as the gateway, R2, S3, MinIO, Ceph and GCS give it) read
// into objects and folder prefixes. Keys are URL-decoded when the listing asked for
// encoding-type=url (Signet's listing URLs always do). Pure; no DOM, so Node and browsers alike.

export type ListedObject = { key: string; size: number; lastModified: string; etag: string }
export type ListPage = { objects: ListedObject[]; prefixes: string[]; next: string | null }

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16)),
    )
    .replace(/&#(\d{1,7});/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replaceAll('&amp;', '&')
}

function field(xml: string, tag: string): string | undefined {
  const value = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1]
  return value === undefined ? undefined : unescapeXml(value)
}

export function parseListPage(xml: string): ListPage {
  const encoded = field(xml, 'EncodingType') === 'url'
  const name = (text: string) => (encoded ? decodeURIComponent(text) : text)
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((match) => {
    const part = match[1] ?? ''
    return {
      key: name(field(part, 'Key') ?? ''),
      size: Number(field(part, 'Size') ?? 0),
      lastModified: field(part, 'LastModified') ?? '',
      etag: field(part, 'ETag') ?? '',
    }
  })
  const prefixes = [...xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)].map((m) =>
    name(field(m[1] ?? '', 'Prefix') ?? ''),
  )
  const truncated = field(xml, 'IsTruncated') === 'true'
  return {
    objects,
    prefixes,
    next: truncated ? (field(xml, 'NextContinuationToken') ?? null) : null,
  }
}
