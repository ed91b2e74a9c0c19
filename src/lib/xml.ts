// XML text for the few S3-shaped XML bodies Signet writes and reads: escaping, and a leaf
// element's text, unescaped. Pure.

/** Escapes the five XML special characters as numeric references. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/** The text of escaped XML: the five named references and numeric ones (`&#34;`, `&#x22;`). */
export function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16)),
    )
    .replace(/&#(\d{1,7});/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replaceAll('&amp;', '&')
}

/** The unescaped text of the first `<tag>` element with text only inside, if any. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const value = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]
  return value === undefined ? undefined : unescapeXml(value)
}
