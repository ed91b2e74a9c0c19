// What every command shares: how a command is declared (its options, each with its help, parsed
// by node:util parseArgs so an option of another command is a usage error), the help text made
// from the declaration, where output goes, the failures with their exit codes, and the small
// readers of arguments (s3:// URLs, durations, sizes, lists).
import { parseArgs } from 'node:util'
import { SignetClient } from '../src/client'
import { StepError, type Target } from '../src/uploader'
import { profilePath, readProfile } from './profiles'

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 3,
  missing: 4,
  unreachable: 5,
  interrupted: 130,
}

export class UsageError extends Error {}

export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

/** One option: parseArgs' declaration plus what help says of it. */
export type OptionSpec = {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** The value's placeholder in help (`N`, `CIDR`, `8MiB`). */
  value?: string
  help: string
  /** Other spellings taken for the same option (`--expire` for `--expires-in`). */
  aliases?: readonly string[]
}

export type OptionSpecs = Record<string, OptionSpec>

/** Options every command takes. */
export const COMMON_OPTIONS = {
  url: { type: 'string', value: 'URL', help: "Signet's URL (default: SIGNET_URL)" },
  token: { type: 'string', value: 'TOKEN', help: 'an API key or the admin token (SIGNET_TOKEN)' },
  profile: {
    type: 'string',
    value: 'NAME',
    help: 'the profile signet login saved (SIGNET_PROFILE; default: default)',
  },
  json: { type: 'boolean', help: "print Signet's answer as JSON" },
  quiet: { type: 'boolean', short: 'q', help: 'print nothing' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies OptionSpecs

type Value<S extends OptionSpec> = S['type'] extends 'string'
  ? S['multiple'] extends true
    ? string[]
    : string
  : boolean

/** The parsed values of a command's options (its own and the common ones). */
export type Values<O extends OptionSpecs> = {
  [K in keyof (O & typeof COMMON_OPTIONS)]?: Value<(O & typeof COMMON_OPTIONS)[K]>
}

/** Where a command's output goes: stdout for what was asked for, stderr for the rest. */
export type Io = { out: (text: string) => void; err: (text: string) => void }

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

export type Command<O extends OptionSpecs = OptionSpecs> = {
  name: string
  /** What follows the name: `<file|-> s3://bucket/key`. */
  usage: string[]
  /** How many words it takes besides options, at least and at most: one more is a usage error. */
  arity: readonly [number, number]
  summary: string
  options: O
  run(input: { positionals: string[]; options: Values<O>; io: Io }): Promise<void>
}

/** Declares a command (keeps its option types). */
export function command<O extends OptionSpecs>(spec: Command<O>): Command<O> {
  return spec
}

/** parseArgs for one command: its options and the common ones, nothing else. */
export function parse<O extends OptionSpecs>(
  cmd: Command<O>,
  args: string[],
): { positionals: string[]; options: Values<O> } {
  const specs: OptionSpecs = { ...cmd.options, ...COMMON_OPTIONS }
  const declared = (spec: OptionSpec, short = true) => ({
    type: spec.type,
    ...(short && spec.short ? { short: spec.short } : {}),
    ...(spec.multiple ? { multiple: true } : {}),
  })
  const options = Object.fromEntries(
    Object.entries(specs).flatMap(([name, spec]) => [
      [name, declared(spec)],
      ...(spec.aliases ?? []).map((alias) => [alias, declared(spec, false)]),
    ]),
  )
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(optionProblem(error instanceof Error ? error.message : '', options))
  }
  const values: Record<string, unknown> = { ...parsed.values }
  for (const [name, spec] of Object.entries(specs)) {
    for (const alias of spec.aliases ?? []) {
      if (values[alias] !== undefined && values[name] === undefined) values[name] = values[alias]
      delete values[alias]
    }
  }
  return { positionals: parsed.positionals, options: values as Values<O> }
}

/** parseArgs' complaint in one clean line: the option, and what was probably meant. */
function optionProblem(message: string, options: Record<string, { type: string }>): string {
  const unknown = /Unknown option '(--?[^']+)'/.exec(message)?.[1]
  if (unknown) {
    const guess = unknown.startsWith('--')
      ? closest(unknown.slice(2).split('=')[0] ?? '', Object.keys(options))
      : undefined
    return `unknown option ${unknown}${guess ? ` (did you mean --${guess}?)` : ''}`
  }
  const needs = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)?.[1]
  if (needs) return `${needs} needs a value`
  const flag = /Option '(--[\w-]+)' does not take an argument/.exec(message)?.[1]
  if (flag) return `${flag} takes no value`
  return message.split('\n')[0] ?? message
}

/** Edit distance (insertions, deletions, substitutions, swaps of two neighbours). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[]
      const above = rows[i - 1] as number[]
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1)
      }
    }
  }
  return (rows[a.length] as number[])[b.length] as number
}

/** The known word nearest to `typed`, if it is near enough to be what was meant. */
export function closest(typed: string, known: readonly string[]): string | undefined {
  let best: { word: string; score: number } | undefined
  for (const word of known) {
    const score = distance(typed, word)
    if (!best || score < best.score) best = { word, score }
  }
  return best && best.score <= Math.max(1, Math.floor(typed.length / 3)) ? best.word : undefined
}

function optionLine(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`
  const also = spec.aliases?.length ? ` (also ${spec.aliases.map((a) => `--${a}`).join(', ')})` : ''
  return `  ${flag.padEnd(30)} ${spec.help}${spec.multiple ? ' (repeatable)' : ''}${also}`
}

/** A command's help, made from its declaration. */
export function helpOf(cmd: Command): string {
  const lines = cmd.usage.map((usage, index) =>
    `${index === 0 ? 'usage:' : '      '} signet ${cmd.name} ${usage}`.trimEnd(),
  )
  lines.push('', cmd.summary)
  const own = Object.entries(cmd.options)
  if (own.length > 0) lines.push('', 'options:', ...own.map(([n, s]) => optionLine(n, s)))
  lines.push(
    '',
    'common options:',
    ...Object.entries(COMMON_OPTIONS).map(([n, s]) => optionLine(n, s)),
  )
  return lines.join('\n')
}

/** Options first, then SIGNET_URL and SIGNET_TOKEN, then the profile `signet login` saved. */
export function clientFrom(options: {
  url?: string
  token?: string
  profile?: string
}): SignetClient {
  const named = options.profile ?? process.env.SIGNET_PROFILE
  const profile = readProfile(named)
  if (named !== undefined && named !== '' && !profile) {
    throw new UsageError(
      `no profile "${named}" in ${profilePath()}: signet login --profile ${named} saves one`,
    )
  }
  const url = options.url ?? process.env.SIGNET_URL ?? profile?.url
  const token = options.token ?? process.env.SIGNET_TOKEN ?? profile?.token
  if (!url) {
    throw new UsageError(
      'set SIGNET_URL (or --url, or signet login) to your Signet, e.g. http://localhost:8787',
    )
  }
  if (!token) {
    throw new UsageError(
      'set SIGNET_TOKEN (or --token, or signet login) to an API key or the admin token',
    )
  }
  try {
    return new SignetClient({ url, token })
  } catch {
    throw new UsageError('SIGNET_URL is not a URL')
  }
}

/** The one thing asked for: plain text, or Signet's answer as JSON; nothing with --quiet. */
export function print(
  io: Io,
  options: { json?: boolean; quiet?: boolean },
  answer: unknown,
  plain: string,
): void {
  if (options.quiet) return
  io.out(options.json ? `${JSON.stringify(answer, null, 2)}\n` : `${plain}\n`)
}

/** Names the step that failed: "presign", "create the share link", … */
export async function step<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw error instanceof StepError || error instanceof Interrupted
      ? error
      : new StepError(name, error)
  }
}

/** s3://bucket/key with a key (not a folder's). */
export function objectUrl(text: string | undefined): Target {
  const target = parseS3Url(text)
  if (target.key === '') throw new UsageError(`expected s3://bucket/key, not "${text}"`)
  return target
}

/** s3://bucket/key → {bucket, key}; the key is taken as written (no decoding). */
export function parseS3Url(text: string | undefined): Target {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text ?? '')
  if (!match) {
    throw new UsageError(`expected s3://bucket/key${text ? `, not "${text}"` : ''}`)
  }
  return { bucket: match[1] as string, key: match[2] ?? '' }
}

export function wholeNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, not "${text}"`)
  return Number(text)
}

const SECONDS_PER: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
}

/** Seconds as the largest whole unit: 31536000 → "365 days". */
export function spokenDuration(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (seconds % size === 0 && seconds >= size) {
      const count = seconds / size
      return `${count} ${unit}${count === 1 ? '' : 's'}`
    }
  }
  return `${seconds} seconds`
}

/**
 * "300", "90s", "15m", "2h", "7d", "3 days", "1 week" → seconds; at least 1 and at most `max`
 * seconds (the longest the server allows, where it is known), else a usage error naming both.
 */
export function duration(text: string | undefined, name: string, max?: number): number | undefined {
  if (text === undefined) return undefined
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text)
  const per = SECONDS_PER[(match?.[2] ?? '').toLowerCase() || 's']
  if (!match || per === undefined) {
    throw new UsageError(
      `--${name} must be seconds or a duration like 90s, 15m, 2h, 7d or "3 days", not "${text}"`,
    )
  }
  const seconds = Number(match[1]) * per
  if (seconds < 1) throw new UsageError(`--${name} must be at least 1 second`)
  if (max !== undefined && seconds > max) {
    throw new UsageError(`--${name} must be at most ${spokenDuration(max)}, not "${text}"`)
  }
  return seconds
}

/** A whole number of at least `min` (a cap of 0 would be used up before its first use). */
export function count(text: string | undefined, name: string, min = 1): number | undefined {
  const value = wholeNumber(text, name)
  if (value !== undefined && value < min) throw new UsageError(`--${name} must be at least ${min}`)
  return value
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
}

/** "8MiB", "16M", "5000000" → bytes. */
export function size(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text)
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()]
  if (!match || unit === undefined) throw new UsageError(`--${name} must be a size like 8MiB`)
  return Math.floor(Number(match[1]) * unit)
}

/** Repeated and comma-separated values as one list. */
export function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).filter(Boolean)
}

/** Ctrl-C cancels the transfer: the signal aborts requests, the upload is aborted. */
export function interruptible(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const onSignal = () => controller.abort(new Interrupted())
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/** `--notify EMAIL`, repeatable: who is mailed about the link's uses. */
export const NOTIFY_OPTION = {
  notify: {
    type: 'string',
    multiple: true,
    value: 'EMAIL',
    help: "mail this address about the link's uses (at most 5)",
  },
} as const

/** The addresses `--notify` named (repeated or comma-separated), checked before anything moves. */
export function notifyList(values: readonly string[] | undefined): string[] {
  const addresses = list(values).map((address) => address.trim())
  for (const address of addresses) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      throw new UsageError(`--notify: "${address}" is not an email address`)
    }
  }
  if (addresses.length > 5) throw new UsageError('--notify takes at most 5 addresses')
  return addresses
}
