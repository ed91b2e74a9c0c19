// The CLI's commands called in this process (no spawn): each takes only its own options and the
// common ones, and its help is made from its declaration.
import { describe, expect, it } from 'vitest'
import { parse } from '../../cli/command'
import { share } from '../../cli/commands/share'
import { COMMANDS, main } from '../../cli/main'
import { formatInstant, formatSize } from '../../src/lib/sizes'

async function run(args: string[]) {
  let out = ''
  let err = ''
  const status = await main(args, { out: (text) => (out += text), err: (text) => (err += text) })
  return { status, out, err }
}

describe('the signet command line, in process', () => {
  it('refuses an option another command has', async () => {
    const qr = await run(['keys', 'list', '--qr'])
    expect(qr.status).toBe(2)
    expect(qr.err).toMatch(/^signet keys: unknown option --qr\n/)
    expect(qr.err).toContain('signet keys list')
    expect((await run(['cp', 'a', 's3://b/k', '--max-downloads', '2'])).status).toBe(2)
  })

  it('makes every command help from its options, common options included', async () => {
    for (const cmd of COMMANDS) {
      const help = await run([cmd.name, '--help'])
      expect(help.status, cmd.name).toBe(0)
      expect(help.out).toContain(`usage: signet ${cmd.name}`)
      for (const name of Object.keys(cmd.options)) expect(help.out, name).toContain(`--${name}`)
      expect(help.out).toContain('--token TOKEN')
    }
    // The retries' default in help is the one the code uses.
    expect((await run(['cp', '--help'])).out).toMatch(/--retries 3 /)
  })

  it('lists the commands, takes options before the command, and names an unknown one', async () => {
    const overview = await run(['--help'])
    expect(overview.status).toBe(0)
    for (const cmd of COMMANDS) expect(overview.out).toMatch(new RegExp(`^  ${cmd.name}\\b`, 'm'))
    expect((await run([])).status).toBe(2)
    const unknown = await run(['frobnicate'])
    expect(unknown.status).toBe(2)
    expect(unknown.err).toMatch(/^signet: unknown command "frobnicate"/)
    const early = await run(['--url', 'http://127.0.0.1:9', '--token', 'sgn_x', 'revoke'])
    expect(early.status).toBe(2)
    expect(early.err.split('\n')[0]).toBe('signet revoke: missing <link or id>')
  })

  it('suggests the option or command a typo meant', async () => {
    const option = await run(['share', 's3://local/a', '--expries-in', '1d'])
    expect(option.status).toBe(2)
    expect(option.err).toMatch(
      /^signet share: unknown option --expries-in \(did you mean --expires-in\?\)\n/,
    )
    const command = await run(['shaer'])
    expect(command.status).toBe(2)
    expect(command.err).toMatch(/^signet: unknown command "shaer" \(did you mean "share"\?\)/)
    // Nothing near enough: no guess.
    expect((await run(['share', '--zzzzzzzz'])).err).not.toContain('did you mean')
  })

  it('spells expiry --expires-in everywhere, taking --expire as well', async () => {
    expect(parse(share, ['--expire', '2d']).options['expires-in']).toBe('2d')
    expect(parse(share, ['--expires-in', '3d']).options['expires-in']).toBe('3d')
    for (const name of ['share', 'presign', 'request']) {
      expect((await run([name, '--help'])).out, name).toContain('--expires-in')
    }
    expect((await run(['share', '--help'])).out).toContain('(also --expire)')
  })

  it('prints sizes and rates in binary units with one decimal, and instants one way', () => {
    expect(formatSize(368.42105263157896)).toBe('368 B')
    expect(formatSize(21)).toBe('21 B')
    expect(formatSize(1536)).toBe('1.5 KiB')
    expect(formatSize(20 * 1024 * 1024)).toBe('20.0 MiB')
    expect(formatInstant(Date.UTC(2026, 11, 8, 9, 6, 59))).toBe('2026-12-08 09:06 UTC')
  })
})
