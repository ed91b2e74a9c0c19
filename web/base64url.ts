// base64url for the pages' scripts: an encrypted share's key and facts. (src/lib/bytes.ts has
// the Worker's, typed for workerd's Web Crypto, which the DOM's typings refuse.)

export function toBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** Bytes of base64url text; undefined when it is not. */
export function fromBase64url(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}
