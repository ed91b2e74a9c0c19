// Sizes, rates and instants as people read them, the same on every surface (the CLI, the
// console, the share and upload pages): binary units with one decimal, and instants in UTC to
// the minute.

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
