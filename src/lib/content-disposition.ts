// Content-Disposition with a safe filename: an ASCII fallback in quotes plus RFC 5987
// `filename*` for everything else (RFC 6266 §4.3). Pure.

// RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/

function encodeRfc5987(text: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte)
    out +=
      byte < 0x80 && ATTR_CHAR.test(ch)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Removes what makes a filename dangerous anywhere: controls, path separators, quotes. */
export function sanitizeFilename(filename: string): string {
  const cleaned = filename
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[/\\]/g, '_')
    .replace(/["]/g, "'")
    .trim()
    .replace(/^\.+/, '')
  return cleaned.length > 0 ? cleaned : 'download'
}

/** The header value for `disposition` and an optional filename. */
export function contentDisposition(
  disposition: 'attachment' | 'inline',
  filename: string | undefined,
): string {
  if (filename === undefined) return disposition
  const safe = sanitizeFilename(filename)
  const ascii = safe
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[%;]/g, '_')
    .trim()
  const fallback = ascii.length > 0 ? ascii : 'download'
  if (fallback === safe) return `${disposition}; filename="${fallback}"`
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(safe)}`
}
