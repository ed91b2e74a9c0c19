// Sizes and instants as people read them on Signet's pages (decimal units, as file managers show sizes).

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB']

/** 1536 → "1.5 KB" (decimal units, as file managers show sizes). */
export function formatSize(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return bytes === 1 ? '1 byte' : `${bytes} bytes`
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`
}

/** An instant as a page shows it: `2026-12-08 09:06 UTC`. */
export function formatExpiry(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
