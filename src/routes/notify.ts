// /n/:id/stop: the stop link every mail about a link carries, for its address. GET shows a page
// with a button; POST stops the mail (RFC 8058 one-click: mail providers POST
// `List-Unsubscribe=One-Click` to it). No sign-in: the token, an HMAC the link's NotifyObject
// made for this address, is the permission, and it works for no other link or address.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import { pageCsp } from '../pages/layout'
import { StopPage, type StopState } from '../pages/stop-page'
import { isShareId } from '../share/record'
import { pageResponse } from './link-answers'

const StopQuery = z.object({
  to: z.string().max(254).openapi({ description: 'The address the mail went to' }),
  t: z.string().max(100).openapi({ description: "The stop token from the mail's link" }),
})
const IdParam = z.object({ id: z.string().max(64) })

const STATUS: Record<StopState, number> = { ask: 200, stopped: 200, forged: 403, unknown: 404 }

async function answer(c: Context<AppEnv>, stop: boolean): Promise<Response> {
  const id = c.req.param('id') ?? ''
  const to = c.req.query('to') ?? ''
  const token = c.req.query('t') ?? ''
  let state: StopState = 'unknown'
  if (isShareId(id) && to !== '' && token !== '') {
    const object = c.env.NOTIFY.get(c.env.NOTIFY.idFromName(id))
    const found = stop ? await object.stop(id, to, token) : await object.check(id, to, token)
    state = found === 'live' ? 'ask' : found
  }
  const action = `/n/${id}/stop?to=${encodeURIComponent(to)}&t=${encodeURIComponent(token)}`
  return pageResponse(
    c,
    STATUS[state],
    StopPage({ state, address: to, action }),
    pageCsp(["'self'"]),
  )
}

const responses = {
  200: { description: 'The page: a button (GET), or the mail stopped (POST)' },
  403: { description: 'The token is not the one the mail carried for this link and address' },
  404: { description: 'No mail about such a link' },
}

export const notifyPages = newApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/stop',
      summary: "A mail's stop link",
      description:
        "The page behind a mail's stop link: a button that stops this link's mail to this address. Changes nothing by itself.",
      request: { params: IdParam, query: StopQuery },
      responses,
    }),
    (c) => answer(c, false),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/{id}/stop',
      summary: "Stops a link's mail to one address",
      description:
        "Stops this link's mail to the address (RFC 8058 one-click, List-Unsubscribe-Post); other links' mail goes on.",
      request: { params: IdParam, query: StopQuery },
      responses,
    }),
    (c) => answer(c, true),
  )
