// `npm run bench:profile`: where a request's CPU goes inside workerd. Serves the bundle under
// Miniflare with the runtime's inspector on, loads one route at a time with wrk while the V8
// CPU profiler samples (every 100 µs), and prints the functions that took the most CPU, by self
// time and by time including callees, as a share of all samples. Each profile is also written as
// a .cpuprofile (open it in Chrome DevTools' Performance panel).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OBJECT, seed } from './fixtures.mjs'
import { startSignet } from './serve.mjs'
import { load } from './wrk.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const TOP = Number(process.env.BENCH_TOP ?? 15)
const OUT = process.env.BENCH_PROFILE_DIR ?? join(import.meta.dirname, '..', '.profiles')
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9339)

/** A DevTools protocol session over the runtime's inspector WebSocket. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json()
  const target = targets.find((one) => /signet/.test(one.webSocketDebuggerUrl ?? ''))
  if (!target) throw new Error(`no inspector target for signet: ${JSON.stringify(targets)}`)
  const socket = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true })
    socket.addEventListener('error', reject, { once: true })
  })
  let next = 0
  const waiting = new Map()
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data))
    const pending = waiting.get(message.id)
    if (!pending) return
    waiting.delete(message.id)
    if (message.error) pending.reject(new Error(JSON.stringify(message.error)))
    else pending.resolve(message.result)
  })
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next
      waiting.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  return { send, close: () => socket.close() }
}

/** Self and total sample counts per function (name, file, line), most expensive first. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame
    const file = url ? url.split('/').pop() : ''
    return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
  }
  const self = new Map()
  const total = new Map()
  for (const id of profile.samples) {
    const node = byId.get(id)
    self.set(label(node), (self.get(label(node)) ?? 0) + 1)
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at))
      if (seen.has(name)) continue
      seen.add(name)
      total.set(name, (total.get(name) ?? 0) + 1)
    }
  }
  const samples = profile.samples.length
  const idle = ['(idle) :0', '(program) :0', '(garbage collector) :0'].reduce(
    (sum, name) => sum + (self.get(name) ?? 0),
    0,
  )
  const top = (map) =>
    [...map.entries()]
      .filter(([name]) => !/^\((root|idle|program)\)/.test(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
  return { samples, busy: samples - idle, self: top(self), total: top(total) }
}

const server = await startSignet({}, { assets: false, inspectorPort: INSPECTOR_PORT })
try {
  const { auth, shared: share, counted } = await seed(server)
  const routes = [
    { name: 'healthz', path: '/healthz' },
    {
      name: 'presign',
      method: 'POST',
      path: '/v1/presign',
      headers: auth,
      body: JSON.stringify(OBJECT),
    },
    { name: 'share-use', path: `/s/${share.id}` },
    { name: 'counted-use', path: `/s/${counted.id}` },
  ]
  const session = await inspector(INSPECTOR_PORT)
  await session.send('Profiler.enable')
  await session.send('Profiler.setSamplingInterval', { interval: 100 })
  mkdirSync(OUT, { recursive: true })
  for (const route of routes) {
    await load({ origin: server.origin, requests: [route], connections: 16, seconds: 1 })
    await session.send('Profiler.start')
    const result = await load({
      origin: server.origin,
      requests: [route],
      connections: 16,
      seconds: SECONDS,
    })
    const { profile } = await session.send('Profiler.stop')
    const file = join(OUT, `${route.name}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    const summary = summarise(profile)
    const requests = Math.round(result.rps * SECONDS)
    const busyUs = (summary.busy * 100) / Math.max(1, requests)
    console.log(
      `\n${route.name}: ${Math.round(result.rps)} req/s, ${result.cpuMsPerRequest.toFixed(3)} ms workerd CPU/req, ≈${busyUs.toFixed(0)} µs in JavaScript/req (${file})`,
    )
    const width = Math.max(...summary.self.map(([name]) => name.length), 20)
    console.log(`  ${'self'.padEnd(width)}   %`)
    for (const [name, count] of summary.self) {
      console.log(
        `  ${name.padEnd(width)} ${((100 * count) / summary.busy).toFixed(1).padStart(5)}`,
      )
    }
    console.log(`  ${'total (with callees)'.padEnd(width)}   %`)
    for (const [name, count] of summary.total) {
      console.log(
        `  ${name.padEnd(width)} ${((100 * count) / summary.busy).toFixed(1).padStart(5)}`,
      )
    }
  }
  session.close()
} finally {
  await server.stop()
}
