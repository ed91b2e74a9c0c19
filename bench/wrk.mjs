// Load over loopback with wrk (a C load generator: it leaves the 2 cores to the runtime far more
// than a Node one would), one thread, a Lua script that cycles through the given requests and
// tallies every answer's status. The workerd processes' CPU is read from /proc around the run.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A Lua string literal. */
const lua = (text) => `"${[...Buffer.from(text)].map((byte) => `\\${byte}`).join('')}"`

function script(requests) {
  const formatted = requests.map(
    ({ method = 'GET', path, headers = {}, body }) =>
      `wrk.format(${lua(method)}, ${lua(path)}, {${Object.entries(headers)
        .map(([name, value]) => `[${lua(name)}] = ${lua(value)}`)
        .join(', ')}}, ${body === undefined ? 'nil' : lua(body)})`,
  )
  return `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  statuses = {}
  prepared = { ${formatted.join(',\n')} }
  index = 0
end
function request()
  index = index % #prepared + 1
  return prepared[index]
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do counts[k] = (counts[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%d":%d', k, v)) end
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(99),
    table.concat(parts, ",")))
end
`
}

/** CPU seconds used so far by the workerd processes that descend from this process. */
export function workerdCpuSeconds() {
  const tick = 100 // USER_HZ on Linux
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
  for (let grew = true; grew; ) {
    grew = false
    for (const stat of stats) {
      if (!ours.has(stat.pid) && ours.has(stat.ppid)) {
        ours.add(stat.pid)
        grew = true
      }
    }
  }
  let total = 0
  for (const stat of stats)
    if (ours.has(stat.pid) && stat.name.includes('workerd')) total += stat.cpu
  return total / tick
}

/**
 * Loads `origin` with `requests` in turn over `connections` for `seconds`. Answers req/s,
 * p50/p99 in ms, the socket errors and timeouts (wrk's 2 s), the count of each status, and the
 * runtime's CPU ms per request.
 */
export async function load({ origin, requests, connections, seconds }) {
  const dir = mkdtempSync(join(tmpdir(), 'signet-wrk-'))
  const file = join(dir, 'load.lua')
  writeFileSync(file, script(requests))
  const before = workerdCpuSeconds()
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '2s', '-s', file, origin]
  const out = await new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
    })
    child.stderr.on('data', (chunk) => {
      text += chunk
    })
    child.on('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('wrk is not installed (Debian: apt-get install wrk)')
          : error,
      ),
    )
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    )
  })
  const cpu = workerdCpuSeconds() - before
  rmSync(dir, { recursive: true, force: true })
  const line = out.split('\n').find((one) => one.startsWith('WRKJSON '))
  if (!line) throw new Error(`wrk printed no summary: ${out}`)
  const raw = JSON.parse(line.slice('WRKJSON '.length))
  const total = Math.max(1, raw.requests)
  const { statuses } = raw
  const bad = Object.entries(statuses)
    .filter(([status]) => Number(status) >= 400)
    .reduce((sum, [, count]) => sum + count, 0)
  return {
    rps: raw.requests / (raw.duration_us / 1e6),
    p50: raw.p50_us / 1000,
    p99: raw.p99_us / 1000,
    socketErrors: raw.connect + raw.read + raw.write,
    timeouts: raw.timeout,
    statuses,
    bad,
    overloaded: statuses['503'] ?? 0,
    cpuMsPerRequest: (cpu * 1000) / total,
  }
}
