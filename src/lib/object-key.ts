// Object-key rules. Keys are object keys, never URL paths: Signet refuses anything a path
// normaliser, a proxy or a filesystem-backed store could read as a different key. Pure.

export const MAX_KEY_BYTES = 1024 // S3: "The name for a key ... up to 1,024 bytes long"

export type KeyProblem =
  | 'empty'
  | 'too_long'
  | 'invalid_utf8'
  | 'control_character'
  | 'leading_slash'
  | 'empty_segment'
  | 'dot_segment'

export type KeyCheck = { ok: true } | { ok: false; problem: KeyProblem; message: string }

const MESSAGES: Record<KeyProblem, string> = {
  empty: 'must not be empty',
  too_long: `must be at most ${MAX_KEY_BYTES} bytes of UTF-8`,
  invalid_utf8: 'must be valid UTF-8 (no lone surrogates)',
  control_character: 'must not contain control characters',
  leading_slash: 'must not start with "/"',
  empty_segment: 'must not contain empty segments ("//" or a trailing "/")',
  dot_segment: 'must not contain "." or ".." segments, in any encoding',
}

// C0 controls, DEL and C1 controls. C1 (U+0080..U+009F) is invisible and mangled by many tools.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u

const encoder = new TextEncoder()

function fail(problem: KeyProblem): KeyCheck {
  return { ok: false, problem, message: MESSAGES[problem] }
}

/**
 * Decodes %XX escapes until nothing changes (at most a few rounds), so `%252e%252e` is seen as
 * `..`. Bytes that are not valid UTF-8 after decoding stay as they are: the caller only asks
 * whether a segment becomes a dot segment.
 */
function percentDecodeFully(text: string): string {
  let current = text
  for (let round = 0; round < 8 && current.includes('%'); round++) {
    const next = current.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
    if (next === current) break
    current = next
  }
  return current
}

function isDotSegment(segment: string): boolean {
  // NFKC folds full-width and other compatibility dots (U+FF0E, U+2024) into ".".
  const folded = segment.normalize('NFKC')
  return folded === '.' || folded === '..'
}

/** Checks an object key against every rule. Prefix checks must run on the same exact string. */
export function checkObjectKey(key: string): KeyCheck {
  if (key.length === 0) return fail('empty')
  if (!key.isWellFormed()) return fail('invalid_utf8')
  if (encoder.encode(key).byteLength > MAX_KEY_BYTES) return fail('too_long')
  if (CONTROL.test(key)) return fail('control_character')
  const decoded = percentDecodeFully(key)
  // A control character smuggled as %00 or %0a is as dangerous once some layer decodes it.
  if (CONTROL.test(decoded)) return fail('control_character')
  if (key.startsWith('/') || decoded.startsWith('/') || decoded.startsWith('\\')) {
    return fail('leading_slash')
  }
  for (const segment of decoded.split(/[/\\]/)) {
    if (isDotSegment(segment)) return fail('dot_segment')
  }
  for (const segment of key.split('/')) {
    if (segment.length === 0) return fail('empty_segment')
  }
  return { ok: true }
}

/**
 * Checks a key prefix as used in scopes. A prefix is the start of a key: it may end with "/"
 * and may end mid-segment, but everything else follows the key rules.
 */
export function checkKeyPrefix(prefix: string): KeyCheck {
  if (prefix.length === 0) return { ok: true }
  const asKey = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
  if (asKey.length === 0) return fail('leading_slash')
  return checkObjectKey(asKey)
}

/** A key as a folder: '' (the whole bucket) as it is, anything else ending in `/`. */
export function asFolder(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`
}

/** A key's (or a prefix's) last segment: the name people know a file or folder by. */
export function lastSegment(key: string): string {
  return key.split('/').filter(Boolean).pop() ?? key
}
