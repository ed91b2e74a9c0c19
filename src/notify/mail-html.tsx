// A link's mail as HTML: inline styles only (mail readers drop style sheets), the brand's name and
// colour, every value escaped by hono/jsx. The same lines as the text part, nothing more.
import type { Brand } from '../config/brand'
import { formatInstant } from '../lib/sizes'

/** One line of a mail: what happened, and the words beside it. */
export type MailLine = { what: string; detail: string; note: string | null; at: number }

export function mailHtml(props: {
  name: string
  brand: Brand | null
  about: string
  lines: readonly MailLine[]
  message: string | null
  consoleUrl: string
  stopUrl: string
}): string {
  const accent = props.brand?.color ?? '#1d4ed8'
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title>{props.about}</title>
      </head>
      <body style="font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 16px; color: #111;">
        <div style="max-width: 560px; margin: 0 auto;">
          <p style={`font-weight: 600; color: ${accent}; margin: 0 0 12px;`}>{props.name}</p>
          <p style="margin: 0 0 8px;">{props.about}:</p>
          <ul style="padding-left: 20px; margin: 0 0 16px;">
            {props.lines.map((line) => (
              <li style="margin: 0 0 8px; overflow-wrap: anywhere;">
                <strong>{line.what}</strong>: {line.detail}, {formatInstant(line.at)}
                {line.note ? (
                  <div style="white-space: pre-wrap; color: #444;">“{line.note}”</div>
                ) : null}
              </li>
            ))}
          </ul>
          {props.message ? (
            <p style="white-space: pre-wrap; color: #444;">The link's message: {props.message}</p>
          ) : null}
          <p>
            <a
              href={props.consoleUrl}
              style={`display: inline-block; padding: 10px 20px; border-radius: 6px; background: ${accent}; color: #fff; text-decoration: none; font-weight: 600;`}
            >
              See it in {props.name}
            </a>
          </p>
          <p style="font-size: 13px; color: #555;">
            You get this because your address was given for this link.{' '}
            <a href={props.stopUrl} style="color: #555;">
              Stop mail about this link
            </a>
          </p>
        </div>
      </body>
    </html>
  )
  return `<!doctype html>${page.toString()}`
}
