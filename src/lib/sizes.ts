// Sizes, rates and instants as people read them, the same on every surface (the CLI, the
// console, the share and upload pages): binary units with one decimal, instants in UTC to the
// minute (pages and the console show them in the reader's own zone, formatted in the browser),
// and how far away an instant is ("in 3 days", "5 minutes ago").

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** 1536 → "1.5 KiB"; 21 → "21 B"; a fraction of a byte (a rate) is rounded. */
export function formatSize(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

/** An instant: `2026-12-08 09:06 UTC`. */
export function formatInstant(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

const SPANS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]

/** How far `epochMs` is from `nowMs`, in the largest whole unit: "in 3 days", "5 minutes ago". */
export function formatRelative(epochMs: number, nowMs: number, locale = 'en'): string {
  const delta = epochMs - nowMs
  const [unit, size] = SPANS.find(([, span]) => Math.abs(delta) >= span) ?? ['second', 1000]
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(
    Math.round(delta / size),
    unit,
  )
}
