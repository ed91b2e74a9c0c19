// `npm run bench:http`: Signet bundled as it deploys and served by Miniflare directly (D1
// migrated, R2, the share Durable Objects, the events queue and its consumer), loaded over
// loopback with wrk. Every route is measured against GET /healthz in the same run and reported
// as a ratio, with p50/p99, the Worker runtime's CPU per request (from /proc, and over
// /healthz's), and every failure split: 4xx/5xx answers, 503s (overload), socket errors and
// timeouts. Targets are the benchmark's, never a test's.
import { api, OBJECT, seed } from './fixtures.mjs'
import { startSignet } from './serve.mjs'
import { load } from './wrk.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
/** Rounds over every route, each run paired with a /healthz run just before it: each ratio is the median of its pairs'. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 20)
/** Uses per route read one by one for their Server-Timing counts. */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000)

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
  const { key, auth, shared: redirect, counted, share } = await seed(server, ['local', 'remote'])
  const remote = await share({ bucket: 'remote', pin: false })
  const proxied = await share({ mode: 'proxy' })
  const folder = await api(server, key, 'POST', '/v1/shares', { bucket: 'local', prefix: 'bench/' })
  const gatewayGet = await api(server, key, 'POST', '/v1/presign', { ...OBJECT, expiresIn: 3600 })
  const gatewayPath = gatewayGet.url.slice(new URL(gatewayGet.url).origin.length)
  const presignBody = JSON.stringify(OBJECT)
  const batchBody = JSON.stringify({
    items: Array.from({ length: 1000 }, (_, i) => ({
      bucket: 'local',
      key: `bench/batch/${i}.bin`,
    })),
  })
  const routes = [
    { name: 'GET /healthz', path: '/healthz', connections: 32 },
    {
      name: 'POST /v1/presign (warm key)',
      path: `/v1/presign`,
      method: 'POST',
      headers: auth,
      body: presignBody,
      connections: 32,
      target: 0.7,
    },
    {
      name: 'GET /s/:id (hot uncounted link)',
      path: `/s/${redirect.id}`,
      connections: 32,
      target: 0.7,
      count: true,
    },
    {
      name: 'GET /s/:id (hot uncounted link, remote bucket)',
      path: `/s/${remote.id}`,
      connections: 32,
      target: 0.7,
      count: true,
    },
    {
      name: 'GET /s/:id (hot counted link)',
      path: `/s/${counted.id}`,
      connections: 32,
      target: 0.5,
      count: true,
    },
    {
      name: 'GET /s/:id (hot proxied link, 4 KiB)',
      path: `/s/${proxied.id}`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s/:id (folder page, JSON)',
      path: `/s/${folder.id}`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s/:id/<path> (folder file)',
      path: `/s/${folder.id}/object.bin`,
      connections: 32,
      count: true,
    },
    {
      name: 'GET /s3/… (hot gateway GET, 4 KiB)',
      path: `${gatewayPath}`,
      connections: 32,
      count: true,
    },
    {
      name: 'POST /v1/presign/batch (1000)',
      path: `/v1/presign/batch`,
      method: 'POST',
      headers: auth,
      body: batchBody,
      connections: 4,
    },
  ]
  const origin = server.origin
  const measure = (route, seconds) =>
    load({
      origin,
      requests: route.requests ?? [route],
      connections: route.connections,
      seconds,
    })
  // Warm the isolate, the key cache and the share objects.
  for (const route of routes) await measure(route, 1)
  // Each route is measured right after /healthz, in rounds: a ratio compares two runs seconds
  // apart, so the machine's own drift (other load, frequency) falls out of it.
  const rounds = routes.map(() => [])
  const pairs = routes.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, route] of routes.entries()) {
      const baseline = await measure(routes[0], SECONDS)
      rounds[0].push(baseline)
      if (i === 0) continue
      const run = await measure(route, SECONDS)
      rounds[i].push(run)
      pairs[i].push(run.rps / baseline.rps)
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b)
    const middle = Math.floor(sorted.length / 2)
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
  const sum = (values) => values.reduce((total, value) => total + value, 0)
  const results = routes.map((route, i) => {
    const runs = rounds[i]
    return {
      route,
      result: {
        rps: median(runs.map((run) => run.rps)),
        ratio: i === 0 ? 1 : median(pairs[i]),
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
        cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
        bad: sum(runs.map((run) => run.bad)),
        overloaded: sum(runs.map((run) => run.overloaded)),
        socketErrors: sum(runs.map((run) => run.socketErrors)),
        timeouts: sum(runs.map((run) => run.timeouts)),
      },
    }
  })
  const mixedRoute = {
    name: 'mixed (presign, share uses, gateway, health)',
    connections: 64,
    requests: [
      { method: 'POST', path: '/v1/presign', headers: auth, body: presignBody },
      { method: 'GET', path: `/s/${redirect.id}` },
      { method: 'GET', path: `/s/${counted.id}` },
      { method: 'GET', path: `/s/${proxied.id}` },
      { method: 'GET', path: gatewayPath },
      { method: 'GET', path: '/healthz' },
    ],
  }
  const mixed = await measure(mixedRoute, MIXED_SECONDS)
  const baseline = results[0].result
  results.push({ route: mixedRoute, result: { ...mixed, ratio: mixed.rps / baseline.rps } })

  const row = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(50) : String(cell).padStart(9))).join(' ')
  console.log(
    `\nSignet over loopback (wrk), bundled Worker under Miniflare: medians of ${ROUNDS} rounds, each route's ${SECONDS} s run right after one of /healthz (× healthz: the median of those pairs; mixed: ${MIXED_SECONDS} s once, against the median /healthz):`,
  )
  console.log(
    row([
      'route',
      'req/s',
      '×healthz',
      'p50 ms',
      'p99 ms',
      'CPU ms',
      '+CPU µs',
      '4xx/5xx',
      '503',
      'sockets',
      'timeouts',
    ]),
  )
  let failed = false
  for (const { route, result } of results) {
    const { ratio } = result
    console.log(
      row([
        `${route.name} c=${route.connections}`,
        Math.round(result.rps),
        ratio.toFixed(2),
        result.p50.toFixed(1),
        result.p99.toFixed(1),
        result.cpuMsPerRequest.toFixed(3),
        Math.round((result.cpuMsPerRequest - baseline.cpuMsPerRequest) * 1000),
        result.bad,
        result.overloaded,
        result.socketErrors,
        result.timeouts,
      ]),
    )
    if (route.target !== undefined && ratio < route.target) {
      console.log(`  below target: ${route.name} ${ratio.toFixed(2)}× healthz < ${route.target}×`)
    }
    if (result.bad + result.socketErrors + result.timeouts > 0) failed = true
  }
  // Round trips on the request path, from each answer's Server-Timing, over more uses.
  console.log(`\nPer ${SAMPLES.toLocaleString('en')} uses (request path, from Server-Timing):`)
  console.log(row(['route', 'DO calls', 'store', 'cache hits']))
  for (const route of routes.filter((one) => one.count)) {
    let calls = 0
    let store = 0
    let hits = 0
    for (let i = 0; i < SAMPLES; i++) {
      const response = await fetch(`${origin}${route.path}`, { redirect: 'manual' })
      await response.arrayBuffer()
      const timing = response.headers.get('Server-Timing') ?? ''
      calls += Number(/do;desc="(\d+)"/.exec(timing)?.[1] ?? 0)
      store += Number(/store;desc="(\d+)"/.exec(timing)?.[1] ?? 0)
      if (/cache;desc="hit"/.test(timing)) hits++
    }
    console.log(row([route.name, calls, store, hits]))
  }
  console.log(
    '\nTargets: presign ≥ 0.7× healthz, share use ≥ 0.7×, counted share use ≥ 0.5×; no 4xx/5xx, socket error or timeout anywhere (mixed at c=64 included); ≤ 50 DO calls per 1,000 uses of a hot uncounted link; ≤ 4 store reads per 1,000 uses of a hot proxied link.',
  )
  // Failures mean something broke; a ratio under its target is a finding, printed above.
  if (failed) process.exitCode = 1
} finally {
  await server.stop()
}
