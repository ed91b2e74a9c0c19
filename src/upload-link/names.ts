// What a file sent through an upload link is called in the bucket: the sender's name made safe
// (one path segment, no control or reserved characters, NFC, bounded); lib/file-name numbers
// two files of one name apart. Pure.
import { utf8 } from '../lib/bytes'
import { splitExtension } from '../lib/file-name'
import { MAX_UPLOAD_NAME_BYTES } from '../lib/limits'

/** Characters that mean something to file systems or shells, or are invisible. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f"*:<>?|\\/\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

/** Cuts text to at most `max` bytes of UTF-8 without splitting a character. */
function cutBytes(text: string, max: number): string {
  let out = ''
  let bytes = 0
  for (const char of text) {
    const size = utf8(char).length
    if (bytes + size > max) break
    out += char
    bytes += size
  }
  return out
}

/** The name a file is kept under: the sender's, made safe; `file` when nothing is left of it. */
export function safeFileName(sent: string): string {
  // Only the last segment: a sender's folders are not the bucket's.
  const last = sent.split(/[/\\]/).pop() ?? ''
  let name = last
    .normalize('NFC')
    .replace(UNSAFE, '_')
    .replace(/\s+/g, ' ')
    .trim()
    // No hidden files and no `.`/`..` segments.
    .replace(/^[.\s]+/, '')
  if (name === '') name = 'file'
  if (utf8(name).length <= MAX_UPLOAD_NAME_BYTES) return name
  const { stem, ext } = splitExtension(name)
  const keptExt = utf8(ext).length <= 16 ? ext : ''
  return cutBytes(stem, MAX_UPLOAD_NAME_BYTES - utf8(keptExt).length).trimEnd() + keptExt
}
