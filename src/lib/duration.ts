// Expiry forms: seconds as a number, "90s", "15m", "2h", "7d", or an absolute expiresAt. Pure.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const

/** Seconds for `300`, `"300"`, `"90s"`, `"15m"`, `"2h"`, `"7d"`; undefined when not one of those. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  const match = /^(\d{1,10})([smhd]?)$/.exec(value.trim())
  if (!match) return undefined
  const unit = (match[2] || 's') as keyof typeof UNIT_SECONDS
  return Number(match[1]) * UNIT_SECONDS[unit]
}

/** Epoch milliseconds for an ISO 8601 string or epoch seconds; undefined when unreadable. */
export function parseInstant(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : undefined
  }
  // Only full ISO 8601 with a zone: "2026-01-01" or "Jan 1" would be read in some local time.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    return undefined
  }
  const ms = Date.parse(value)
  return Number.isFinite(ms) ? ms : undefined
}

/** An instant cut to whole seconds (as SigV4 dates are), in epoch milliseconds. */
export function wholeSecondMs(now: Date): number {
  return Math.floor(now.getTime() / 1000) * 1000
}

/** An instant as ISO 8601 (milliseconds where it has them); null stays null. */
export function isoOf(ms: number): string
export function isoOf(ms: number | null): string | null
export function isoOf(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

/** An instant as ISO 8601 without milliseconds (expiries are whole seconds). */
export function isoSeconds(ms: number): string {
  return isoOf(ms).replace(/\.\d{3}Z$/, 'Z')
}

/** An ISO instant as stored → epoch milliseconds (null stays null). */
export function msOf(iso: string): number
export function msOf(iso: string | null): number | null
export function msOf(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso)
}
