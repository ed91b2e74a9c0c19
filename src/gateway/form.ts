// A streaming multipart/form-data reader for POST uploads: the fields before the file are read
// into memory (bounded), the file is handed on as a stream that ends at the closing boundary.
// Nothing is buffered whole.
import { S3Error } from './errors'

/** S3 limits the form fields before the file; so does Signet. */
export const MAX_PRE_DATA = 64 * 1024

export type FormFile = {
  filename: string
  contentType: string | undefined
  stream: ReadableStream<Uint8Array>
}
export type FormHead = { fields: Map<string, string>; file: FormFile | undefined }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]
  outer: for (
    let i = haystack.indexOf(first as number, from);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first as number, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export function boundaryOf(contentType: string | null): string {
  const match =
    /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
      contentType ?? '',
    )
  const boundary = match?.[1] ?? match?.[2]
  if (!boundary)
    throw new S3Error(
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    )
  return boundary
}

function malformed(): S3Error {
  return new S3Error(
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
  )
}

function parseHeaders(text: string): {
  name: string
  filename: string | undefined
  contentType: string | undefined
} {
  let name: string | undefined
  let filename: string | undefined
  let contentType: string | undefined
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon === -1) continue
    const header = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (header === 'content-disposition') {
      name = /\bname="([^"]*)"/i.exec(value)?.[1]
      filename = /\bfilename="([^"]*)"/i.exec(value)?.[1]
    } else if (header === 'content-type') {
      contentType = value
    }
  }
  if (name === undefined) throw malformed()
  return { name, filename, contentType }
}

/** Reads the fields up to the `file` field and returns the file as a stream. */
export async function readForm(
  body: ReadableStream<Uint8Array>,
  boundary: string,
): Promise<FormHead> {
  const reader = body.getReader()
  const delimiter = encoder.encode(`\r\n--${boundary}`)
  let buffer: Uint8Array = new Uint8Array(0)
  let done = false
  let preData = 0
  const tooLarge = () =>
    new S3Error(
      'MaxPostPreDataLengthExceeded',
      'Your POST request fields preceding the upload file were too large.',
    )
  const pull = async () => {
    // Looking for a delimiter or the end of part headers: more than the limit means the
    // fields before the file are too large, whatever the chunking.
    if (buffer.length > MAX_PRE_DATA + 1024) throw tooLarge()
    const next = await reader.read()
    if (next.done) done = true
    else buffer = concat(buffer, next.value)
  }
  const fields = new Map<string, string>()
  // The body starts with "--boundary"; treat it as if preceded by CRLF.
  buffer = encoder.encode('\r\n')
  for (;;) {
    let at = indexOf(buffer, delimiter)
    while (at === -1 && !done) {
      await pull()
      at = indexOf(buffer, delimiter)
    }
    if (at === -1) throw malformed()
    let rest = buffer.subarray(at + delimiter.length)
    while (rest.length < 2 && !done) {
      await pull()
      rest = buffer.subarray(at + delimiter.length)
    }
    if (rest[0] === 0x2d && rest[1] === 0x2d) {
      await reader.cancel()
      return { fields, file: undefined }
    }
    if (rest[0] !== 0x0d || rest[1] !== 0x0a) throw malformed()
    buffer = rest.subarray(2)
    let end = indexOf(buffer, encoder.encode('\r\n\r\n'))
    while (end === -1 && !done) {
      await pull()
      end = indexOf(buffer, encoder.encode('\r\n\r\n'))
    }
    if (end === -1) throw malformed()
    const part = parseHeaders(decoder.decode(buffer.subarray(0, end)))
    buffer = buffer.subarray(end + 4)
    preData += end + 4
    if (part.name.toLowerCase() === 'file') {
      return {
        fields,
        file: {
          filename: part.filename ?? '',
          contentType: part.contentType,
          stream: fileStream(reader, buffer, delimiter),
        },
      }
    }
    let valueEnd = indexOf(buffer, delimiter)
    while (valueEnd === -1 && !done) {
      await pull()
      valueEnd = indexOf(buffer, delimiter)
    }
    if (valueEnd === -1) throw malformed()
    const name = part.name.toLowerCase()
    if (fields.has(name))
      throw new S3Error('InvalidArgument', 'A form field appears more than once.')
    fields.set(name, decoder.decode(buffer.subarray(0, valueEnd)))
    preData += valueEnd
    if (preData > MAX_PRE_DATA) throw tooLarge()
    buffer = buffer.subarray(valueEnd)
  }
}

/** The file's bytes: everything up to the next delimiter; what follows the file is ignored. */
function fileStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  initial: Uint8Array,
  delimiter: Uint8Array,
): ReadableStream<Uint8Array> {
  let buffer = initial
  let finished = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (finished) return
        const at = indexOf(buffer, delimiter)
        if (at !== -1) {
          if (at > 0) controller.enqueue(buffer.slice(0, at))
          finished = true
          controller.close()
          await reader.cancel()
          return
        }
        // Keep enough bytes to find a delimiter split across chunks.
        const safe = buffer.length - delimiter.length
        if (safe > 0) {
          controller.enqueue(buffer.slice(0, safe))
          buffer = buffer.slice(safe)
          return
        }
        const next = await reader.read()
        if (next.done) {
          controller.error(malformed())
          finished = true
          return
        }
        buffer = concat(buffer, next.value)
      }
    },
    async cancel() {
      await reader.cancel()
    },
  })
}
