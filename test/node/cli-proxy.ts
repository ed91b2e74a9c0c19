// A loopback HTTP proxy in front of Signet for the CLI's transfer tests: it forwards everything
// unchanged (the Host header too, so Signet signs URLs for the proxy), records what passes, and
// can fail a part's PUT, cut a download halfway or slow bytes down. Stopped by `stop()`.
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Transform } from 'node:stream'

export type Seen = { method: string; path: string; range: string | undefined; status?: number }

export type ProxyControl = {
  origin: string
  seen: Seen[]
  /** PUTs of each part number, failed ones included. */
  partAttempts: Map<number, number>
  /** The most part PUTs in flight at once. */
  maxPartsInFlight: number
  /** Part number → how many of its next PUTs to fail with a 500. */
  failParts: Map<number, number>
  /**
   * Cut the next object GET after exactly this many bytes of its body (the client receives them
   * all, then the connection ends early); later GETs pass whole.
   */
  cutNextDownloadAfter: number | undefined
  /** Reset object GETs, one entry each, after that many bytes of their body (then pass whole). */
  resetDownloadsAfter: number[]
  /** Flip one bit of the next object GET's body at this offset of the body. */
  corruptNextDownloadAt: number | undefined
  /** Bytes per second for object bodies (PUT and GET), undefined for full speed. */
  bytesPerSecond: number | undefined
  stop(): Promise<void>
}

/** A stream that lets `bytesPerSecond()` bytes through per second (read at each chunk). */
function throttle(bytesPerSecond: () => number | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const rate = bytesPerSecond()
      if (!rate) return done(null, chunk)
      setTimeout(() => done(null, chunk), (chunk.length / rate) * 1000)
    },
  })
}

export async function startProxy(target: string): Promise<ProxyControl> {
  const upstream = new URL(target)
  let inFlight = 0
  const control: ProxyControl = {
    origin: '',
    seen: [],
    partAttempts: new Map(),
    maxPartsInFlight: 0,
    failParts: new Map(),
    cutNextDownloadAfter: undefined,
    resetDownloadsAfter: [],
    corruptNextDownloadAt: undefined,
    bytesPerSecond: undefined,
    stop: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const seen: Seen = { method: req.method ?? '', path: url.pathname, range: req.headers.range }
    control.seen.push(seen)
    const partNumber = Number(url.searchParams.get('partNumber'))
    const isPart = req.method === 'PUT' && partNumber > 0
    const isObjectGet = req.method === 'GET' && url.pathname.startsWith('/s3/')
    let release = () => {}
    if (isPart) {
      control.partAttempts.set(partNumber, (control.partAttempts.get(partNumber) ?? 0) + 1)
      const failures = control.failParts.get(partNumber) ?? 0
      if (failures > 0) {
        control.failParts.set(partNumber, failures - 1)
        req.resume()
        req.on('end', () => {
          seen.status = 500
          res.writeHead(500, { 'Content-Type': 'application/xml' })
          res.end('<Error><Code>InternalError</Code><Message>injected</Message></Error>')
        })
        return
      }
      inFlight++
      control.maxPartsInFlight = Math.max(control.maxPartsInFlight, inFlight)
      // A part is done when its answer has come back from upstream (it is then on its way to the
      // client, which may start the next part before this response's 'close' is seen here).
      let held = true
      release = () => {
        if (held) inFlight--
        held = false
      }
      res.on('close', release)
    }
    const out = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        answer.on('end', () => release())
        seen.status = answer.statusCode
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        const reset = isObjectGet ? control.resetDownloadsAfter.shift() : undefined
        const corrupt = isObjectGet ? control.corruptNextDownloadAt : undefined
        if (reset !== undefined || corrupt !== undefined) {
          if (corrupt !== undefined) control.corruptNextDownloadAt = undefined
          let passed = 0
          answer.on('data', (chunk: Buffer) => {
            if (reset !== undefined && passed >= reset) return
            if (corrupt !== undefined && corrupt >= passed && corrupt < passed + chunk.length) {
              chunk = Buffer.from(chunk)
              chunk[corrupt - passed] = (chunk[corrupt - passed] as number) ^ 0x01
            }
            if (reset !== undefined && passed + chunk.length >= reset) {
              res.write(chunk.subarray(0, reset - passed), () => {
                // A reset (RST), as a dropped connection arrives, not a clean close.
                answer.destroy()
                res.socket?.resetAndDestroy()
              })
              passed = reset
              return
            }
            passed += chunk.length
            res.write(chunk)
          })
          answer.on('end', () => res.end())
          return
        }
        const cut = isObjectGet ? control.cutNextDownloadAfter : undefined
        if (cut !== undefined) {
          control.cutNextDownloadAfter = undefined
          let passed = 0
          answer.on('data', (chunk: Buffer) => {
            // Nothing after the cut: a chunk already read from upstream may still arrive.
            if (passed >= cut) return
            const room = cut - passed
            passed += Math.min(room, chunk.length)
            if (chunk.length < room) {
              res.write(chunk)
              return
            }
            res.write(chunk.subarray(0, room))
            answer.destroy()
            // FIN after every byte written so far (destroy would drop what is still buffered):
            // the client gets exactly `cut` bytes of a longer body, then the connection ends.
            res.socket?.end()
          })
          return
        }
        const body = isObjectGet ? answer.pipe(throttle(() => control.bytesPerSecond)) : answer
        body.pipe(res)
      },
    )
    out.on('error', () => res.socket?.destroy())
    const body =
      isPart || req.method === 'PUT' ? req.pipe(throttle(() => control.bytesPerSecond)) : req
    body.pipe(out)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  control.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return control
}
