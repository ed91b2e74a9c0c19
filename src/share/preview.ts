// What a share page may show inline: images, video, audio, PDF and the start of a text file, by
// the media type the store gives the object. Anything else (SVG and HTML above all, which could
// carry script) is never previewed. Pure.

export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text'

const KINDS: Record<string, PreviewKind> = {
  'image/png': 'image',
  'image/jpeg': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'image/avif': 'image',
  'video/mp4': 'video',
  'video/webm': 'video',
  'video/ogg': 'video',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/aac': 'audio',
  'audio/ogg': 'audio',
  'audio/wav': 'audio',
  'audio/webm': 'audio',
  'audio/flac': 'audio',
  'application/pdf': 'pdf',
  'text/plain': 'text',
  'text/csv': 'text',
  'text/markdown': 'text',
  'application/json': 'text',
}

/** The bare media type (`Image/PNG; x=y` → `image/png`), or '' when there is none. */
export function mediaTypeOf(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** How a page previews an object of this media type; null: it does not. */
export function previewKind(contentType: string | null | undefined): PreviewKind | null {
  return KINDS[mediaTypeOf(contentType)] ?? null
}

/**
 * The page's CSP sources for its preview: images are always allowed from the page's own origin
 * (its icon); video and audio add media-src, a PDF frame-src, text nothing (it is in the page).
 */
export function previewCspSources(kind: PreviewKind | null): string[] {
  if (kind === 'video' || kind === 'audio') return ["media-src 'self'"]
  if (kind === 'pdf') return ["frame-src 'self'"]
  return []
}
