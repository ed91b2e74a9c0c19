// /docs: an interactive reference built from /openapi.json in the browser. Self-contained (no
// CDN), so it works offline and under a strict CSP; the token typed in stays in sessionStorage.
import { Hono } from 'hono'
import type { AppEnv } from '../env'

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signet API reference</title>
<style>
  :root { color-scheme: light dark; --line: #8884; --get: #2a7; --post: #27c; --delete: #c33; --head: #888; }
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 18rem 1fr; min-height: 100vh; }
  nav { border-right: 1px solid var(--line); padding: 1rem; position: sticky; top: 0; height: 100vh; overflow: auto; box-sizing: border-box; }
  nav a { display: block; color: inherit; text-decoration: none; font: 13px ui-monospace, monospace; padding: .15rem 0; }
  main { padding: 1rem 2rem 4rem; max-width: 60rem; }
  section { border-top: 1px solid var(--line); padding: 1rem 0; }
  .method { display: inline-block; min-width: 4.5rem; font: bold 12px ui-monospace, monospace; text-transform: uppercase; }
  .get { color: var(--get); } .post { color: var(--post); } .delete { color: var(--delete); } .head { color: var(--head); }
  code, pre, textarea, input { font: 13px ui-monospace, monospace; }
  pre { background: #8881; padding: .6rem; overflow: auto; border-radius: 4px; }
  textarea { width: 100%; min-height: 6rem; box-sizing: border-box; }
  details { margin: .4rem 0; }
  button { font: inherit; padding: .2rem .8rem; }
  #token { width: 100%; box-sizing: border-box; margin-bottom: 1rem; }
</style>
</head>
<body>
<nav>
  <strong>Signet</strong>
  <p><label for="token">Bearer token</label><input id="token" type="password" autocomplete="off" placeholder="sgn_... or admin token"></p>
  <div id="toc">Loading…</div>
</nav>
<main>
  <h1 id="title">Signet API reference</h1>
  <p id="description"></p>
  <div id="ops"></div>
</main>
<script src="/docs/app.js"></script>
</body>
</html>`

const SCRIPT = `'use strict'
const $ = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  for (const child of children) el.append(child)
  return el
}
const token = document.getElementById('token')
token.value = sessionStorage.getItem('signet-token') || ''
token.addEventListener('input', () => sessionStorage.setItem('signet-token', token.value))

function resolve(doc, schema, depth = 0) {
  if (!schema || depth > 6) return schema
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split('/').pop()], depth + 1)
  return schema
}
function example(doc, schema, depth = 0) {
  schema = resolve(doc, schema, depth)
  if (!schema || depth > 6) return null
  if (schema.example !== undefined) return schema.example
  if (schema.default !== undefined) return schema.default
  if (schema.enum) return schema.enum[0]
  if (schema.anyOf || schema.oneOf) return example(doc, (schema.anyOf || schema.oneOf)[0], depth + 1)
  switch (schema.type) {
    case 'object': {
      const out = {}
      for (const name of schema.required || []) out[name] = example(doc, schema.properties[name], depth + 1)
      return out
    }
    case 'array': return [example(doc, schema.items, depth + 1)]
    case 'integer': case 'number': return schema.minimum ?? 1
    case 'boolean': return true
    default: return 'string'
  }
}

function operation(doc, path, method, op) {
  const id = method + '-' + path.replace(/[^a-z0-9]+/gi, '-')
  const section = $('section', { id })
  section.append($('h3', {}, $('span', { class: 'method ' + method }, method), $('code', {}, path)))
  if (op.summary) section.append($('p', {}, op.summary))
  const body = op.requestBody && op.requestBody.content['application/json']
  const params = (op.parameters || [])
  const inputs = {}
  if (params.length) {
    const list = $('div')
    for (const p of params) {
      const input = $('input', { placeholder: p.in + ': ' + p.name })
      inputs[p.name] = { input, where: p.in }
      list.append($('div', {}, input))
    }
    section.append(list)
  }
  let textarea
  if (body) {
    section.append($('details', {}, $('summary', {}, 'Request schema'), $('pre', {}, JSON.stringify(resolve(doc, body.schema), null, 2))))
    textarea = $('textarea', { 'aria-label': 'request body' })
    textarea.value = JSON.stringify(example(doc, body.schema), null, 2)
    section.append(textarea)
  }
  const responses = $('details', {}, $('summary', {}, 'Responses'))
  for (const [status, r] of Object.entries(op.responses || {})) {
    responses.append($('div', {}, $('code', {}, status), ' ' + (r.description || '')))
  }
  section.append(responses)
  const out = $('pre', { hidden: '' })
  const button = $('button', { type: 'button' }, 'Send')
  button.addEventListener('click', async () => {
    let url = path
    const query = new URLSearchParams()
    for (const [name, { input, where }] of Object.entries(inputs)) {
      if (where === 'path') url = url.replace('{' + name + '}', encodeURIComponent(input.value))
      else if (where === 'query' && input.value) query.set(name, input.value)
    }
    if ([...query].length) url += '?' + query
    const headers = {}
    if (token.value) headers.authorization = 'Bearer ' + token.value
    if (textarea) headers['content-type'] = 'application/json'
    out.hidden = false
    out.textContent = '…'
    try {
      const res = await fetch(url, { method: method.toUpperCase(), headers, body: textarea ? textarea.value : undefined })
      const text = await res.text()
      let shown = text
      try { shown = JSON.stringify(JSON.parse(text), null, 2) } catch {}
      out.textContent = res.status + ' ' + res.statusText + '\\n\\n' + shown
    } catch (e) {
      out.textContent = String(e)
    }
  })
  section.append($('p', {}, button), out)
  return { id, section }
}

fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version
  document.getElementById('description').textContent = doc.info.description || ''
  const toc = document.getElementById('toc')
  const ops = document.getElementById('ops')
  toc.textContent = ''
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const { id, section } = operation(doc, path, method, op)
      ops.append(section)
      toc.append($('a', { href: '#' + id }, method.toUpperCase() + ' ' + path))
    }
  }
}).catch((e) => { document.getElementById('toc').textContent = 'Could not load /openapi.json: ' + e })
`

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export const docs = new Hono<AppEnv>()
  .get('/', (c) => {
    c.header('Content-Security-Policy', CSP)
    return c.html(PAGE)
  })
  .get('/app.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    return c.body(SCRIPT)
  })
