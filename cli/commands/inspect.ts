// signet inspect: the URL doctor (and, with --origin, the CORS doctor) in words.
import { clientFrom, command, print, step, UsageError } from '../command'

export const inspect = command({
  name: 'inspect',
  arity: [1, 1],
  usage: ['<url>'],
  summary: 'Explain a presigned URL: what it grants, until when, and what would make it fail.',
  options: {
    method: { type: 'string', value: 'METHOD', help: 'the method the URL will be used with' },
    origin: {
      type: 'string',
      value: 'ORIGIN',
      help: "also run a CORS preflight for this page's origin",
    },
  },
  async run({ positionals, options, io }) {
    const url = positionals[0]
    if (!url) throw new UsageError('inspect needs a URL')
    const answer = await step(
      'inspect',
      clientFrom(options).inspect(url, {
        ...(options.method === undefined ? {} : { method: options.method.toUpperCase() }),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      }),
    )
    const left = answer.expired
      ? ' (expired)'
      : answer.secondsLeft !== null
        ? ` (${answer.secondsLeft}s left)`
        : ''
    const lines = [
      `host        ${answer.host}`,
      `object      ${answer.bucket ?? '?'} / ${answer.key ?? '?'}`,
      `method      ${answer.method ?? 'unknown'}`,
      `signed at   ${answer.signedAt ?? '?'}`,
      `expires at  ${answer.expiresAt ?? '?'}${left}`,
      `signature   ${answer.signatureValid === undefined ? 'not checked' : answer.signatureValid ? 'valid' : 'INVALID'}`,
      ...(answer.problems.length
        ? ['problems:', ...answer.problems.map((problem) => `  - ${problem}`)]
        : ['problems:   none found']),
    ]
    if (answer.cors) {
      const cors = answer.cors
      lines.push(
        `cors        ${cors.checked ? (cors.allowed ? 'allowed' : 'NOT allowed') : `not checked: ${cors.error}`}`,
        ...cors.missing.map((missing) => `  missing ${missing.kind} ${missing.value}`),
      )
      if (cors.fix?.s3)
        lines.push(`  fix: ${cors.fix.s3.command}`, `  ${JSON.stringify(cors.fix.s3.json)}`)
    }
    print(io, options, answer, lines.join('\n'))
  },
})
