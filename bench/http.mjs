// `npm run bench:http`: Signet bundled as it deploys and served by Miniflare directly (D1
// migrated, R2, the share Durable Objects), loaded over loopback with autocannon. Every route is
// measured against GET /healthz in the same run and reported as a ratio, with p50/p99, the Worker
// runtime's CPU per request (from /proc) and errors. Targets are the benchmark's, never a test's.
import { readdirSync, readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { startSignet } from './serve.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 20)

/** CPU seconds used so far by the workerd processes serving Signet (children of this process). */
function workerdCpuSeconds() {
  const tick = 100 // USER_HZ on Linux
  let total = 0
  const ours = new Set([process.pid])
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
        const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'))
        return {
          pid: Number(pid),
          ppid: Number(fields[1]),
          name,
          cpu: Number(fields[11]) + Number(fields[12]),
        }
      } catch {
        return undefined
      }
    })
    .filter(Boolean)
  // Descendants of this process, whatever depth miniflare spawns them at.
  for (let grew = true; grew; ) {
    grew = false
    for (const stat of stats) {
      if (!ours.has(stat.pid) && ours.has(stat.ppid)) {
        ours.add(stat.pid)
        grew = true
      }
    }
  }
  for (const stat of stats)
    if (ours.has(stat.pid) && stat.name.includes('workerd')) total += stat.cpu
  return total / tick
}

function run(options) {
  return new Promise((resolve, reject) => {
    const before = workerdCpuSeconds()
    autocannon({ timeout: 2, ...options }, (error, result) => {
      if (error) return reject(error)
      const cpu = workerdCpuSeconds() - before
      resolve({ ...result, cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests.total) })
    })
  })
}

async function api(server, token, method, path, body) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

// The Worker alone: Miniflare's asset router (for /docs and /console files) would sit in front of
// every request and cost CPU of its own here.
// A remote bucket next to the gateway's: its redirect shares make no per-use call to a store
// (nothing listens on its port; only URLs are signed for it).
const remoteCredential = {
  accessKeyId: 'BENCHREMOTEKEY',
  secretAccessKey: 'bench-remote-secret-0123456789',
}
const server = await startSignet(
  {
    SIGNET_BUCKETS: JSON.stringify({
      local: { binding: 'BUCKET_LOCAL' },
      remote: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' },
    }),
    SIGNET_CREDENTIALS: JSON.stringify({
      local: { accessKeyId: 'SIGNETMFKEY', secretAccessKey: 'signet-mf-secret-0123456789' },
      remote: remoteCredential,
    }),
  },
  { assets: false },
)
try {
  const scope = { buckets: ['local', 'remote'], operations: ['get', 'head', 'put', 'share'] }
  const { key } = await api(server, server.adminToken, 'POST', '/v1/keys', { name: 'bench', scope })
  const put = await api(server, key, 'POST', '/v1/presign', {
    bucket: 'local',
    key: 'bench/object.bin',
    method: 'PUT',
  })
  await fetch(put.url, { method: 'PUT', body: new Uint8Array(4096) })
  const redirect = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: 'bench/object.bin',
  })
  const counted = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: 'bench/object.bin',
    maxDownloads: 1_000_000,
  })
  const remote = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'remote',
    key: 'bench/object.bin',
    pin: false,
  })
  const proxied = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: 'bench/object.bin',
    mode: 'proxy',
  })
  const folder = await api(server, key, 'POST', '/v1/shares', { bucket: 'local', prefix: 'bench/' })
  const gatewayGet = await api(server, key, 'POST', '/v1/presign', {
    bucket: 'local',
    key: 'bench/object.bin',
    expiresIn: 3600,
  })
  const gatewayPath = gatewayGet.url.slice(new URL(gatewayGet.url).origin.length)
  const auth = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }
  const presignBody = JSON.stringify({ bucket: 'local', key: 'bench/object.bin' })
  const batchBody = JSON.stringify({
    items: Array.from({ length: 1000 }, (_, i) => ({
      bucket: 'local',
      key: `bench/batch/${i}.bin`,
    })),
  })
  const routes = [
    { name: 'GET /healthz', url: `${server.origin}/healthz`, connections: 32 },
    {
      name: 'POST /v1/presign (warm key)',
      url: `${server.origin}/v1/presign`,
      method: 'POST',
      headers: auth,
      body: presignBody,
      connections: 32,
      target: 0.7,
    },
    {
      name: 'GET /s/:id (hot uncounted link)',
      url: `${server.origin}/s/${redirect.id}`,
      connections: 32,
      target: 0.7,
      count: true,
    },
    {
      name: 'GET /s/:id (hot uncounted link, remote bucket)',
      url: `${server.origin}/s/${remote.id}`,
      connections: 32,
      target: 0.7,
      count: true,
    },
    {
      name: 'GET /s/:id (hot counted link)',
      url: `${server.origin}/s/${counted.id}`,
      connections: 32,
      target: 0.5,
      count: true,
    },
    {
      name: 'GET /s/:id (hot proxied link, 4 KiB)',
      url: `${server.origin}/s/${proxied.id}`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s/:id (folder page, JSON)',
      url: `${server.origin}/s/${folder.id}`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s/:id/<path> (folder file)',
      url: `${server.origin}/s/${folder.id}/object.bin`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s3/… (hot gateway GET, 4 KiB)',
      url: `${server.origin}${gatewayPath}`,
      connections: 32,
      count: true,
    },
    {
      name: 'POST /v1/presign/batch (1000)',
      url: `${server.origin}/v1/presign/batch`,
      method: 'POST',
      headers: auth,
      body: batchBody,
      connections: 4,
    },
  ]
  // Warm the isolate, the key cache and the share objects.
  for (const route of routes) await run({ ...route, duration: 1 })
  const results = []
  for (const route of routes)
    results.push({ route, result: await run({ ...route, duration: SECONDS }) })
  const mixed = await run({
    url: server.origin,
    connections: 64,
    duration: MIXED_SECONDS,
    requests: [
      { method: 'POST', path: '/v1/presign', headers: auth, body: presignBody },
      { method: 'GET', path: `/s/${redirect.id}` },
      { method: 'GET', path: `/s/${counted.id}` },
      { method: 'GET', path: `/s/${proxied.id}` },
      { method: 'GET', path: gatewayPath },
      { method: 'GET', path: '/healthz' },
    ],
  })
  results.push({
    route: { name: 'mixed at c=64 (presign, share uses, health)', connections: 64 },
    result: mixed,
  })

  const baseline = results[0].result.requests.average
  const row = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? String(cell).padEnd(46) : String(cell).padStart(10)))
      .join(' ')
  console.log(
    `\nSignet over loopback, bundled Worker under Miniflare, ${SECONDS} s per route (mixed ${MIXED_SECONDS} s):`,
  )
  console.log(
    row(['route', 'req/s', '× healthz', 'p50 ms', 'p99 ms', 'CPU ms/req', 'errors', 'p99/p50']),
  )
  let failed = false
  for (const { route, result } of results) {
    const errors = result.errors + result.timeouts + result['5xx']
    const ratio = result.requests.average / baseline
    const spread = result.latency.p99 / Math.max(1, result.latency.p50)
    console.log(
      row([
        `${route.name} c=${route.connections}`,
        Math.round(result.requests.average),
        ratio.toFixed(2),
        result.latency.p50,
        result.latency.p99,
        result.cpuMsPerRequest.toFixed(2),
        errors,
        spread.toFixed(1),
      ]),
    )
    if (route.target !== undefined && ratio < route.target) {
      console.log(`  below target: ${route.name} ${ratio.toFixed(2)}× healthz < ${route.target}×`)
    }
    if (errors > 0) failed = true
  }
  // Round trips on the request path, from each answer's Server-Timing, over 1,000 more uses.
  console.log('\nPer 1,000 uses (request path, from Server-Timing):')
  console.log(row(['route', 'DO calls', 'store', 'cache hits']))
  for (const route of routes.filter((one) => one.count)) {
    let calls = 0
    let store = 0
    let hits = 0
    for (let i = 0; i < 1000; i++) {
      const response = await fetch(route.url, { redirect: 'manual' })
      await response.arrayBuffer()
      const timing = response.headers.get('Server-Timing') ?? ''
      calls += Number(/do;desc="(\d+)"/.exec(timing)?.[1] ?? 0)
      store += Number(/store;desc="(\d+)"/.exec(timing)?.[1] ?? 0)
      if (/cache;desc="hit"/.test(timing)) hits++
    }
    console.log(row([route.name, calls, store, hits]))
  }
  console.log(
    '\nTargets: presign ≥ 0.7× healthz, share use ≥ 0.7×, counted share use ≥ 0.5×, 0 errors and 0 timeouts at c=64, p99 ≤ 3× p50; ≤ 50 DO calls per 1,000 uses of a hot uncounted link; ≤ 4 store reads per 1,000 uses of a hot proxied link.',
  )
  // Errors mean something broke; a ratio under its target is a finding, printed above.
  if (failed) process.exitCode = 1
} finally {
  await server.stop()
}
