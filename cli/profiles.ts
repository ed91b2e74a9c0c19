// Where the CLI keeps its profiles: `$XDG_CONFIG_HOME/signet/config.json` (or
// `~/.config/signet/config.json`), readable by its owner only (0600, in a 0700 folder), holding
// a URL and a token per profile. SIGNET_URL and SIGNET_TOKEN still win over a profile.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

export type Profile = { url: string; token: string }
type ProfileFile = { profiles: Record<string, Profile> }

export function profilePath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'signet', 'config.json')
}

function readProfiles(): ProfileFile {
  try {
    const parsed = JSON.parse(readFileSync(profilePath(), 'utf8')) as Partial<ProfileFile>
    return { profiles: parsed.profiles ?? {} }
  } catch {
    return { profiles: {} }
  }
}

/** The profile asked for (`--profile`, else SIGNET_PROFILE, else `default`), if there is one. */
export function readProfile(name: string | undefined): Profile | undefined {
  return readProfiles().profiles[name ?? process.env.SIGNET_PROFILE ?? 'default']
}

export function saveProfile(name: string, profile: Profile): string {
  const path = profilePath()
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const file = readProfiles()
  file.profiles[name] = profile
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
  // A file that existed keeps the mode it had: it holds tokens, so it is made the owner's alone.
  chmodSync(path, 0o600)
  return path
}
