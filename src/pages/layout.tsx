// The frame of Signet's own small pages (share pages, their error pages): one stylesheet, light
// and dark, readable at 360 px, nothing loaded from anywhere but the brand's logo. Built with
// hono/jsx, which escapes every value by construction. The brand (SIGNET_BRAND) names and
// colours every page; one small inline script (page-script.ts) shows times in the reader's zone.
import { type Child, createContext, useContext } from 'hono/jsx'
import type { Brand } from '../config'
import { formatInstant, formatRelative } from '../lib/sizes'
import { PAGE_SCRIPT, PAGE_SCRIPT_HASH } from './page-script'

/** The installation's brand while a page renders (null: Signet's own look). */
export const BrandContext = createContext<Brand | null>(null)

const STYLE = `
:root { color-scheme: light dark; --accent: #1d4ed8; }
body { font: 17px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { max-width: 30rem; padding: 2rem 1.25rem; text-align: center; overflow-wrap: anywhere; }
main.wide { max-width: 48rem; width: 100%; box-sizing: border-box; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
p { margin: .25rem 0; }
dl { display: grid; grid-template-columns: auto auto; gap: .25rem 1rem; justify-content: center; margin: 1rem 0 1.5rem; }
dt { font-weight: 600; text-align: right; }
dd { margin: 0; text-align: left; }
button { font: inherit; font-weight: 600; padding: .75rem 2rem; border-radius: .5rem; border: 0; background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; }
button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.quiet { opacity: .8; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: center; margin: 1rem 0; }
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
.button { display: inline-block; font-weight: 600; padding: .75rem 2rem; border-radius: .5rem; background: var(--accent); color: #fff; cursor: pointer; margin: 0; }
.drop { border: 2px dashed GrayText; border-radius: .75rem; padding: 1.5rem 1rem; margin: 1rem 0; }
.drop.over { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 10%, Canvas); }
.drop:focus-within .button { outline: 3px solid #f59e0b; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); border: 0; }
.message { white-space: pre-wrap; text-align: left; }
.sender { text-align: left; margin: 1rem 0; }
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
.brand { display: flex; align-items: center; justify-content: center; gap: .5rem; margin: 0 0 1.5rem; font-weight: 600; }
.brand img { max-height: 2.5rem; max-width: 10rem; }
.filetype { display: inline-block; min-width: 3rem; padding: .9rem .4rem; margin-bottom: .75rem; border-radius: .4rem; border: 2px solid var(--accent); color: CanvasText; font: 700 .8rem/1 ui-monospace, monospace; letter-spacing: .05em; }
.zoned { opacity: .8; font-size: .9em; }
.note { border-left: 4px solid var(--accent); padding: .5rem .75rem; margin: 1rem 0; text-align: left; white-space: pre-wrap; }
.filter { margin: 1rem 0 0; text-align: left; }
.filter input { margin: 0; }
`

export type PageHead = { title: string; description?: string }

/** The brand's name and logo over the page, where the installation set one. */
function BrandMark() {
  const brand = useContext(BrandContext)
  if (!brand || (brand.name === null && brand.logoUrl === null)) return null
  return (
    <p class="brand">
      {brand.logoUrl !== null && <img src={brand.logoUrl} alt={brand.name ?? 'Logo'} />}
      {brand.name !== null && brand.logoUrl === null && <span>{brand.name}</span>}
    </p>
  )
}

/**
 * An instant as people read it: "in 3 days" with the date and time beside it (in UTC as served;
 * the page's script puts both in the reader's zone and language).
 */
export function When(props: { at: number; now?: number }) {
  const iso = new Date(props.at).toISOString()
  return (
    <span class="when">
      <time datetime={iso}>{formatRelative(props.at, props.now ?? Date.now())}</time>{' '}
      <span class="zoned">({formatInstant(props.at)})</span>
    </span>
  )
}

/** A file's type as a badge: its extension (PDF, ZIP, JPG…), or FILE. */
export function FileIcon(props: { name: string }) {
  const dot = props.name.lastIndexOf('.')
  const extension = dot > 0 ? props.name.slice(dot + 1) : ''
  const label = /^[A-Za-z0-9]{1,5}$/.test(extension) ? extension.toUpperCase() : 'FILE'
  return (
    <span class="filetype" aria-hidden="true">
      {label}
    </span>
  )
}

export function Page(props: { head: PageHead; children: Child; wide?: boolean }) {
  const { title, description } = props.head
  const brand = useContext(BrandContext)
  const accent = brand?.color ? `:root { --accent: ${brand.color}; }` : ''
  const siteName = brand?.name ?? 'Signet'
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
        <meta property="og:site_name" content={siteName} />
        <meta name="twitter:card" content="summary" />
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
        <style>{STYLE + accent}</style>
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>
          <BrandMark />
          {props.children}
        </main>
        {/* Raw: its text must be exactly the one its hash allows (it holds no outside value). */}
        <script dangerouslySetInnerHTML={{ __html: PAGE_SCRIPT }} />
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
    `script-src ${PAGE_SCRIPT_HASH}`,
    "style-src 'unsafe-inline'",
    "img-src 'self'",
    ...extra,
    "base-uri 'none'",
    `form-action ${action}`,
    "frame-ancestors 'none'",
  ].join('; ')
}

/** A whole document as text, rendered with the installation's brand. */
export function html(
  page: { toString(): string | Promise<string> },
  brand: Brand | null = null,
): Promise<string> {
  const branded = <BrandContext.Provider value={brand}>{page as Child}</BrandContext.Provider>
  return Promise.resolve(branded.toString()).then((body) => `<!doctype html>${body}`)
}

/** A page's CSP with the brand's logo allowed as an image, exactly that URL. */
export function withLogo(csp: string, brand: Brand | null): string {
  if (!brand?.logoUrl || brand.logoUrl.startsWith('/')) return csp
  return csp.replace("img-src 'self'", `img-src 'self' ${brand.logoUrl}`)
}
