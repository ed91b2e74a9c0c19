// `npm run bench`: runs bench/worker.ts in workerd (wrangler's local runtime) and times
// batches of URL signing for each variant, interleaved over several rounds in the same run.
// Prints URLs/s (median of rounds) and the ratios the targets are stated in.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { unstable_startWorker } from 'wrangler'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.BENCH_N ?? 20000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'floor,signet,aws4fetch').split(',')
const ZIP_MIB = Number(process.env.BENCH_ZIP_MIB ?? 256)
const ZIP_FILES = Number(process.env.BENCH_ZIP_FILES ?? 64)

// wrangler bundles and serves the bench Worker; each timed request signs N URLs, so the
// proxy's per-request cost is noise next to the batch.
// Its own wrangler.toml: Signet's (the default) would ask the bench Worker for Signet's bindings.
const worker = await unstable_startWorker({
  config: join(root, 'bench/wrangler.toml'),
  dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'warn' },
})
await worker.ready

async function time(variant, n) {
  const started = process.hrtime.bigint()
  const response = await worker.fetch(`http://bench/?variant=${variant}&n=${n}`)
  if (!response.ok) throw new Error(`${variant}: ${response.status} ${await response.text()}`)
  await response.json()
  return Number(process.hrtime.bigint() - started) / 1e9
}

try {
  for (const variant of VARIANTS) await time(variant, 2000) // warm up the isolate and the JIT
  const rates = Object.fromEntries(VARIANTS.map((v) => [v, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) rates[variant].push(N / (await time(variant, N)))
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  // Ratios are taken per round (variants run back to back) and then the median, so drift in
  // the machine's speed between rounds cancels out.
  const ratio = (a, b) => median(rates[a].map((rate, i) => rate / rates[b][i]))
  console.log(`Presigned URLs per second, median of ${ROUNDS} rounds of ${N} (one workerd run):`)
  for (const v of VARIANTS) {
    console.log(`  ${v.padEnd(10)} ${Math.round(median(rates[v])).toString().padStart(8)} URLs/s`)
  }
  console.log(`  signet / aws4fetch = ${ratio('signet', 'aws4fetch').toFixed(2)}x   (target >= 5)`)
  console.log(`  signet / floor     = ${ratio('signet', 'floor').toFixed(2)}x   (target >= 0.8)`)

  // A folder share's zip against the same bytes passed straight through (a proxied download).
  async function zipTime(how) {
    const started = process.hrtime.bigint()
    const url = `http://bench/?zip=${how}&mib=${ZIP_MIB}&files=${ZIP_FILES}`
    const response = await worker.fetch(url)
    if (!response.ok) throw new Error(`zip ${how}: ${response.status}`)
    await response.json()
    return Number(process.hrtime.bigint() - started) / 1e9
  }
  const zipRates = { copy: [], zip: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const how of ['copy', 'zip']) zipRates[how].push(ZIP_MIB / (await zipTime(how)))
  }
  const copyRate = median(zipRates.copy)
  const zipRate = median(zipRates.zip)
  const zipRatio = median(zipRates.zip.map((rate, i) => rate / zipRates.copy[i]))
  console.log(`\nA folder zip of ${ZIP_MIB} MiB in ${ZIP_FILES} files, median of ${ROUNDS} rounds:`)
  console.log(`  bytes passed through  ${Math.round(copyRate).toString().padStart(6)} MiB/s`)
  console.log(`  zipped (client-zip)   ${Math.round(zipRate).toString().padStart(6)} MiB/s`)
  console.log(`  zip / pass-through = ${zipRatio.toFixed(2)}x`)
  console.log(
    `  about ${Math.round((1024 / zipRate) * 1000)} ms of CPU per GiB zipped (one core of this machine)`,
  )
} finally {
  await worker.dispose()
}
