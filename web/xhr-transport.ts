// The uploader's transport in a browser, for the console and the upload-link page alike:
// XMLHttpRequest, for its upload progress events (fetch has none for request bodies).
import { TransferRefused, type Transport } from '../src/uploader'

/** Signet's own error message in an answer (a PUT to an upload link), if it is one. */
function signetMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    return typeof message === 'string' ? message : undefined
  } catch {
    return undefined
  }
}

/** What an upload sends: a File, or bytes made on demand (a file encrypted part by part). */
export type UploadBody = {
  readonly size: number
  slice(start: number, end: number): Blob | Promise<Blob>
}

/**
 * The uploader's transport in a browser: XMLHttpRequest, for its upload progress events.
 * `answered` gets the body of each successful PUT (an upload link answers where the file went).
 */
export function xhrTransport(file: UploadBody, answered?: (body: string) => void): Transport {
  return {
    async exists(url, signal) {
      const response = await fetch(url, { method: 'HEAD', signal })
      if (response.status === 404) return false
      if (!response.ok) {
        throw new TransferRefused(
          response.status,
          `The store answered ${response.status} to a HEAD.`,
        )
      }
      return true
    },
    async put(url, headers, { start, end }, sent, signal) {
      const body = await file.slice(start, end)
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest()
        const abort = () => xhr.abort()
        signal.addEventListener('abort', abort, { once: true })
        const settle = () => signal.removeEventListener('abort', abort)
        xhr.open('PUT', url)
        for (const [name, value] of Object.entries(headers)) {
          // The browser sets Content-Length itself.
          if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value)
        }
        xhr.upload.onprogress = (event) => sent(event.loaded)
        xhr.onload = () => {
          settle()
          if (xhr.status >= 200 && xhr.status < 300) {
            sent(body.size)
            answered?.(xhr.responseText)
            resolve(xhr.getResponseHeader('ETag'))
          } else {
            const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText)?.[1]
            reject(
              new TransferRefused(
                xhr.status,
                signetMessage(xhr.responseText) ??
                  `The store refused the upload (${xhr.status}${code ? ` ${code}` : ''}).`,
              ),
            )
          }
        }
        xhr.onerror = () => {
          settle()
          reject(new Error('The upload failed: the connection broke.'))
        }
        xhr.onabort = () => {
          settle()
          reject(signal.reason ?? new DOMException('Cancelled', 'AbortError'))
        }
        if (signal.aborted) return abort()
        xhr.send(body)
      })
    },
  }
}
