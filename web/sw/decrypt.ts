// The service worker that decrypts an end-to-end encrypted share as it downloads (as Send does):
// the share's page hands it a job with the key, then opens DECRYPT_PATH + token; the worker
// fetches the ciphertext through the link's normal use (a POST, counted and capped as any
// download), decrypts it record by record and answers with the plaintext as an attachment, so
// the browser writes it to disk as it comes and no file is ever whole in memory. A record that
// does not verify, or a body without its last record, errors the stream: the browser's download
// fails and no complete file is left. The key stays in this browser: the page gave it by
// postMessage, and it is forgotten when the job ends.
import { contentDisposition } from '../../src/lib/content-disposition'
import { DecryptError, decryptStream } from '../../src/lib/ece'
import {
  DECRYPT_PATH,
  type DecryptJob,
  type DecryptNews,
  fetchCiphertext,
  refusalMessage,
} from './protocol'

declare const self: ServiceWorkerGlobalScope

type Job = DecryptJob & { port: MessagePort }

/** Jobs given and not yet opened, by token. */
const jobs = new Map<string, Job>()

/** Progress at most this often, in bytes. */
const PROGRESS_STEP = 1024 * 1024

function isJob(data: unknown): data is DecryptJob {
  const job = data as Partial<DecryptJob> | null
  return (
    typeof job?.token === 'string' &&
    typeof job.id === 'string' &&
    /^[A-Za-z0-9_-]+$/.test(job.id) &&
    job.secret instanceof Uint8Array &&
    job.secret.byteLength === 16 &&
    typeof job.name === 'string' &&
    (job.size === null || (Number.isSafeInteger(job.size) && (job.size as number) >= 0))
  )
}

/** The plaintext of the job's link as a download; 204 (no navigation) when there is none. */
async function download(job: Job): Promise<Response> {
  const tell = (news: DecryptNews) => job.port.postMessage(news)
  const nothing = () => new Response(null, { status: 204 })
  let answer: Response
  try {
    answer = await fetchCiphertext(job.id)
  } catch {
    tell({ type: 'failed', message: 'The download could not start: the connection broke.' })
    return nothing()
  }
  if (!answer.ok || !answer.body) {
    tell({ type: 'refused', status: answer.status, message: await refusalMessage(answer) })
    return nothing()
  }
  const plain = answer.body.pipeThrough(decryptStream(job.secret)).getReader()
  let bytes = 0
  let told = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await plain.read()
        if (done) {
          tell({ type: 'done', bytes })
          controller.close()
          return
        }
        bytes += value.byteLength
        if (bytes - told >= PROGRESS_STEP) {
          told = bytes
          tell({ type: 'progress', bytes })
        }
        controller.enqueue(value)
      } catch (error) {
        tell(
          error instanceof DecryptError
            ? { type: 'damaged', message: error.message }
            : { type: 'failed', message: 'The download broke off.' },
        )
        controller.error(error)
      }
    },
    cancel(reason) {
      tell({ type: 'failed', message: 'The download was cancelled.' })
      return plain.cancel(reason)
    },
  })
  const headers = new Headers({
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition('attachment', job.name),
    'Cache-Control': 'no-store',
  })
  // The browser shows the download's progress, and fails one that ends short of it.
  if (job.size !== null) headers.set('Content-Length', String(job.size))
  return new Response(body, { headers })
}

self.addEventListener('install', () => {
  void self.skipWaiting()
})
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})
self.addEventListener('message', (event) => {
  const port = event.ports[0]
  // A ping only keeps the worker alive while a long download runs.
  if (!port || !isJob(event.data)) return
  jobs.set(event.data.token, { ...event.data, port })
  port.postMessage({ type: 'ready' } satisfies DecryptNews)
})
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin || !url.pathname.startsWith(DECRYPT_PATH)) return
  const token = url.pathname.slice(DECRYPT_PATH.length)
  const job = jobs.get(token)
  jobs.delete(token)
  event.respondWith(job ? download(job) : new Response(null, { status: 204 }))
})
