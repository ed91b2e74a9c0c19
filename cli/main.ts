// signet: a command line for a deployed Signet, shaped like `aws s3 cp`, `aws s3 presign` and
// `mc share`, on the typed client (src/client.ts). Reads SIGNET_URL and SIGNET_TOKEN (or --url,
// --token). Plain output is the one thing asked for (a URL, an id, a key, a final line), so
// `$(signet share ./file)` works; --json prints Signet's answer; --quiet prints nothing.
// This module only dispatches: each command is a module of cli/commands/ with its own options and
// help. Exit codes: 0 ok, 1 other error, 2 usage, 3 unauthorized/forbidden, 4 not found/gone,
// 5 Signet unreachable, 130 interrupted (Ctrl-C).

import { VERSION } from '../src/app-version'
import { SignetError } from '../src/client'
import { ObjectExists, StepError } from '../src/uploader'
import {
  COMMON_OPTIONS,
  type Command,
  closest,
  EXIT,
  helpOf,
  Interrupted,
  type Io,
  type OptionSpecs,
  parse,
  processIo,
  UsageError,
} from './command'
import { activity } from './commands/activity'
import { cp } from './commands/cp'
import { edit } from './commands/edit'
import { inspect } from './commands/inspect'
import { keys } from './commands/keys'
import { revoke, shares, stats, uses } from './commands/links'
import { login } from './commands/login'
import { ls, rm } from './commands/objects'
import { presign } from './commands/presign'
import { request } from './commands/request'
import { requests } from './commands/requests'
import { SendFailed, send, sendExitCode } from './commands/send'
import { share } from './commands/share'
import { sync } from './commands/sync'
import { webhooks } from './commands/webhooks'

export const COMMANDS = [
  login,
  ls,
  cp,
  sync,
  rm,
  share,
  request,
  send,
  presign,
  revoke,
  shares,
  requests,
  edit,
  stats,
  uses,
  activity,
  webhooks,
  inspect,
  keys,
] as Command[]

/** The overview: every command with its usage and what it does; help per command with --help. */
export function usage(): string {
  return [
    'usage: signet <command> [options]   (signet <command> --help for its options)',
    '',
    ...COMMANDS.flatMap((cmd) =>
      cmd.usage.map((line, index) =>
        `  ${(index === 0 ? cmd.name : '').padEnd(10)}${line}`.trimEnd(),
      ),
    ),
    '',
    'options of every command: --url URL (or SIGNET_URL), --token TOKEN (or SIGNET_TOKEN),',
    '                          --profile NAME (signet login), --json, --quiet, --help',
    '',
    'exit codes: 0 ok, 1 error, 2 usage, 3 unauthorized or forbidden, 4 not found or gone,',
    '            5 Signet unreachable, 130 interrupted',
  ].join('\n')
}

/** A command's usage lines, and where its options are told. */
function usageOf(cmd: Command): string {
  const lines = cmd.usage.map((usage, index) =>
    `${index === 0 ? 'usage:' : '      '} signet ${cmd.name} ${usage}`.trimEnd(),
  )
  return `${lines.join('\n')}\n(signet ${cmd.name} --help for its options)`
}

/** Where the word after a command's last argument stands in `args`, and what it follows. */
function extraWord(cmd: Command, args: string[]): string {
  const specs: OptionSpecs = { ...cmd.options, ...COMMON_OPTIONS }
  const takesValue = (token: string) => {
    if (token.includes('=')) return false
    const name = token.replace(/^--?/, '')
    const spec =
      specs[name] ??
      Object.values(specs).find((candidate) => candidate.short === name) ??
      Object.values(specs).find((candidate) => candidate.aliases?.includes(name))
    return spec?.type === 'string'
  }
  let seen = 0
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string
    if (token === '--') break
    if (token.startsWith('-') && token !== '-') {
      if (takesValue(token)) i++
      continue
    }
    seen++
    if (seen <= cmd.arity[1]) continue
    const option = args[i - 2]
    const value = args[i - 1]
    const hint =
      option?.startsWith('-') && value !== undefined && takesValue(option)
        ? ` (did you mean ${option} '${value} ${token}'?)`
        : ''
    return `unexpected argument "${token}"${hint}`
  }
  return 'too many arguments'
}

/** The exit code for a failure, from the API's status where there is one. */
function exitCodeOf(error: unknown): number {
  if (error instanceof SendFailed) return sendExitCode(error)
  const cause = error instanceof StepError ? error.cause : error
  if (cause instanceof SignetError) {
    if (cause.code === 'network_error') return EXIT.unreachable
    if (cause.status === 401 || cause.status === 403) return EXIT.auth
    if (cause.status === 404 || cause.status === 410) return EXIT.missing
  }
  if (cause instanceof StepError) return exitCodeOf(cause)
  if (error instanceof StepError && /no such object/.test(error.message)) return EXIT.missing
  return EXIT.error
}

function describe(error: unknown): string {
  if (error instanceof ObjectExists) return `${error.message}: give --overwrite to replace it`
  if (error instanceof StepError && error.cause instanceof SignetError) {
    const cause = error.cause
    const where = cause.requestId ? ` (request ${cause.requestId})` : ''
    const issues = (cause.issues ?? [])
      .map((issue) => `\n  ${issue.path}: ${issue.message}`)
      .join('')
    if (cause.code === 'network_error') return `${error.step}: ${cause.message}`
    return `${error.step}: ${cause.code}: ${cause.message}${where}${issues}`
  }
  return error instanceof Error ? error.message : String(error)
}

/** Runs `signet <argv>`; answers the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    io.out(`signet ${VERSION}\n`)
    return EXIT.ok
  }
  // The command is the first word that names one; options may come before it.
  const names = new Set(COMMANDS.map((cmd) => cmd.name))
  const at = argv.findIndex((arg) => names.has(arg))
  const name = at === -1 ? argv.find((arg) => !arg.startsWith('-')) : argv[at]
  const args = at === -1 ? [] : [...argv.slice(0, at), ...argv.slice(at + 1)]
  if (at === -1 && (name === undefined || name === 'help')) {
    io.out(`${usage()}\n`)
    const asked = name === 'help' || argv.includes('--help') || argv.includes('-h')
    return asked ? EXIT.ok : EXIT.usage
  }
  const cmd = COMMANDS.find((candidate) => candidate.name === name)
  if (!cmd) {
    const guess = closest(name ?? '', [...names])
    const hint = guess ? ` (did you mean "${guess}"?)` : ''
    io.err(`signet: unknown command "${name}"${hint}\n${usage()}\n`)
    return EXIT.usage
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(cmd, args)
  } catch (error) {
    io.err(`signet ${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    io.err(`${usageOf(cmd)}\n`)
    return EXIT.usage
  }
  if (parsed.options.help) {
    io.out(`${helpOf(cmd)}\n`)
    return EXIT.ok
  }
  const [least, most] = cmd.arity
  if (parsed.positionals.length > most || parsed.positionals.length < least) {
    const problem =
      parsed.positionals.length > most ? extraWord(cmd, args) : `missing ${cmd.usage[0]}`
    io.err(`signet ${name}: ${problem}\n${usageOf(cmd)}\n`)
    return EXIT.usage
  }
  try {
    await cmd.run({ ...parsed, io })
    return EXIT.ok
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`signet: ${error.message}\n`)
      return EXIT.usage
    }
    if (error instanceof Interrupted) return EXIT.interrupted
    io.err(`signet: ${describe(error)}\n`)
    return exitCodeOf(error)
  }
}
