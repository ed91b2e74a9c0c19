// The CLI's commands called in this process (no spawn): each takes only its own options and the
// common ones, and its help is made from its declaration.
import { describe, expect, it } from 'vitest'
import { COMMANDS, main } from '../../cli/main'

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
    expect(qr.err).toMatch(/^signet keys: Unknown option '--qr'/)
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
    expect(early.err).toBe('signet: revoke needs a share id or link\n')
  })
})
