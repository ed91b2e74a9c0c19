// What an encrypted share's page and its decrypting service worker say to each other: the page
// gives the worker a job (the link, its key, the name to save under) with a port, then opens
// DECRYPT_PATH + token, which the worker answers with the plaintext as a download; the worker
// reports on the port how it goes. Both fetch the ciphertext the one way (fetchCiphertext).

/** Where the page asks for a job's download (answered only by the worker, 404 past it). */
export const DECRYPT_PATH = '/s/_decrypt/'

/** The worker's script and the scope it controls: Signet's share links, nothing else. */
export const WORKER_URL = '/s/decrypt.js'
export const WORKER_SCOPE = '/s/'

export type DecryptJob = {
  token: string
  id: string
  secret: Uint8Array
  name: string
  /** The plaintext's size as its encrypted facts say (null: unknown): the download's length. */
  size: number | null
}

export type DecryptNews =
  | { type: 'ready' }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; bytes: number }
  /** The link refused the download (used up, revoked, expired…): its status and message. */
  | { type: 'refused'; status: number; message: string }
  /** A record did not verify, or the body ended without its last record. */
  | { type: 'damaged'; message: string }
  | { type: 'failed'; message: string }

/**
 * The ciphertext, through the link's normal use: a POST (counted and capped as any download)
 * asking for bytes, so a refusal comes as Signet's JSON error.
 */
export function fetchCiphertext(id: string): Promise<Response> {
  return fetch(`/s/${id}`, {
    method: 'POST',
    headers: { Accept: 'application/octet-stream' },
    credentials: 'same-origin',
  })
}

/** Signet's message in a refusal's JSON answer, or a general one. */
export async function refusalMessage(answer: Response): Promise<string> {
  try {
    const body = (await answer.json()) as { error?: { message?: unknown } }
    if (typeof body.error?.message === 'string') return body.error.message
  } catch {}
  return `The link answered ${answer.status}.`
}
