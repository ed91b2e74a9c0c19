// signet login: saves a Signet's URL and a token as a profile, after checking that the token
// works there, so later commands need no environment variables.
import { SignetClient } from '../../src/client'
import { command, print, step, UsageError } from '../command'
import { saveProfile } from '../profiles'

export const login = command({
  name: 'login',
  arity: [0, 0],
  usage: ['--url URL --token TOKEN [--profile NAME]', '--url URL --token-stdin'],
  summary:
    'Save a Signet (--url, or SIGNET_URL) and a token as a profile (file mode 0600); the token is checked first.',
  options: {
    'token-stdin': { type: 'boolean', help: 'read the token from stdin (kept out of history)' },
  },
  async run({ options, io }) {
    const url = options.url ?? process.env.SIGNET_URL
    if (!url) throw new UsageError('login needs --url (or SIGNET_URL)')
    let token = options.token
    if (options['token-stdin']) {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      token = Buffer.concat(chunks).toString('utf8').trim()
    }
    if (!token) throw new UsageError('login needs --token or --token-stdin')
    let client: SignetClient
    try {
      client = new SignetClient({ url, token })
    } catch {
      throw new UsageError('--url is not a URL')
    }
    const me = await step('check the token', client.me())
    const name = options.profile ?? 'default'
    const path = saveProfile(name, { url, token })
    print(
      io,
      options,
      { profile: name, url, name: me.name, kind: me.kind, path },
      `signed in to ${url} as ${me.name} (profile ${name}, ${path})`,
    )
  },
})
