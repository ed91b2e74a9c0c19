// XML text escaping for the few S3-shaped XML bodies Signet writes. Pure.

/** Escapes the five XML special characters as numeric references. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
