// The frame of Signet's own small pages (share pages, their error pages): one stylesheet, light
// and dark, readable at 360 px, nothing loaded from anywhere. Built with hono/jsx, which escapes
// every value by construction.
import type { Child } from 'hono/jsx'

const STYLE = `
:root { color-scheme: light dark; }
body { font: 17px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { max-width: 30rem; padding: 2rem 1.25rem; text-align: center; overflow-wrap: anywhere; }
main.wide { max-width: 48rem; width: 100%; box-sizing: border-box; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
p { margin: .25rem 0; }
dl { display: grid; grid-template-columns: auto auto; gap: .25rem 1rem; justify-content: center; margin: 1rem 0 1.5rem; }
dt { font-weight: 600; text-align: right; }
dd { margin: 0; text-align: left; }
button { font: inherit; font-weight: 600; padding: .75rem 2rem; border-radius: .5rem; border: 0; background: #1d4ed8; color: #fff; cursor: pointer; }
button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.quiet { opacity: .8; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input { font: inherit; padding: .6rem .75rem; border-radius: .5rem; border: 1px solid GrayText; width: 100%; box-sizing: border-box; margin-bottom: 1rem; background: Field; color: FieldText; }
input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.error { color: #b91c1c; font-weight: 600; }
@media (prefers-color-scheme: dark) { .error { color: #fca5a5; } }
.preview { margin: 1rem 0; }
.preview video, .preview audio, .preview iframe { display: block; width: 100%; max-height: 70vh; border: 0; }
.preview img { display: block; max-width: 100%; max-height: 70vh; margin: 0 auto; }
.preview iframe { height: 70vh; }
.preview .text { text-align: left; max-height: 50vh; overflow: auto; padding: .75rem; border: 1px solid GrayText; border-radius: .5rem; }
.preview pre { margin: 0; white-space: pre-wrap; font-size: .85rem; }
.preview .text:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.button { display: inline-block; font-weight: 600; padding: .75rem 2rem; border-radius: .5rem; background: #1d4ed8; color: #fff; cursor: pointer; margin: 0; }
.drop { border: 2px dashed GrayText; border-radius: .75rem; padding: 1.5rem 1rem; margin: 1rem 0; }
.drop.over { border-color: #1d4ed8; background: color-mix(in srgb, #1d4ed8 10%, Canvas); }
.drop:focus-within .button { outline: 3px solid #f59e0b; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); border: 0; }
.message { white-space: pre-wrap; text-align: left; }
.files { list-style: none; padding: 0; text-align: left; }
.files li { padding: .5rem 0; border-bottom: 1px solid GrayText; }
.files progress { display: block; width: 100%; }
.files .name { font-weight: 600; }
table.folder { width: 100%; border-collapse: collapse; text-align: left; margin: 1.5rem 0 1rem; }
.folder th, .folder td { padding: .5rem .25rem; border-bottom: 1px solid GrayText; vertical-align: top; }
.folder .size, .folder .modified { white-space: nowrap; text-align: right; }
.folder tbody th { padding-top: 1rem; font-weight: 600; }
.folder a { color: LinkText; }
.folder a:focus-visible, a.button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
a.button { text-decoration: none; }
@media (max-width: 32rem) { .folder .modified { display: none; } }
`

export type PageHead = { title: string; description?: string }

export function Page(props: { head: PageHead; children: Child; wide?: boolean }) {
  const { title, description } = props.head
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{title}</title>
        {description !== undefined && <meta name="description" content={description} />}
        <meta property="og:title" content={title} />
        {description !== undefined && <meta property="og:description" content={description} />}
        <meta property="og:type" content="website" />
        <meta name="twitter:card" content="summary" />
        <style>{STYLE}</style>
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>{props.children}</main>
      </body>
    </html>
  )
}

/**
 * The policy of these pages: inline style only, no script, forms only where `formAction` says,
 * and whatever else `extra` adds (a share page's preview: `media-src 'self'` or `frame-src 'self'`).
 */
export function pageCsp(formAction: readonly string[] = [], extra: readonly string[] = []): string {
  const action = formAction.length > 0 ? formAction.join(' ') : "'none'"
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self'",
    ...extra,
    "base-uri 'none'",
    `form-action ${action}`,
    "frame-ancestors 'none'",
  ].join('; ')
}

/** A whole document as text. */
export function html(page: { toString(): string | Promise<string> }): Promise<string> {
  return Promise.resolve(page.toString()).then((body) => `<!doctype html>${body}`)
}
